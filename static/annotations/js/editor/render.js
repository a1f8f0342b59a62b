// Drawing on two canvases over the <img>. "shapes" holds every visible unselected ROI and is redrawn
// only when they or the view change; "overlay" holds the selection, handles, hover and the shape
// being drawn, and is cheap enough to redraw on every pointer move.
import { withAlpha } from "./colors.js";
import { boundsOf, rectsOverlap } from "./geometry.js";
import { SHAPES } from "./shapes.js";

export const DEFAULT_OPACITY = 0.25;
// Shapes smaller than this on screen are outlined, not filled: a tint on a few pixels shows
// nothing, and filling a thousand contours is most of a redraw's cost.
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
}

export const isVisible = (state, roi) => !state.hidden.has(roi.id) && (roi.confidence ?? 1) >= state.minConfidence;

// The image area on screen, in image pixels, grown by a margin for strokes and key points.
function onScreen({ scale, x, y, dpr }, canvas) {
  const margin = 10 / scale;
  return [-x / scale - margin, -y / scale - margin, (canvas.width / dpr - x) / scale + margin, (canvas.height / dpr - y) / scale + margin];
}

export function drawShapes(ctx, state) {
  const { view } = state;
  begin(ctx, view);
  const screen = onScreen(view, ctx.canvas);
  const minFill = MIN_FILL_PX / view.scale;
  // One path per colour, fill and lock state: a thousand polygons cost a few fill() and stroke().
  const groups = new Map();
  for (const roi of state.doc.rois) {
    const box = boundsOf(roi.points);
    if (state.selected.has(roi.id) || !isVisible(state, roi) || !rectsOverlap(box, screen)) continue;
    const small = Math.max(box[2] - box[0], box[3] - box[1]) < minFill;
    const alpha = roi.type === "keypoints" ? 0.9 : small ? 0 : (state.opacity.get(roi.id) ?? DEFAULT_OPACITY);
    const key = `${roi.color}|${alpha}|${roi.locked}`;
    if (!groups.has(key)) groups.set(key, { roi, alpha, items: [] });
    groups.get(key).items.push(roi);
  }
  const radius = 4 / view.scale;
  ctx.lineWidth = 1 / view.scale; // one CSS pixel: at a pixel ratio of 1, a fast hairline
  for (const { roi, alpha, items } of groups.values()) {
    ctx.beginPath();
    for (const item of items) SHAPES[item.type].trace(ctx, item.points, radius);
    ctx.setLineDash(roi.locked ? [6 / view.scale, 4 / view.scale] : []);
    [ctx.fillStyle, ctx.strokeStyle] = [withAlpha(roi.color, alpha), roi.color];
    if (alpha) ctx.fill();
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function outline(ctx, scale, roi, points, width, alpha) {
  ctx.beginPath();
  SHAPES[roi.type].trace(ctx, points, 5 / scale);
  ctx.fillStyle = withAlpha(roi.color, roi.type === "keypoints" ? 1 : alpha);
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
  const [x0, y0] = boundsOf(points);
  const text = roi.labels.join(", ") + (roi.locked ? " (locked)" : "");
  ctx.font = `${12 / scale}px system-ui, sans-serif`;
  ctx.fillStyle = roi.color;
  ctx.fillRect(x0, y0 - 17 / scale, ctx.measureText(text).width + 8 / scale, 17 / scale);
  ctx.fillStyle = "#fff";
  ctx.fillText(text, x0 + 4 / scale, y0 - 5 / scale);
}

export const previewPoints = (state, roi) => state.drag?.previews?.get(roi.id) || roi.points;

export function drawOverlay(ctx, state) {
  const { view, doc } = state;
  const { scale } = view;
  begin(ctx, view);
  const selected = doc.rois.filter((roi) => state.selected.has(roi.id) && isVisible(state, roi));
  for (const roi of selected) outline(ctx, scale, roi, previewPoints(state, roi), 2.5, 0.35);
  const hover = !state.selected.has(state.hoverId) && doc.rois.find((roi) => roi.id === state.hoverId);
  if (hover && isVisible(state, hover)) {
    outline(ctx, scale, hover, hover.points, 3, 0.3);
    caption(ctx, scale, hover, hover.points);
  }
  const [single] = selected;
  if (selected.length === 1 && !single.locked && !state.readOnly) {
    handles(ctx, scale, SHAPES[single.type].handles(previewPoints(state, single)), single.color);
  }
  for (const roi of selected) caption(ctx, scale, roi, previewPoints(state, roi));
  drawInProgress(ctx, state);
  const rect = state.drag?.rect;
  if (rect) {
    ctx.setLineDash([4 / scale, 3 / scale]);
    [ctx.lineWidth, ctx.strokeStyle, ctx.fillStyle] = [1 / scale, "#2563eb", "rgb(37 99 235 / 8%)"];
    ctx.fillRect(rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]);
    ctx.strokeRect(rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]);
    ctx.setLineDash([]);
  }
}

// The shape being drawn (solid), or a finished one waiting for its label (dashed).
function drawInProgress(ctx, state) {
  const shape = state.drawing || state.pending;
  if (!shape?.points) return;
  const { scale } = state.view;
  const color = "#2563eb";
  const points = state.drawing?.cursor ? [...shape.points, state.drawing.cursor] : shape.points;
  ctx.setLineDash(state.pending ? [6 / scale, 4 / scale] : []);
  [ctx.lineWidth, ctx.strokeStyle, ctx.fillStyle] = [2 / scale, color, withAlpha(color, 0.2)];
  ctx.beginPath();
  if (shape.type === "box") SHAPES.box.trace(ctx, [points[0], points[points.length - 1]]);
  if (shape.type === "polygon") {
    ctx.moveTo(...points[0]);
    for (const p of points.slice(1)) ctx.lineTo(...p);
    if (state.pending) ctx.lineTo(...points[0]);
  }
  ctx.fill();
  ctx.stroke();
  ctx.setLineDash([]);
  if (shape.type !== "box") handles(ctx, scale, shape.points, color);
}
