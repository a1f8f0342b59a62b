// Exactly as frames/colors.py.
const encoder = new TextEncoder();
export const hexByte = (value) => value.toString(16).padStart(2, "0");

function fnv1a(text) {
  let value = 0x811c9dc5;
  for (const byte of encoder.encode(text)) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value;
}

// colorsys.hls_to_rgb's helper, with Python's float modulo.
function channel(m1, m2, hue) {
  hue %= 1;
  if (hue < 0) hue += 1;
  if (hue < 1 / 6) return m1 + (m2 - m1) * hue * 6;
  if (hue < 0.5) return m2;
  return hue < 2 / 3 ? m1 + (m2 - m1) * (2 / 3 - hue) * 6 : m1;
}

// As Python's round(), or a channel may differ by one.
const roundHalfEven = (v) => (v - Math.floor(v) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));

export function labelColor(label) {
  const hue = (fnv1a(label) % 360) / 360;
  const m2 = 0.5 * (1 + 0.7); // computed as colorsys does
  const m1 = 2 * 0.5 - m2;
  return `#${[hue + 1 / 3, hue, hue - 1 / 3].map((h) => hexByte(roundHalfEven(channel(m1, m2, h) * 255))).join("")}`;
}

export const withAlpha = (hex, alpha) => hex + hexByte(Math.round(Math.max(0, Math.min(1, alpha)) * 255));
