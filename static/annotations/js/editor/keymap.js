// Every shortcut in one place: key combination → [action, argument, description for the sheet].
export const KEYMAP = {
  v: ["tool", "select", "Select and move"],
  r: ["tool", "box", "Rectangle"],
  p: ["tool", "polygon", "Polygon"],
  k: ["tool", "keypoints", "Key points"],
  "1…9": ["pickLabel", null, "Pick the n-th label (and relabel the selection)"],
  "Alt+]": ["cycleLabel", 1, "Next default label"],
  "Alt+[": ["cycleLabel", -1, "Previous default label"],
  Enter: ["finish", null, "Close the polygon / finish key points"],
  Escape: ["cancel", null, "Cancel drawing, clear the selection"],
  Backspace: ["backspace", null, "Remove the last vertex while drawing, else delete"],
  Delete: ["remove", null, "Delete the selection"],
  l: ["toggleLock", null, "Lock / unlock the selection"],
  h: ["toggleHide", null, "Hide / show the selection"],
  "Shift+M": ["editMeta", null, "Edit the selected shape's metadata"],
  "Shift+N": ["addFrameLabel", null, "Add a frame label"],
  "Ctrl+C": ["copy", null, "Copy the selection"],
  "Ctrl+Shift+C": ["copyAll", null, "Copy every shape of the frame"],
  "Ctrl+V": ["paste", null, "Paste at the same place"],
  "Ctrl+Z": ["undo", null, "Undo"],
  "Ctrl+Y": ["redo", null, "Redo (also Ctrl+Shift+Z)"],
  "Ctrl+Shift+Z": ["redo", null, ""],
  "Ctrl+S": ["save", null, "Save now"],
  ArrowLeft: ["step", -1, "Previous frame (of the clip, then item)"],
  ArrowRight: ["step", 1, "Next frame (of the clip, then item: marks it done)"],
  "+": ["zoom", 1.25, "Zoom in (also =)"],
  "=": ["zoom", 1.25, ""],
  "-": ["zoom", 0.8, "Zoom out"],
  0: ["fit", null, "Fit the image"],
  "Space+drag": [null, null, "Pan (or drag empty space, or the middle button)"],
  "Shift+drag": [null, null, "Select shapes inside a box; Shift+click adds one"],
  "?": ["help", null, "This sheet"],
};

const CODES = { BracketRight: "]", BracketLeft: "[" };

// "Ctrl+Shift+Z", "Alt+]", "Shift+M", "?", "ArrowLeft": the KEYMAP key for an event.
export function comboOf(event) {
  let key = (event.altKey && CODES[event.code]) || event.key;
  const letter = key.length === 1 && /[a-z]/i.test(key);
  if (letter) key = key.toUpperCase();
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  if (event.shiftKey && (letter || key.length > 1)) parts.push("Shift");
  const combo = [...parts, key].join("+");
  return parts.length || !letter ? combo : key.toLowerCase();
}

export function lookup(event) {
  const combo = comboOf(event);
  if (/^[1-9]$/.test(combo)) return ["digit", Number(combo) - 1];
  return KEYMAP[combo] || null;
}

export function helpRows() {
  return Object.entries(KEYMAP)
    .filter(([, [, , description]]) => description)
    .map(([combo, [, , description]]) => [combo.replace(/^[a-z]$/, (c) => c.toUpperCase()), description]);
}
