import { withAlpha } from "./colors.js";
import { boundsOf, rectsOverlap, toImage } from "./geometry.js";
import { SHAPES } from "./shapes.js";

export const DEFAULT_OPACITY = 0.25;
// Smaller shapes are not filled: a tint shows nothing there, and filling is most of a redraw.
const MIN_FILL_PX = 24;

export function sizeCanvas(canvas, width, height, dpr) {
  const [w, h] = [Math.round(width * dpr), Math.round(height * dpr)];
  if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
}

function begin(ctx, { scale, x, y, dpr }) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
  [ctx.lineJoin, ctx.lineCap] = ["round", "round"];
  ctx.setLineDash([]);
  return scale;
}

export const isVisible = (state, roi) => !state.hidden.has(roi.id) && (roi.confidence ?? 1) >= state.minConfidence;

export function drawShapes(ctx, state) {
  const { view } = state;
  const scale = begin(ctx, view);
  const margin = 10 / scale; // strokes and key points pass the bounds
  const [[x0, y0], [x1, y1]] = [toImage(view, [0, 0]), toImage(view, [ctx.canvas.width / view.dpr, ctx.canvas.height / view.dpr])];
  const screen = [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
  // One path per colour, fill and lock: few fill() and stroke() calls.
  const groups = new Map();
  for (const roi of state.doc.rois) {
    const box = boundsOf(roi.points);
    if (state.selected.has(roi.id) || !isVisible(state, roi) || !rectsOverlap(box, screen)) continue;
    const small = Math.max(box[2] - box[0], box[3] - box[1]) * scale < MIN_FILL_PX;
    const alpha = roi.type === "keypoints" ? 0.9 : small ? 0 : (state.opacity.get(roi.id) ?? DEFAULT_OPACITY);
    const key = `${roi.color}${alpha}${roi.locked}`;
    if (!groups.has(key)) groups.set(key, { roi, alpha, items: [] });
    groups.get(key).items.push(roi);
  }
  ctx.lineWidth = 1 / scale; // a fast hairline at a pixel ratio of 1
  for (const { roi, alpha, items } of groups.values()) {
    ctx.beginPath();
    for (const item of items) SHAPES[item.type].trace(ctx, item.points, 4 / scale, 1.5 / scale);
    ctx.setLineDash(roi.locked ? [6 / scale, 4 / scale] : []);
    [ctx.fillStyle, ctx.strokeStyle] = [withAlpha(roi.color, alpha), roi.color];
    if (alpha) ctx.fill();
    ctx.stroke();
  }
}

function outline(ctx, scale, roi, points, width) {
  ctx.beginPath();
  SHAPES[roi.type].trace(ctx, points, 5 / scale);
  ctx.fillStyle = withAlpha(roi.color, roi.type === "keypoints" ? 1 : 0.35);
  ctx.fill();
  for (const [extra, color] of [[2, "#fff"], [0, roi.color]]) {
    [ctx.lineWidth, ctx.strokeStyle] = [(width + extra) / scale, color];
    ctx.stroke();
  }
}

function handles(ctx, scale, points, color) {
  const size = 7 / scale;
  [ctx.lineWidth, ctx.fillStyle, ctx.strokeStyle] = [1.5 / scale, "#fff", color];
  for (const [x, y] of points) {
    ctx.fillRect(x - size / 2, y - size / 2, size, size);
    ctx.strokeRect(x - size / 2, y - size / 2, size, size);
  }
}

function caption(ctx, scale, roi, points) {
  const [x, y] = boundsOf(points);
  const text = roi.labels.join(", ") + (roi.locked ? " (locked)" : "");
  ctx.font = `${12 / scale}px system-ui, sans-serif`;
  ctx.fillStyle = roi.color;
  ctx.fillRect(x, y - 17 / scale, ctx.measureText(text).width + 8 / scale, 17 / scale);
  ctx.fillStyle = "#fff";
  ctx.fillText(text, x + 4 / scale, y - 5 / scale);
}

export const previewPoints = (state, roi) => state.drag?.previews?.get(roi.id) || roi.points;

export function drawOverlay(ctx, state) {
  const scale = begin(ctx, state.view);
  const selected = state.doc.rois.filter((roi) => state.selected.has(roi.id) && isVisible(state, roi));
  const hover = state.doc.rois.find((roi) => roi.id === state.hoverId && !state.selected.has(roi.id) && isVisible(state, roi));
  for (const roi of hover ? [hover, ...selected] : selected) {
    const points = previewPoints(state, roi);
    outline(ctx, scale, roi, points, roi === hover ? 3 : 2.5);
    caption(ctx, scale, roi, points);
  }
  const [one, more] = selected;
  if (one && !more && !one.locked && !state.readOnly) handles(ctx, scale, SHAPES[one.type].handles(previewPoints(state, one)), one.color);
  drawInProgress(ctx, state, scale);
  const rect = state.drag?.rect;
  if (rect) {
    ctx.setLineDash([4 / scale, 3 / scale]);
    [ctx.lineWidth, ctx.strokeStyle, ctx.fillStyle] = [1 / scale, "#2563eb", "#2563eb14"];
    const box = [rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]];
    ctx.fillRect(...box);
    ctx.strokeRect(...box);
  }
}

function drawInProgress(ctx, state, scale) {
  const shape = state.drawing || state.pending;
  if (!shape?.points) return;
  const points = state.drawing?.cursor ? [...shape.points, state.drawing.cursor] : shape.points;
  ctx.setLineDash(state.pending ? [6 / scale, 4 / scale] : []);
  [ctx.lineWidth, ctx.strokeStyle, ctx.fillStyle] = [2 / scale, "#2563eb", "#2563eb33"];
  ctx.beginPath();
  if (shape.type === "box") SHAPES.box.trace(ctx, [points[0], points.at(-1)]);
  if (shape.type === "polygon") for (const p of [...points, ...(state.pending ? [points[0]] : [])]) ctx.lineTo(...p);
  ctx.fill();
  ctx.stroke();
  if (shape.type !== "box") handles(ctx, scale, shape.points, "#2563eb");
}
