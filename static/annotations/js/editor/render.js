// Drawing on the two canvases: all shapes on one, the selection, hover and gestures on the other.
import { withAlpha } from "./colors.js";
import { boundsOf, rectsOverlap, toImage } from "./geometry.js";
import { SHAPES } from "./shapes.js";
import { isVisible, previewPoints } from "./store.js";

export const DEFAULT_OPACITY = 0.25;
// Smaller shapes are not filled: a tint shows nothing there, and filling is most of a redraw.
const MIN_FILL_PX = 24;
const ACCENT = "#2563eb";

export function sizeCanvas(canvas, width, height, dpr) {
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
}

// Clears and sets the transform: from here on the context draws in image pixels.
function begin(ctx, { scale, x, y, dpr }) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  ctx.setLineDash([]);
  return scale;
}

export function drawShapes(ctx, store) {
  const { view } = store;
  const scale = begin(ctx, view);
  const margin = 10 / scale; // strokes and key points pass the bounds
  const [x0, y0] = toImage(view, [0, 0]);
  const [x1, y1] = toImage(view, [ctx.canvas.width / view.dpr, ctx.canvas.height / view.dpr]);
  const screen = [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
  // One path per colour, fill and lock: few fill() and stroke() calls.
  const groups = new Map();
  for (const roi of store.doc.rois) {
    const box = boundsOf(roi.points);
    if (store.selected.has(roi.id) || !isVisible(store, roi) || !rectsOverlap(box, screen)) {
      continue;
    }
    const small = Math.max(box[2] - box[0], box[3] - box[1]) * scale < MIN_FILL_PX;
    let alpha = 0.9;
    if (roi.type !== "keypoints")
      alpha = small ? 0 : (store.opacity.get(roi.id) ?? DEFAULT_OPACITY);
    const key = `${roi.color}${alpha}${roi.locked}`;
    let group = groups.get(key);
    if (!group) {
      group = { roi, alpha, items: [] };
      groups.set(key, group);
    }
    group.items.push(roi);
  }
  ctx.lineWidth = 1 / scale; // a fast hairline at a pixel ratio of 1
  for (const { roi, alpha, items } of groups.values()) {
    ctx.beginPath();
    for (const item of items) SHAPES[item.type].trace(ctx, item.points, 4 / scale, 1.5 / scale);
    ctx.setLineDash(roi.locked ? [6 / scale, 4 / scale] : []);
    ctx.fillStyle = withAlpha(roi.color, alpha);
    ctx.strokeStyle = roi.color;
    if (alpha) ctx.fill();
    ctx.stroke();
  }
}

// A selected or hovered shape: filled, with a white halo under its stroke.
function outline(ctx, scale, roi, points, width) {
  ctx.beginPath();
  SHAPES[roi.type].trace(ctx, points, 5 / scale);
  ctx.fillStyle = withAlpha(roi.color, roi.type === "keypoints" ? 1 : 0.35);
  ctx.fill();
  ctx.lineWidth = (width + 2) / scale;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.lineWidth = width / scale;
  ctx.strokeStyle = roi.color;
  ctx.stroke();
}

function handles(ctx, scale, points, color) {
  const size = 7 / scale;
  ctx.lineWidth = 1.5 / scale;
  ctx.fillStyle = "#fff";
  ctx.strokeStyle = color;
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

function drawMarquee(ctx, scale, rect) {
  ctx.setLineDash([4 / scale, 3 / scale]);
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = ACCENT;
  ctx.fillStyle = `${ACCENT}14`;
  const [x0, y0, x1, y1] = rect;
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
}

// The shape being drawn, or the one waiting for its label (dashed).
function drawInProgress(ctx, store, scale) {
  const shape = store.drawing || store.pending;
  if (!shape?.points) return;
  const cursor = store.drawing?.cursor;
  const points = cursor ? [...shape.points, cursor] : shape.points;
  ctx.setLineDash(store.pending ? [6 / scale, 4 / scale] : []);
  ctx.lineWidth = 2 / scale;
  ctx.strokeStyle = ACCENT;
  ctx.fillStyle = `${ACCENT}33`;
  ctx.beginPath();
  if (shape.type === "box") SHAPES.box.trace(ctx, [points[0], points.at(-1)]);
  if (shape.type === "polygon") {
    for (const p of points) ctx.lineTo(p[0], p[1]);
    if (store.pending) ctx.lineTo(points[0][0], points[0][1]);
  }
  ctx.fill();
  ctx.stroke();
  if (shape.type !== "box") handles(ctx, scale, shape.points, ACCENT);
}

export function drawOverlay(ctx, store) {
  const scale = begin(ctx, store.view);
  const { rois } = store.doc;
  const shown = (roi) => isVisible(store, roi);
  const selected = rois.filter((roi) => store.selected.has(roi.id) && shown(roi));
  const hover = rois.find(
    (roi) => roi.id === store.hoverId && !store.selected.has(roi.id) && shown(roi),
  );
  for (const roi of hover ? [hover, ...selected] : selected) {
    const points = previewPoints(store, roi);
    outline(ctx, scale, roi, points, roi === hover ? 3 : 2.5);
    caption(ctx, scale, roi, points);
  }
  const [one, more] = selected;
  if (one && !more && !one.locked && !store.readOnly) {
    handles(ctx, scale, SHAPES[one.type].handles(previewPoints(store, one)), one.color);
  }
  drawInProgress(ctx, store, scale);
  if (store.drag?.rect) drawMarquee(ctx, scale, store.drag.rect);
}
