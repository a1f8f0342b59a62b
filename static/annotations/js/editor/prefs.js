// What this browser keeps between visits: label colours and fill opacities per version, the
// brush size, grid or tabs for a FrameGroup's sources, and the clipboard per tab (so shapes can be pasted on another item).
const CLIPBOARD_KEY = "hyperlabel-clipboard";
const colorsKey = (version) => `hyperlabel-colors:${version}`;
const opacityKey = (version) => `hyperlabel-opacity:${version}`;
const OPACITY_KEPT = 5000;
const BRUSH_KEY = "hyperlabel-brush-size";
const SOURCES_KEY = "hyperlabel-source-mode";

export function stored(storage, key, fallback) {
  try {
    return JSON.parse(storage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function loadPrefs(version) {
  return {
    labelColors: stored(localStorage, colorsKey(version), {}),
    opacity: stored(localStorage, opacityKey(version), []),
    clipboard: stored(sessionStorage, CLIPBOARD_KEY, []),
    brushSize: stored(localStorage, BRUSH_KEY, 16),
    sourceMode: stored(localStorage, SOURCES_KEY, "grid"),
  };
}

export function saveLabelColors(version, labelColors) {
  localStorage.setItem(colorsKey(version), JSON.stringify(labelColors));
}

export function saveOpacity(version, opacity) {
  localStorage.setItem(opacityKey(version), JSON.stringify([...opacity].slice(-OPACITY_KEPT)));
}

export function saveBrushSize(size) {
  localStorage.setItem(BRUSH_KEY, JSON.stringify(size));
}

export function saveSourceMode(mode) {
  localStorage.setItem(SOURCES_KEY, JSON.stringify(mode));
}

export function saveClipboard(items) {
  sessionStorage.setItem(CLIPBOARD_KEY, JSON.stringify(items));
}
