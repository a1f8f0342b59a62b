// Keyboard shortcuts: combination -> [action, argument]; the help sheet in editor.html lists them.
const KEYMAP = {
  v: ["tool", "select"],
  r: ["tool", "box"],
  p: ["tool", "polygon"],
  o: ["tool", "ellipse"],
  n: ["tool", "polyline"],
  k: ["tool", "keypoints"],
  b: ["tool", "brush"],
  e: ["tool", "eraser"],
  "[": ["brushSize", -1],
  "]": ["brushSize", 1],
  "Alt+]": ["cycleLabel", 1],
  "Alt+[": ["cycleLabel", -1],
  Enter: ["finish"],
  Escape: ["cancel"],
  Backspace: ["backspace"],
  Delete: ["remove"],
  l: ["toggleLock"],
  h: ["toggleHide"],
  "Shift+M": ["editMeta"],
  "Shift+N": ["addFrameLabel"],
  "Shift+S": ["skip"],
  "Ctrl+C": ["copy"],
  "Ctrl+Shift+C": ["copyAll"],
  "Ctrl+V": ["paste"],
  "Ctrl+Z": ["undo"],
  "Ctrl+Y": ["redo"],
  "Ctrl+Shift+Z": ["redo"],
  "Ctrl+S": ["save"],
  ArrowLeft: ["step", -1],
  ArrowRight: ["step", 1],
  "+": ["zoom", 1.25],
  "=": ["zoom", 1.25],
  "-": ["zoom", 0.8],
  0: ["fit"],
  "?": ["help"],
  "Alt+0": ["sourceMode", "grid"],
};

// Alt+] and Alt+digits on layouts where Alt changes the character: the physical key counts.
const ALT_CODES = { BracketRight: "]", BracketLeft: "[" };
for (let digit = 0; digit < 10; digit++) ALT_CODES[`Digit${digit}`] = String(digit);

export function comboOf(event) {
  let key = (event.altKey && ALT_CODES[event.code]) || event.key;
  const letter = /^[a-z]$/i.test(key);
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  // Shift+? is "?" and Shift+M is "Shift+M"; a named key keeps its Shift.
  if (event.shiftKey && (letter || key.length > 1)) parts.push("Shift");
  if (letter) key = parts.length ? key.toUpperCase() : key.toLowerCase();
  return [...parts, key].join("+");
}

export function lookup(event) {
  const combo = comboOf(event);
  if (/^[1-9]$/.test(combo)) return ["digit", Number(combo) - 1];
  if (/^Alt\+[1-9]$/.test(combo)) return ["pickSource", Number(combo.at(-1)) - 1];
  return KEYMAP[combo];
}
