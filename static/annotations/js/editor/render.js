// Drawing on the two canvases: all shapes on one, the selection, hover and gestures on the other.
// A shape is drawn at its source's place in the world (store.js placeOf): the context is moved
// there; path points take the transform as they are added, so one path spans sources.
import { withAlpha } from "./colors.js";
import {
  centerOf,
  normalizeBox,
  rectsOverlap,
  rotate,
  rotationHandle,
  shapeBounds,
  toImage,
} from "./geometry.js";
import { createMaskLayer, drawMask, drawMaskLayer, maskFor } from "./mask.js";
import { SHAPES } from "./shapes.js";
import {
  colorFor,
  editableShape,
  isShown,
  isVisible,
  placeOf,
  preview,
  ROTATION_HANDLE_PX,
  selectedVertex,
} from "./store.js";

export const DEFAULT_OPACITY = 0.25;
// A mask has no outline: it is its fill.
const MASK_OPACITY = 0.5;
export const opacityOf = (store, roi) =>
  store.opacity.get(roi.id) ?? (roi.type === "mask" ? MASK_OPACITY : DEFAULT_OPACITY);
// The unselected masks of each source, composited once and redrawn with one drawImage (mask.js).
const maskLayers = new Map();
const ORIGIN = { x: 0, y: 0 };
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

// From here on the context draws in the pixels of the source at `place` (ORIGIN: the world's).
function moveTo(ctx, { scale, x, y, dpr }, place) {
  const k = dpr * scale;
  ctx.setTransform(k, 0, 0, k, dpr * (x + place.x * scale), dpr * (y + place.y * scale));
}

// Clears and sets the transform to the world's.
function begin(ctx, view) {
  const { scale } = view;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  moveTo(ctx, view, ORIGIN);
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
  const masks = new Map(); // place -> its masks
  for (const roi of store.doc.rois) {
    if (store.selected.has(roi.id) || !SHAPES[roi.type] || !isVisible(store, roi)) continue;
    const place = placeOf(store, roi.source);
    if (!place) continue;
    if (roi.type === "mask") {
      // all of them, on screen or not: the layer is rebuilt only when this list changes
      if (!masks.has(place)) masks.set(place, []);
      const entry = { mask: maskFor(roi.mask), color: roi.color, alpha: opacityOf(store, roi) };
      masks.get(place).push(entry);
      continue;
    }
    const box = shapeBounds(roi);
    const { x, y } = place;
    if (!rectsOverlap(box, [screen[0] - x, screen[1] - y, screen[2] - x, screen[3] - y])) continue;
    const small = Math.max(box[2] - box[0], box[3] - box[1]) * scale < MIN_FILL_PX;
    let alpha = 0.9;
    if (SHAPES[roi.type].isOpen) alpha = 0;
    else if (roi.type !== "keypoints") alpha = small ? 0 : opacityOf(store, roi);
    const key = `${roi.color}${alpha}${roi.locked}`;
    let group = groups.get(key);
    if (!group) {
      group = { roi, alpha, items: [], places: [] };
      groups.set(key, group);
    }
    group.items.push(roi);
    group.places.push(place);
  }
  for (const id of maskLayers.keys()) if (!store.places.has(id)) maskLayers.delete(id);
  for (const [place, entries] of masks) {
    if (!maskLayers.has(place.id)) maskLayers.set(place.id, createMaskLayer());
    moveTo(ctx, view, place);
    drawMaskLayer(ctx, maskLayers.get(place.id), entries);
  }
  ctx.lineWidth = 1 / scale; // a fast hairline at a pixel ratio of 1
  for (const { roi, alpha, items, places } of groups.values()) {
    ctx.beginPath();
    let at = null;
    items.forEach((item, i) => {
      if (places[i] !== at) {
        at = places[i];
        moveTo(ctx, view, at);
      }
      SHAPES[item.type].trace(ctx, item, 4 / scale, 1.5 / scale);
    });
    ctx.setLineDash(roi.locked ? [6 / scale, 4 / scale] : []);
    ctx.fillStyle = withAlpha(roi.color, alpha);
    ctx.strokeStyle = roi.color;
    if (alpha) ctx.fill();
    ctx.stroke();
  }
}

// A selected or hovered shape: filled, with a white halo under its stroke.
function outline(ctx, scale, shape, width) {
  ctx.beginPath();
  SHAPES[shape.type].trace(ctx, shape, 5 / scale);
  ctx.fillStyle = withAlpha(shape.color, shape.type === "keypoints" ? 1 : 0.35);
  if (!SHAPES[shape.type].isOpen) ctx.fill();
  ctx.lineWidth = (width + 2) / scale;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.lineWidth = width / scale;
  ctx.strokeStyle = shape.color;
  ctx.stroke();
}

// A chosen handle (the selected vertex) is filled with the shape's colour, and larger.
function handles(ctx, scale, points, color, isChosen = false) {
  const size = (isChosen ? 10 : 7) / scale;
  ctx.lineWidth = 1.5 / scale;
  ctx.fillStyle = isChosen ? color : "#fff";
  ctx.strokeStyle = color;
  for (const [x, y] of points) {
    ctx.fillRect(x - size / 2, y - size / 2, size, size);
    ctx.strokeRect(x - size / 2, y - size / 2, size, size);
  }
}

