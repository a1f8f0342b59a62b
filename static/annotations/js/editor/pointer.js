// The tools on the stage: select and move, resize, rotate, edit vertices, pan, marquee, drawing
// each shape type, and the brush and eraser of masks. `store.drag` holds the gesture in
// progress; `drag.previews` the changed {points} or {rotation} of shapes until release (and a
// moved mask's whole-pixel `offset`). The pointer is in world pixels (geometry.js); a gesture
// works in the pixels of one source: the shape's, else the one under the pointer at the press.
import { finishShape } from "./actions.js";
import {
  angleTo,
  boundsOf,
  centerOf,
  clampDelta,
  clampPoint,
  edgeAt,
  local,
  nearestIndex,
  normalizeBox,
  rectFrom,
  rectsOverlap,
  squareFrom,
  toImage,
  translate,
  zoomAt,
} from "./geometry.js";
import {
  createMask,
  editableMask,
  finishMask,
  MAX_MASK_PIXELS,
  maskBounds,
  paintLine,
} from "./mask.js";
import { moveMask, SHAPES } from "./shapes.js";
import {
  addItem,
  commit,
  editableShape,
  hitHandle,
  hitShape,
  hover,
  invalidate,
  isShown,
  placeOf,
  preview,
  removeVertex,
  select,
  selectedMask,
  setView,
  sourceAt,
  updateItem,
  worldBounds,
} from "./store.js";

const SLOP = 3; // screen pixels a click may wander
const SNAP_DEGREES = 15; // Shift while rotating
const DRAGGED = new Set(["box", "ellipse"]); // drawn by press, drag, release
const LINES = new Set(["polygon", "polyline"]); // a double click finishes them
const PAINTS = new Set(["brush", "eraser"]);

function where(store, editor, event) {
  const rect = editor.stage.getBoundingClientRect();
  const screen = [event.clientX - rect.left, event.clientY - rect.top];
  return { screen, world: toImage(store.view, screen) };
}

// World point `world` in the pixels of the source at `place`, kept inside it.
const inside = (place, world) => clampPoint(local(place, world), place.width, place.height);

function drawDown(store, editor, tool, place, world) {
  const p = inside(place, world);
  const source = place.id;
  if (DRAGGED.has(tool)) {
    store.drawing = { type: tool, source, points: [p], cursor: p };
    store.drag = { kind: "draw" };
    return;
  }
  store.drawing ||= { type: tool, source, points: [], cursor: p };
  const { points } = store.drawing;
  const near = (q) => q && nearestIndex([q], p, 8 / store.view.scale) === 0;
  if (tool === "polygon" && points.length > 2 && near(points[0])) finishShape(store, editor);
  else if (!(LINES.has(tool) && near(points.at(-1)))) points.push(p); // a double click's 2nd press
}

// A stroke paints into the one selected mask, else into a new one (or the one waiting for its
// label), on the source pressed on; the eraser only into a selected mask. It is a private copy
// until the release: one stroke, one undo step, one save.
function paintDown(store, editor, tool, place, world) {
  const on = (shape) => shape && placeOf(store, shape.source) === place;
  const selected = selectedMask(store);
  const roi = on(selected) ? selected : null;
  const erase = tool === "eraser";
  if (roi?.locked) {
    editor.toast("This mask is locked: unlock it (L) to paint on it.");
    return;
  }
  const pending = !roi && store.pending?.mask && on(store.pending) && store.pending;
  if (!roi && erase) {
    editor.toast(`Select a mask${selected ? " on this source" : ""} to erase from.`);
    return;
  }
  if (place.width * place.height > MAX_MASK_PIXELS) {
    editor.toast("This image is too large for a mask: draw polygons on it.");
    return;
  }
  const mask = roi || pending ? editableMask((roi || pending).mask) : null;
  const p = local(place, world);
  const value = erase ? 0 : 1;
  const source = place.id;
  store.drag = { kind: "paint", id: roi?.id, source, place, value, last: p };
  store.drag.mask = mask || createMask(place.width, place.height);
  paintLine(store.drag.mask, p, p, store.brushSize / 2, value);
}

function paintMove(store, drag, world) {
  const p = local(drag.place, world);
  paintLine(drag.mask, drag.last, p, store.brushSize / 2, drag.value);
  drag.last = p;
}

// Erasing a mask whole deletes it; undo brings it back.
function paintUp(store, editor, { id, mask, source }) {
  const points = maskBounds(mask);
  const rle = finishMask(mask);
  const roi = id && store.doc.rois.find((r) => r.id === id);
  if (roi && !rle) {
    commit(store, (doc) => {
      doc.rois = doc.rois.filter((r) => r.id !== id);
    });
    select(store, null);
    editor.toast("The mask has no pixel left, so it is deleted (Ctrl+Z brings it back).");
  } else if (roi && rle.counts !== roi.mask.counts) {
    updateItem(store, id, (item) => Object.assign(item, { mask: rle, points }));
  } else if (!roi && rle && !addItem(store, { type: "mask", points, mask: rle, source })) {
    editor.askLabel();
  }
}

