// Label colours exactly as frames/colors.py computes them.
const encoder = new TextEncoder();
export const hexByte = (value) => value.toString(16).padStart(2, "0");

function fnv1a(text) {
  let value = 0x811c9dc5;
  for (const byte of encoder.encode(text)) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value;
}

// colorsys.hls_to_rgb's helper, with Python's float modulo.
function channel(m1, m2, hue) {
  let h = hue % 1;
  if (h < 0) h += 1;
  if (h < 1 / 6) return m1 + (m2 - m1) * h * 6;
  if (h < 0.5) return m2;
  return h < 2 / 3 ? m1 + (m2 - m1) * (2 / 3 - h) * 6 : m1;
}

// As Python's round(), or a channel may differ by one.
function roundHalfEven(value) {
  return value - Math.floor(value) === 0.5 ? 2 * Math.round(value / 2) : Math.round(value);
}

export function labelColor(label) {
  const hue = (fnv1a(label) % 360) / 360;
  const m2 = 0.5 * (1 + 0.7); // computed as colorsys does
  const m1 = 2 * 0.5 - m2;
  const channels = [hue + 1 / 3, hue, hue - 1 / 3];
  return `#${channels.map((h) => hexByte(roundHalfEven(channel(m1, m2, h) * 255))).join("")}`;
}

export function withAlpha(hex, alpha) {
  return hex + hexByte(Math.round(Math.max(0, Math.min(1, alpha)) * 255));
}