function caption(ctx, scale, roi) {
  const [x, y] = shapeBounds(roi);
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

// A line from the top edge to a round knob: dragging the knob turns a box or ellipse.
function rotationKnob(ctx, scale, { points, rotation, color }) {
  const knob = rotationHandle(points, rotation, ROTATION_HANDLE_PX / scale);
  const [[x0, y0], [x1]] = points;
  const edge = rotate([(x0 + x1) / 2, y0], centerOf(points), rotation);
  ctx.beginPath();
  ctx.moveTo(...edge);
  ctx.lineTo(...knob);
  ctx.lineWidth = 1.5 / scale;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(knob[0], knob[1], 5 / scale, 0, 2 * Math.PI);
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.stroke();
}

function editHandles(ctx, store, scale) {
  const roi = editableShape(store);
  if (!roi) return;
  moveTo(ctx, store.view, placeOf(store, roi.source));
  const shape = preview(store, roi);
  handles(ctx, scale, SHAPES[shape.type].handles(shape), shape.color);
  if (SHAPES[shape.type].rotates) rotationKnob(ctx, scale, shape);
  const vertex = selectedVertex(store);
  if (vertex) handles(ctx, scale, [shape.points[vertex.index]], shape.color, true);
}

// The shape being drawn, or the one waiting for its label (dashed).
function drawInProgress(ctx, store, scale) {
  const shape = store.drawing || store.pending;
  const place = shape?.points && placeOf(store, shape.source);
  if (!place || shape.mask) return;
  moveTo(ctx, store.view, place);
  const cursor = store.drawing?.cursor;
  const points = cursor ? [...shape.points, cursor] : shape.points;
  ctx.setLineDash(store.pending ? [6 / scale, 4 / scale] : []);
  ctx.lineWidth = 2 / scale;
  ctx.strokeStyle = ACCENT;
  ctx.fillStyle = `${ACCENT}33`;
  ctx.beginPath();
  const dragged = shape.type === "box" || shape.type === "ellipse";
  if (dragged) SHAPES[shape.type].trace(ctx, { points: normalizeBox([points[0], points.at(-1)]) });
  if (shape.type === "polygon" || shape.type === "polyline") {
    for (const p of points) ctx.lineTo(p[0], p[1]);
    if (store.pending && shape.type === "polygon") ctx.lineTo(points[0][0], points[0][1]);
  }
  if (shape.type !== "polyline") ctx.fill();
  ctx.stroke();
  if (!dragged) handles(ctx, scale, shape.points, ACCENT);
}

// A box around a mask: a selected one's is solid, a hovered or waiting one's dashed.
function maskBox(ctx, scale, points, color, dashed) {
  ctx.beginPath();
  SHAPES.mask.trace(ctx, { points });
  ctx.setLineDash(dashed ? [6 / scale, 4 / scale] : []);
  ctx.lineWidth = 3 / scale;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.lineWidth = 1.5 / scale;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.setLineDash([]);
}

// A selected mask in its colour, moved by a drag's whole pixels; the one being painted is the
// stroke's own copy. While painting, no box: it would trail the brush.
function drawSelectedMask(ctx, store, scale, roi, isHover) {
  const shape = preview(store, roi);
  const { drag } = store;
  if (drag?.kind === "paint" && drag.id === roi.id) {
    drawMask(ctx, drag.mask, roi.color, opacityOf(store, roi));
    return;
  }
  if (!isHover) {
    const [dx, dy] = shape.offset || [0, 0];
    ctx.translate(dx, dy);
    drawMask(ctx, maskFor(roi.mask), roi.color, opacityOf(store, roi));
    ctx.translate(-dx, -dy);
  }
  maskBox(ctx, scale, shape.points, roi.color, isHover);
  caption(ctx, scale, shape);
}

// A new mask being painted, or waiting for its label; the brush's size under the pointer.
function drawBrush(ctx, store, scale) {
  const { drag, pending, cursor, view } = store;
  const pendingAt = pending?.mask && placeOf(store, pending.source);
  if (drag?.kind === "paint" && !drag.id) {
    const color = store.label ? colorFor(store, store.label) : ACCENT;
    moveTo(ctx, view, drag.place);
    drawMask(ctx, drag.mask, color, MASK_OPACITY);
  } else if (pendingAt) {
    moveTo(ctx, view, pendingAt);
    drawMask(ctx, maskFor(pending.mask), ACCENT, MASK_OPACITY);
    maskBox(ctx, scale, pending.points, ACCENT, true);
  }
  moveTo(ctx, view, ORIGIN);
  if (!cursor || (store.tool !== "brush" && store.tool !== "eraser")) return;
  ctx.beginPath();
  ctx.arc(cursor[0], cursor[1], Math.max(store.brushSize / 2, 0.5), 0, 2 * Math.PI);
  ctx.setLineDash(store.tool === "eraser" ? [4 / scale, 3 / scale] : []);
  ctx.lineWidth = 3 / scale;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.lineWidth = 1.5 / scale;
  ctx.strokeStyle = "#111";
  ctx.stroke();
  ctx.setLineDash([]);
}

export function drawOverlay(ctx, store) {
  const scale = begin(ctx, store.view);
  const { rois } = store.doc;
  const shown = (roi) => isShown(store, roi);
  const selected = rois.filter((roi) => store.selected.has(roi.id) && shown(roi));
  const hover = rois.find(
    (roi) => roi.id === store.hoverId && !store.selected.has(roi.id) && shown(roi),
  );
  for (const roi of hover ? [hover, ...selected] : selected) {
    moveTo(ctx, store.view, placeOf(store, roi.source));
    if (roi.type === "mask") {
      drawSelectedMask(ctx, store, scale, roi, roi === hover);
      continue;
    }
    if (!SHAPES[roi.type]) continue;
    const shape = preview(store, roi);
    outline(ctx, scale, shape, roi === hover ? 3 : 2.5);
    caption(ctx, scale, shape);
  }
  editHandles(ctx, store, scale);
  drawInProgress(ctx, store, scale);
  drawBrush(ctx, store, scale); // ends at the world's transform
  if (store.drag?.rect) drawMarquee(ctx, scale, store.drag.rect);
}