// Alt+click removes the vertex; a click selects it for Delete, and a drag moves it.
function vertexDown(store, editor, event, roi, handle, screen) {
  if (event.altKey) {
    const refused = removeVertex(store, roi.id, handle);
    if (refused) editor.toast(refused);
    return;
  }
  store.vertex = { id: roi.id, index: handle };
  store.drag = { kind: "resize", id: roi.id, handle, start: screen };
}

// A press on an edge of the one selected polygon or polyline adds a vertex there, then drags it.
function insertDown(store, world, screen) {
  const roi = editableShape(store);
  const edge = edgeOf(store, roi, world);
  if (!edge) return false;
  const { width, height } = placeOf(store, roi.source);
  const points = roi.points.toSpliced(edge.index, 0, clampPoint(edge.point, width, height));
  const { index } = edge;
  store.vertex = { id: roi.id, index };
  const previews = new Map([[roi.id, { points }]]);
  const base = { ...roi, points };
  store.drag = { kind: "resize", id: roi.id, handle: index, start: screen, base, previews };
  store.drag.inserted = true; // committed even without a drag
  return true;
}

function selectDown(store, editor, event, screen, world, pan) {
  const handle = hitHandle(store, world);
  const roi = !handle && hitShape(store, world);
  if (handle?.handle === "rotate") {
    store.drag = { kind: "rotate", id: handle.roi.id, start: screen };
  } else if (handle && SHAPES[handle.roi.type].hasVertices) {
    vertexDown(store, editor, event, handle.roi, handle.handle, screen);
  } else if (handle) {
    store.drag = { kind: "resize", id: handle.roi.id, handle: handle.handle, start: screen };
  } else if (!event.shiftKey && !event.altKey && insertDown(store, world, screen)) {
    // the new vertex follows the pointer
  } else if (roi && event.shiftKey) {
    select(store, roi.id, "toggle");
  } else if (roi) {
    if (!store.selected.has(roi.id)) select(store, roi.id);
    store.drag = { kind: "move", start: screen, from: world, id: roi.id };
  } else if (event.shiftKey) {
    store.drag = { kind: "marquee", from: world, start: screen };
  } else {
    select(store, null);
    store.drag = pan;
  }
}

function down(store, editor, event) {
  const { record } = store;
  if (event.button === 2 || !record) return;
  editor.stage.setPointerCapture(event.pointerId);
  editor.stage.focus({ preventScroll: true });
  const { screen, world } = where(store, editor, event);
  const tool = store.readOnly ? "select" : store.tool;
  const pan = { kind: "pan", start: screen, view: { ...store.view } };
  // The source pressed on becomes the active one; a shape in progress stays on its own.
  const place = store.drawing ? placeOf(store, store.drawing.source) : sourceAt(store, world);
  if (!store.drawing) store.source = place.id;
  if (event.button === 1 || store.spaceDown) store.drag = pan;
  else if (tool === "select") selectDown(store, editor, event, screen, world, pan);
  else if (PAINTS.has(tool)) paintDown(store, editor, tool, place, world);
  else drawDown(store, editor, tool, place, world);
  invalidate(store, "overlay");
}

// Moving the selection keeps every moved shape inside its source; masks move by whole pixels.
function movePreviews(store, drag, world) {
  const rois = store.readOnly
    ? []
    : store.doc.rois.filter(
        (roi) => store.selected.has(roi.id) && !roi.locked && isShown(store, roi),
      );
  let x = world[0] - drag.from[0];
  let y = world[1] - drag.from[1];
  for (const roi of rois) {
    const { width, height } = placeOf(store, roi.source);
    [x, y] = clampDelta(boundsOf(roi.points), x, y, width, height);
  }
  const masks = rois.some((roi) => roi.type === "mask");
  if (masks) [x, y] = [Math.round(x), Math.round(y)];
  const moved = (roi) => {
    const change = { points: translate(roi.points, x, y) };
    if (roi.type === "mask") change.offset = [x, y];
    return [roi.id, change];
  };
  return new Map(rois.map(moved));
}

function resizePreview(store, drag, world) {
  const roi = drag.base || store.doc.rois.find((r) => r.id === drag.id);
  const place = placeOf(store, roi.source);
  const { width, height } = place;
  const points = SHAPES[roi.type].resize(roi, drag.handle, inside(place, world));
  // The pointer is kept inside the source, but a turned box's corners may not be.
  const kept = roi.rotation ? points.map((q) => clampPoint(q, width, height)) : points;
  return new Map([[roi.id, { points: kept }]]);
}

function rotatePreview(store, drag, world, event) {
  const roi = store.doc.rois.find((r) => r.id === drag.id);
  const p = local(placeOf(store, roi.source), world);
  const rotation = angleTo(centerOf(roi.points), p, event.shiftKey ? SNAP_DEGREES : 0);
  return new Map([[roi.id, { rotation }]]);
}

