// Canvas interaction with Pointer Events: draw, select, move, resize, pan, box-select, zoom.
// Handlers only change `state` and call invalidate(); ROIs change through commit() on release.
import {
  bounds,
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
import { isVisible, previewPoints } from "./render.js";
import { SHAPES } from "./shapes.js";

const CLICK_SLOP = 3;

function where(ed, event) {
  const rect = ed.stage.getBoundingClientRect();
  const screen = [event.clientX - rect.left, event.clientY - rect.top];
  return { screen, image: toImage(ed.state.view, screen) };
}

export function hitHandle(ed, p) {
  const { state } = ed;
  if (state.selected.size !== 1 || state.readOnly) return null;
  const roi = ed.doc.rois.find((r) => state.selected.has(r.id));
  if (!roi || roi.locked || !isVisible(state, roi)) return null;
  const index = nearestIndex(SHAPES[roi.type].handles(roi.points), p, 8 / state.view.scale);
  return index < 0 ? null : { roi, handle: index };
}

function down(ed, event) {
  const { state } = ed;
  if (event.button === 2 || !ed.record) return;
  ed.stage.setPointerCapture(event.pointerId);
  ed.stage.focus({ preventScroll: true });
  const { screen, image } = where(ed, event);
  const p = clampPoint(image, ed.record.width, ed.record.height);
  const pan = { kind: "pan", start: screen, view: { ...state.view } };
  if (event.button === 1 || state.spaceDown) return void (state.drag = pan);
  const tool = state.readOnly ? "select" : state.tool;
  if (tool === "box") {
    state.drawing = { type: "box", points: [p], cursor: p };
    state.drag = { kind: "draw" };
  } else if (tool === "polygon" || tool === "keypoints") {
    addVertex(ed, tool, p);
  } else {
    selectDown(ed, event, image, screen, pan);
  }
  ed.invalidate("overlay");
}

function addVertex(ed, tool, p) {
  const { state } = ed;
  if (!state.drawing) state.drawing = { type: tool, points: [], cursor: p };
  const { points } = state.drawing;
  const closeTolerance = 8 / state.view.scale;
  if (tool === "polygon" && points.length >= 3 && nearestIndex([points[0]], p, closeTolerance) === 0) {
    return ed.finishDrawing();
  }
  points.push(p);
}

function selectDown(ed, event, image, screen, pan) {
  const { state } = ed;
  const handle = hitHandle(ed, image);
  if (handle) {
    state.drag = { kind: "resize", id: handle.roi.id, handle: handle.handle, start: screen };
    return;
  }
  const roi = ed.hitShape(image);
  if (roi && event.shiftKey) return ed.select(roi.id, "toggle");
  if (roi) {
    if (!state.selected.has(roi.id)) ed.select(roi.id);
    state.drag = { kind: "move", start: screen, from: image, id: roi.id };
    return;
  }
  if (event.shiftKey) return void (state.drag = { kind: "marquee", from: image, start: screen });
  ed.select(null);
  state.drag = pan;
}

function movable(ed) {
  if (ed.state.readOnly) return [];
  return ed.doc.rois.filter((roi) => ed.state.selected.has(roi.id) && !roi.locked);
}

function move(ed, event) {
  const { state } = ed;
  if (!ed.record) return;
  const { screen, image } = where(ed, event);
  const drag = state.drag;
  if (drag && !drag.active && drag.start) {
    const distance = Math.hypot(screen[0] - drag.start[0], screen[1] - drag.start[1]);
    drag.active = distance >= CLICK_SLOP;
    if (!drag.active) return;
  }
  const { width, height } = ed.record;
  const p = clampPoint(image, width, height);
  if (drag?.kind === "pan") {
    ed.setView({ ...drag.view, x: drag.view.x + screen[0] - drag.start[0], y: drag.view.y + screen[1] - drag.start[1] });
  } else if (drag?.kind === "move") {
    const rois = movable(ed);
    const box = bounds(rois.flatMap((roi) => roi.points));
    const [dx, dy] = clampDelta(box, image[0] - drag.from[0], image[1] - drag.from[1], width, height);
    drag.previews = new Map(rois.map((roi) => [roi.id, translate(roi.points, dx, dy)]));
  } else if (drag?.kind === "resize") {
    const roi = ed.doc.rois.find((r) => r.id === drag.id);
    drag.previews = new Map([[roi.id, SHAPES[roi.type].resize(roi.points, drag.handle, p)]]);
  } else if (drag?.kind === "marquee") {
    drag.rect = rectFrom(drag.from, image);
  } else if (state.drawing) {
    state.drawing.cursor = p;
  } else {
    return hover(ed, image);
  }
  ed.invalidate("overlay");
}

function hover(ed, image) {
  const { state } = ed;
  const handle = state.tool === "select" && hitHandle(ed, image);
  const roi = state.tool === "select" && !handle ? ed.hitShape(image) : null;
  ed.stage.dataset.cursor = handle ? "handle" : roi ? "move" : state.tool === "select" ? "" : "draw";
  ed.hover(roi?.id ?? null);
}

function up(ed, event) {
  const { state } = ed;
  const drag = state.drag;
  state.drag = null;
  if (ed.stage.hasPointerCapture(event.pointerId)) ed.stage.releasePointerCapture(event.pointerId);
  if (!drag) return;
  if (drag.kind === "draw") {
    const [a, b] = [state.drawing.points[0], state.drawing.cursor];
    const big = Math.min(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])) * state.view.scale >= 3;
    state.drawing = big ? { type: "box", points: normalizeBox([a, b]) } : null;
    if (big) ed.finishDrawing();
  } else if (drag.previews && drag.active) {
    ed.commit((doc) => {
      for (const roi of doc.rois) if (drag.previews.has(roi.id)) roi.points = drag.previews.get(roi.id);
    });
  } else if (drag.kind === "move" && !drag.active) {
    ed.select(drag.id);
  } else if (drag.kind === "marquee" && drag.rect) {
    const ids = ed.doc.rois
      .filter((roi) => isVisible(state, roi) && rectsOverlap(bounds(previewPoints(state, roi)), drag.rect))
      .map((roi) => roi.id);
    ed.select(ids, "add");
  }
  ed.invalidate("shapes");
}

function wheel(ed, event) {
  event.preventDefault();
  const { screen } = where(ed, event);
  const step = event.deltaMode ? event.deltaY * 40 : event.deltaY;
  ed.setView(zoomAt(ed.state.view, ed.state.view.scale * Math.exp(-step * 0.0015), screen));
}

export function bindPointer(ed) {
  const stage = ed.stage;
  stage.addEventListener("pointerdown", (event) => down(ed, event));
  stage.addEventListener("pointermove", (event) => move(ed, event));
  stage.addEventListener("pointerup", (event) => up(ed, event));
  stage.addEventListener("pointercancel", (event) => up(ed, event));
  stage.addEventListener("pointerleave", () => ed.hover(null));
  stage.addEventListener("wheel", (event) => wheel(ed, event), { passive: false });
  stage.addEventListener("contextmenu", (event) => event.preventDefault());
}
