// The tools on the stage: select and move, resize, pan, marquee, draw box, polygon, key points.
// `store.drag` holds the gesture in progress; `drag.previews` the moved points until release.
import { finishShape } from "./actions.js";
import {
  bounds,
  boundsOf,
  clampDelta,
  clampPoint,
  nearestIndex,
  normalizeBox,
  rectFrom,
  rectsOverlap,
  toImage,
  translate,
  zoomAt,
} from "./geometry.js";
import { SHAPES } from "./shapes.js";
import {
  commit,
  hitHandle,
  hitShape,
  hover,
  invalidate,
  isVisible,
  previewPoints,
  select,
  setView,
} from "./store.js";

const SLOP = 3; // screen pixels a click may wander

function where(store, editor, event) {
  const rect = editor.stage.getBoundingClientRect();
  const screen = [event.clientX - rect.left, event.clientY - rect.top];
  return { screen, image: toImage(store.view, screen) };
}

function drawDown(store, editor, tool, p) {
  if (tool === "box") {
    store.drawing = { type: "box", points: [p], cursor: p };
    store.drag = { kind: "draw" };
    return;
  }
  store.drawing ||= { type: tool, points: [], cursor: p };
  const { points } = store.drawing;
  const closing =
    tool === "polygon" &&
    points.length > 2 &&
    nearestIndex([points[0]], p, 8 / store.view.scale) === 0;
  if (closing) finishShape(store, editor);
  else points.push(p);
}

function selectDown(store, event, screen, image, pan) {
  const handle = hitHandle(store, image);
  const roi = !handle && hitShape(store, image);
  if (handle) {
    store.drag = { kind: "resize", id: handle.roi.id, handle: handle.handle, start: screen };
  } else if (roi && event.shiftKey) {
    select(store, roi.id, "toggle");
  } else if (roi) {
    if (!store.selected.has(roi.id)) select(store, roi.id);
    store.drag = { kind: "move", start: screen, from: image, id: roi.id };
  } else if (event.shiftKey) {
    store.drag = { kind: "marquee", from: image, start: screen };
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
  const { screen, image } = where(store, editor, event);
  const p = clampPoint(image, record.width, record.height);
  const tool = store.readOnly ? "select" : store.tool;
  const pan = { kind: "pan", start: screen, view: { ...store.view } };
  if (event.button === 1 || store.spaceDown) store.drag = pan;
  else if (tool === "select") selectDown(store, event, screen, image, pan);
  else drawDown(store, editor, tool, p);
  invalidate(store, "overlay");
}

// Moving the selection keeps every moved shape inside the image.
function movePreviews(store, drag, image) {
  const { record } = store;
  const rois = store.readOnly
    ? []
    : store.doc.rois.filter((roi) => store.selected.has(roi.id) && !roi.locked);
  const corners = rois.flatMap((roi) => {
    const box = boundsOf(roi.points);
    return [box.slice(0, 2), box.slice(2)];
  });
  const dx = image[0] - drag.from[0];
  const dy = image[1] - drag.from[1];
  const [x, y] = clampDelta(bounds(corners), dx, dy, record.width, record.height);
  return new Map(rois.map((roi) => [roi.id, translate(roi.points, x, y)]));
}

function hoverAt(store, editor, image) {
  const selecting = store.tool === "select";
  const handle = selecting && hitHandle(store, image);
  const roi = selecting && !handle ? hitShape(store, image) : null;
  editor.stage.dataset.cursor = handle ? "handle" : roi ? "move" : "";
  hover(store, roi?.id ?? null);
}

function move(store, editor, event) {
  const { record, drag } = store;
  if (!record) return;
  const { screen, image } = where(store, editor, event);
  if (drag?.start && !drag.active) {
    const moved = Math.hypot(screen[0] - drag.start[0], screen[1] - drag.start[1]);
    drag.active = moved >= SLOP;
    if (!drag.active) return;
  }
  const p = clampPoint(image, record.width, record.height);
  const kind = drag?.kind;
  if (kind === "pan") {
    const x = drag.view.x + screen[0] - drag.start[0];
    const y = drag.view.y + screen[1] - drag.start[1];
    setView(store, { x, y });
  } else if (kind === "move") {
    drag.previews = movePreviews(store, drag, image);
  } else if (kind === "resize") {
    const roi = store.doc.rois.find((r) => r.id === drag.id);
    drag.previews = new Map([[roi.id, SHAPES[roi.type].resize(roi.points, drag.handle, p)]]);
  } else if (kind === "marquee") {
    drag.rect = rectFrom(drag.from, image);
  } else if (store.drawing) {
    store.drawing.cursor = p;
  } else {
    hoverAt(store, editor, image);
    return;
  }
  invalidate(store, "overlay");
}

// A box is drawn by press, drag, release; a click without a drag draws nothing.
function finishBox(store, editor) {
  const a = store.drawing.points[0];
  const b = store.drawing.cursor;
  const smaller = Math.min(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
  const big = smaller * store.view.scale >= SLOP;
  store.drawing = big ? { type: "box", points: normalizeBox([a, b]) } : null;
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
  } else if (drag?.previews?.size && drag.active) {
    commit(store, (doc) => {
      for (const roi of doc.rois) {
        if (drag.previews.has(roi.id)) roi.points = drag.previews.get(roi.id);
      }
    });
  } else if (drag?.kind === "move" && !drag.active) {
    select(store, drag.id); // a click on one of several selected shapes selects it alone
  } else if (drag?.rect) {
    const inside = (roi) =>
      isVisible(store, roi) && rectsOverlap(boundsOf(previewPoints(store, roi)), drag.rect);
    const ids = store.doc.rois.filter(inside).map((roi) => roi.id);
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
  on("pointerleave", () => hover(store, null));
  on("wheel", wheel, { passive: false });
  on("contextmenu", (_store, _editor, event) => event.preventDefault());
}