// A polygon's or polyline's edge where a press adds a vertex, or null.
function edgeOf(store, roi, world) {
  if (!roi || !SHAPES[roi.type].hasVertices) return null;
  const p = local(placeOf(store, roi.source), world);
  return edgeAt(roi.points, p, 6 / store.view.scale, roi.type === "polygon");
}

function handleCursor(store, world) {
  const handle = hitHandle(store, world);
  if (handle) return handle.handle === "rotate" ? "rotate" : "handle";
  return edgeOf(store, editableShape(store), world) ? "edge" : "";
}

function hoverAt(store, editor, world) {
  const selecting = store.tool === "select";
  const cursor = selecting ? handleCursor(store, world) : "";
  const roi = selecting && !cursor ? hitShape(store, world) : null;
  editor.stage.dataset.cursor = cursor || (roi ? "move" : "");
  hover(store, roi?.id ?? null);
}

function move(store, editor, event) {
  const { record, drag } = store;
  if (!record) return;
  const { screen, world } = where(store, editor, event);
  if (drag?.start && !drag.active) {
    const moved = Math.hypot(screen[0] - drag.start[0], screen[1] - drag.start[1]);
    drag.active = moved >= SLOP;
    if (!drag.active) return;
  }
  const kind = drag?.kind;
  if (PAINTS.has(store.tool)) store.cursor = world;
  if (kind === "paint") {
    paintMove(store, drag, world);
  } else if (kind === "pan") {
    const x = drag.view.x + screen[0] - drag.start[0];
    const y = drag.view.y + screen[1] - drag.start[1];
    setView(store, { x, y });
  } else if (kind === "move") {
    drag.previews = movePreviews(store, drag, world);
  } else if (kind === "resize") {
    drag.previews = resizePreview(store, drag, world);
  } else if (kind === "rotate") {
    drag.previews = rotatePreview(store, drag, world, event);
  } else if (kind === "marquee") {
    drag.rect = rectFrom(drag.from, world);
  } else if (store.drawing) {
    const { points, type, source } = store.drawing;
    const place = placeOf(store, source);
    const p = inside(place, world);
    const circle = type === "ellipse" && event.shiftKey;
    store.drawing.cursor = circle
      ? clampPoint(squareFrom(points[0], p), place.width, place.height)
      : p;
  } else {
    hoverAt(store, editor, world);
    if (!PAINTS.has(store.tool)) return;
  }
  invalidate(store, "overlay");
}

// A box or ellipse is drawn by press, drag, release; a click without a drag draws nothing.
function finishBox(store, editor) {
  const { type, points, cursor } = store.drawing;
  const [a, b] = [points[0], cursor];
  const smaller = Math.min(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
  const big = smaller * store.view.scale >= SLOP;
  store.drawing = big ? { type, points: normalizeBox([a, b]) } : null;
  if (big) finishShape(store, editor);
}

function up(store, editor, event) {
  const { drag } = store;
  store.drag = null;
  if (editor.stage.hasPointerCapture(event.pointerId)) {
    editor.stage.releasePointerCapture(event.pointerId);
  }
  if (drag?.kind === "draw") {
    finishBox(store, editor);
  } else if (drag?.kind === "paint") {
    paintUp(store, editor, drag);
  } else if (drag?.previews?.size && (drag.active || drag.inserted)) {
    commit(store, (doc) => {
      for (const roi of doc.rois) {
        const change = drag.previews.get(roi.id);
        if (change) Object.assign(roi, change.offset ? moveMask(roi, change.offset) : change);
      }
    });
  } else if (drag?.kind === "move" && !drag.active) {
    select(store, drag.id); // a click on one of several selected shapes selects it alone
  } else if (drag?.rect) {
    const within = (roi) =>
      isShown(store, roi) && rectsOverlap(worldBounds(store, preview(store, roi)), drag.rect);
    const ids = store.doc.rois.filter(within).map((roi) => roi.id);
    select(store, ids, "add");
  }
  invalidate(store, "shapes");
}

function wheel(store, editor, event) {
  event.preventDefault();
  const { view } = store;
  const pixels = event.deltaMode ? event.deltaY * 40 : event.deltaY;
  const at = where(store, editor, event).screen;
  setView(store, zoomAt(view, view.scale * Math.exp(-pixels * 0.0015), at));
}

export function bindPointer(store, editor) {
  const on = (type, handler, options) => {
    editor.stage.addEventListener(type, (event) => handler(store, editor, event), options);
  };
  on("pointerdown", down);
  on("pointermove", move);
  on("pointerup", up);
  on("pointercancel", up);
  on("pointerleave", () => {
    store.cursor = null;
    hover(store, null);
    invalidate(store, "overlay");
  });
  on("dblclick", (_store, _editor, event) => {
    if (LINES.has(store.drawing?.type)) finishShape(store, editor);
    event.preventDefault();
  });
  on("wheel", wheel, { passive: false });
  on("contextmenu", (_store, _editor, event) => event.preventDefault());
}
