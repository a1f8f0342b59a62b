// Label colours: the same FNV-1a → hue → HLS(h, 0.5, 0.7) as frames/colors.py, so both agree.
const encoder = new TextEncoder();

export function fnv1a(text) {
  let value = 0x811c9dc5;
  for (const byte of encoder.encode(text)) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value;
}

function channel(m1, m2, hue) {
  hue = ((hue % 1) + 1) % 1;
  if (hue < 1 / 6) return m1 + (m2 - m1) * hue * 6;
  if (hue < 0.5) return m2;
  if (hue < 2 / 3) return m1 + (m2 - m1) * (2 / 3 - hue) * 6;
  return m1;
}

// Python's round() rounds halves to even; match it so no colour differs by one.
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

export function labelColor(label) {
  const hue = (fnv1a(label) % 360) / 360;
  const [light, sat] = [0.5, 0.7];
  const m2 = light <= 0.5 ? light * (1 + sat) : light + sat - light * sat;
  const m1 = 2 * light - m2;
  const rgb = [hue + 1 / 3, hue, hue - 1 / 3].map((h) => roundHalfEven(channel(m1, m2, h) * 255));
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

export function withAlpha(hex, alpha) {
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255);
  return hex + a.toString(16).padStart(2, "0");
}
