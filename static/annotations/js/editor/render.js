// Drawing. Two canvases over the image: "shapes" holds every visible, unselected ROI and is
// redrawn only when they or the view change; "overlay" holds selection, handles, hover and the
// shape being drawn, and is cheap enough to redraw on every pointer move.
import { withAlpha } from "./colors.js";
import { bounds } from "./geometry.js";
import { SHAPES } from "./shapes.js";

export const DEFAULT_OPACITY = 0.25;

export function sizeCanvas(canvas, width, height, dpr) {
  const [w, h] = [Math.round(width * dpr), Math.round(height * dpr)];
  if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
}

function begin(ctx, view) {
  const { scale, x, y, dpr } = view;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
}

export const isVisible = (state, roi) =>
  !state.hidden.has(roi.id) && (roi.confidence ?? 1) >= state.minConfidence;

export function drawShapes(ctx, state) {
  const { view } = state;
  begin(ctx, view);
  // One path per colour, opacity and lock state: a thousand polygons cost a few fill() calls.
  const groups = new Map();
  for (const roi of state.doc.rois) {
    if (state.selected.has(roi.id) || !isVisible(state, roi)) continue;
    // Key points are dots: filled solid so that they stay visible.
    const alpha = roi.type === "keypoints" ? 0.9 : (state.opacity.get(roi.id) ?? DEFAULT_OPACITY);
    const key = `${roi.color}|${alpha}|${roi.locked ? 1 : 0}`;
    if (!groups.has(key)) groups.set(key, { roi, alpha, items: [] });
    groups.get(key).items.push(roi);
  }
  const radius = 4 / view.scale;
  // One CSS pixel: at a device pixel ratio of 1 Skia draws it as a fast hairline.
  ctx.lineWidth = 1 / view.scale;
  for (const { roi, alpha, items } of groups.values()) {
    ctx.beginPath();
    for (const item of items) SHAPES[item.type].trace(ctx, item.points, radius);
    ctx.setLineDash(roi.locked ? [6 / view.scale, 4 / view.scale] : []);
    ctx.fillStyle = withAlpha(roi.color, alpha);
    ctx.strokeStyle = roi.color;
    ctx.fill();
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function outline(ctx, state, roi, points, width, fillAlpha) {
  const { scale } = state.view;
  ctx.beginPath();
  SHAPES[roi.type].trace(ctx, points, 5 / scale);
  ctx.fillStyle = withAlpha(roi.color, fillAlpha);
  ctx.fill();
  ctx.lineWidth = (width + 2) / scale;
  ctx.strokeStyle = "rgba(255,255,255,0.9)";
  ctx.stroke();
  ctx.lineWidth = width / scale;
  ctx.strokeStyle = roi.color;
  ctx.stroke();
}

function handles(ctx, view, points, color) {
  const size = 7 / view.scale;
  ctx.lineWidth = 1.5 / view.scale;
  ctx.fillStyle = "#fff";
  ctx.strokeStyle = color;
  for (const [x, y] of points) {
    ctx.fillRect(x - size / 2, y - size / 2, size, size);
    ctx.strokeRect(x - size / 2, y - size / 2, size, size);
  }
}

function caption(ctx, view, roi, points) {
  const [x0, y0] = bounds(points);
  const text = roi.labels.join(", ") + (roi.locked ? " (locked)" : "");
  ctx.font = `${12 / view.scale}px system-ui, sans-serif`;
  const width = ctx.measureText(text).width + 8 / view.scale;
  const height = 17 / view.scale;
  ctx.fillStyle = roi.color;
  ctx.fillRect(x0, y0 - height, width, height);
  ctx.fillStyle = "#fff";
  ctx.fillText(text, x0 + 4 / view.scale, y0 - 5 / view.scale);
}

export const previewPoints = (state, roi) => state.drag?.previews?.get(roi.id) || roi.points;

export function drawOverlay(ctx, state) {
  const { view } = state;
  begin(ctx, view);
  const selected = state.doc.rois.filter((roi) => state.selected.has(roi.id) && isVisible(state, roi));
  for (const roi of selected) outline(ctx, state, roi, previewPoints(state, roi), 2.5, 0.35);
  const hover = state.doc.rois.find((roi) => roi.id === state.hoverId);
  if (hover && isVisible(state, hover) && !state.selected.has(hover.id)) {
    outline(ctx, state, hover, hover.points, 3, 0.3);
    caption(ctx, view, hover, hover.points);
  }
  if (selected.length === 1 && !selected[0].locked && !state.readOnly) {
    const [roi] = selected;
    handles(ctx, view, SHAPES[roi.type].handles(previewPoints(state, roi)), roi.color);
  }
  for (const roi of selected) caption(ctx, view, roi, previewPoints(state, roi));
  drawInProgress(ctx, state);
  if (state.drag?.rect) {
    const [x0, y0, x1, y1] = state.drag.rect;
    ctx.setLineDash([4 / view.scale, 3 / view.scale]);
    ctx.lineWidth = 1 / view.scale;
    ctx.strokeStyle = "#2563eb";
    ctx.fillStyle = "rgba(37,99,235,0.08)";
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    ctx.setLineDash([]);
  }
}

function drawInProgress(ctx, state) {
  const shape = state.drawing || state.pending;
  if (!shape) return;
  const { view } = state;
  const color = state.drawColor || "#2563eb";
  const points = state.drawing?.cursor ? [...shape.points, state.drawing.cursor] : shape.points;
  if (!points.length) return;
  ctx.setLineDash(state.pending ? [6 / view.scale, 4 / view.scale] : []);
  ctx.lineWidth = 2 / view.scale;
  ctx.strokeStyle = color;
  ctx.fillStyle = withAlpha(color, 0.2);
  ctx.beginPath();
  if (shape.type === "box" && points.length >= 2) {
    SHAPES.box.trace(ctx, [points[0], points[points.length - 1]]);
  } else if (shape.type === "polygon") {
    ctx.moveTo(...points[0]);
    for (const p of points.slice(1)) ctx.lineTo(...p);
    if (state.pending) ctx.closePath();
  }
  if (shape.type !== "keypoints") {
    ctx.fill();
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const vertices = shape.type === "box" ? [] : shape.points;
  handles(ctx, view, vertices, color);
}
