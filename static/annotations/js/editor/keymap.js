const KEYMAP = {
  v: ["tool", "select"], r: ["tool", "box"], p: ["tool", "polygon"], k: ["tool", "keypoints"],
  "Alt+]": ["cycleLabel", 1], "Alt+[": ["cycleLabel", -1],
  Enter: ["finish"], Escape: ["cancel"], Backspace: ["backspace"], Delete: ["remove"],
  l: ["toggleLock"], h: ["toggleHide"], "Shift+M": ["editMeta"], "Shift+N": ["addFrameLabel"],
  "Ctrl+C": ["copy"], "Ctrl+Shift+C": ["copyAll"], "Ctrl+V": ["paste"],
  "Ctrl+Z": ["undo"], "Ctrl+Y": ["redo"], "Ctrl+Shift+Z": ["redo"], "Ctrl+S": ["save"],
  ArrowLeft: ["step", -1], ArrowRight: ["step", 1],
  "+": ["zoom", 1.25], "=": ["zoom", 1.25], "-": ["zoom", 0.8], 0: ["fit"], "?": ["help"],
};

export function comboOf(event) {
  let key = (event.altKey && { BracketRight: "]", BracketLeft: "[" }[event.code]) || event.key;
  const letter = /^[a-z]$/i.test(key);
  const parts = [event.ctrlKey || event.metaKey ? "Ctrl" : "", event.altKey ? "Alt" : ""];
  parts.push(event.shiftKey && (letter || key.length > 1) ? "Shift" : "");
  if (letter) key = parts.some(Boolean) ? key.toUpperCase() : key.toLowerCase();
  return [...parts.filter(Boolean), key].join("+");
}

export function lookup(event) {
  const combo = comboOf(event);
  return /^[1-9]$/.test(combo) ? ["digit", Number(combo) - 1] : KEYMAP[combo];
}
