// Canvas interaction with Pointer Events: draw, select, move, resize, pan, box-select, zoom.
// Handlers change `state` and call invalidate(); ROIs change through commit() on release.
import { boundsOf, bounds, clampDelta, clampPoint, nearestIndex, normalizeBox, rectFrom, rectsOverlap, toImage, translate, zoomAt } from "./geometry.js";
import { isVisible, previewPoints } from "./render.js";
import { SHAPES } from "./shapes.js";

const CLICK_SLOP = 3; // screen pixels a press may wander and still be a click

function where(editor, event) {
  const rect = editor.stage.getBoundingClientRect();
  const screen = [event.clientX - rect.left, event.clientY - rect.top];
  return { screen, image: toImage(editor.state.view, screen) };
}

// The handle (box corner or edge, vertex, key point) of the one selected shape under p.
function hitHandle(editor, p) {
  const { state } = editor;
  const [roi, more] = editor.doc.rois.filter((r) => state.selected.has(r.id));
  if (!roi || more || roi.locked || state.readOnly || !isVisible(state, roi)) return null;
  const handle = nearestIndex(SHAPES[roi.type].handles(roi.points), p, 8 / state.view.scale);
  return handle < 0 ? null : { roi, handle };
}

function down(editor, event) {
  const { state, record } = editor;
  if (event.button === 2 || !record) return;
  editor.stage.setPointerCapture(event.pointerId);
  editor.stage.focus({ preventScroll: true });
  const { screen, image } = where(editor, event);
  const p = clampPoint(image, record.width, record.height);
  const pan = { kind: "pan", start: screen, view: { ...state.view } };
  const tool = state.readOnly ? "select" : state.tool;
  if (event.button === 1 || state.spaceDown) state.drag = pan;
  else if (tool === "box") [state.drawing, state.drag] = [{ type: "box", points: [p], cursor: p }, { kind: "draw" }];
  else if (tool !== "select") addVertex(editor, tool, p);
  else selectDown(editor, event, image, screen, pan);
  editor.invalidate("overlay");
}

function addVertex(editor, tool, p) {
  const { state } = editor;
  state.drawing ||= { type: tool, points: [], cursor: p };
  const { points } = state.drawing;
  const closing = tool === "polygon" && points.length >= 3 && nearestIndex([points[0]], p, 8 / state.view.scale) === 0;
  if (closing) editor.finishDrawing();
  else points.push(p);
}

function selectDown(editor, event, image, screen, pan) {
  const { state } = editor;
  const handle = hitHandle(editor, image);
  if (handle) return void (state.drag = { kind: "resize", id: handle.roi.id, handle: handle.handle, start: screen });
  const roi = editor.hitShape(image);
  if (roi && event.shiftKey) return editor.select(roi.id, "toggle");
  if (roi) {
    if (!state.selected.has(roi.id)) editor.select(roi.id);
    return void (state.drag = { kind: "move", start: screen, from: image, id: roi.id });
  }
  if (event.shiftKey) return void (state.drag = { kind: "marquee", from: image, start: screen });
  editor.select(null);
  state.drag = pan;
}

function move(editor, event) {
  const { state, record } = editor;
  const drag = state.drag;
  if (!record) return;
  const { screen, image } = where(editor, event);
  if (drag?.start && !drag.active) {
    drag.active = Math.hypot(screen[0] - drag.start[0], screen[1] - drag.start[1]) >= CLICK_SLOP;
    if (!drag.active) return;
  }
  const { width, height } = record;
  if (drag?.kind === "pan") {
    editor.setView({ x: drag.view.x + screen[0] - drag.start[0], y: drag.view.y + screen[1] - drag.start[1] });
  } else if (drag?.kind === "move") {
    const rois = state.readOnly ? [] : editor.doc.rois.filter((roi) => state.selected.has(roi.id) && !roi.locked);
    const box = bounds(rois.map((roi) => boundsOf(roi.points)).flatMap(([x0, y0, x1, y1]) => [[x0, y0], [x1, y1]]));
    const [dx, dy] = clampDelta(box, image[0] - drag.from[0], image[1] - drag.from[1], width, height);
    drag.previews = new Map(rois.map((roi) => [roi.id, translate(roi.points, dx, dy)]));
  } else if (drag?.kind === "resize") {
    const roi = editor.doc.rois.find((r) => r.id === drag.id);
    drag.previews = new Map([[roi.id, SHAPES[roi.type].resize(roi.points, drag.handle, clampPoint(image, width, height))]]);
  } else if (drag?.kind === "marquee") {
    drag.rect = rectFrom(drag.from, image);
  } else if (state.drawing) {
    state.drawing.cursor = clampPoint(image, width, height);
  } else {
    return hover(editor, image);
  }
  editor.invalidate("overlay");
}

function hover(editor, image) {
  const selecting = editor.state.tool === "select";
  const handle = selecting && hitHandle(editor, image);
  const roi = selecting && !handle ? editor.hitShape(image) : null;
  editor.stage.dataset.cursor = handle ? "handle" : roi ? "move" : "";
  editor.hover(roi?.id ?? null);
}

function up(editor, event) {
  const { state } = editor;
  const drag = state.drag;
  state.drag = null;
  if (editor.stage.hasPointerCapture(event.pointerId)) editor.stage.releasePointerCapture(event.pointerId);
  if (drag?.kind === "draw") {
    const [a, b] = [state.drawing.points[0], state.drawing.cursor];
    const big = Math.min(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])) * state.view.scale >= CLICK_SLOP;
    state.drawing = big ? { type: "box", points: normalizeBox([a, b]) } : null;
    if (big) editor.finishDrawing();
  } else if (drag?.previews?.size && drag.active) {
    editor.commit((doc) => doc.rois.forEach((roi) => drag.previews.has(roi.id) && (roi.points = drag.previews.get(roi.id))));
  } else if (drag?.kind === "move" && !drag.active) {
    editor.select(drag.id); // a click on one of several selected shapes selects it alone
  } else if (drag?.rect) {
    const inside = (roi) => isVisible(state, roi) && rectsOverlap(boundsOf(previewPoints(state, roi)), drag.rect);
    editor.select(editor.doc.rois.filter(inside).map((roi) => roi.id), "add");
  }
  editor.invalidate("shapes");
}

function wheel(editor, event) {
  event.preventDefault();
  const step = event.deltaMode ? event.deltaY * 40 : event.deltaY; // lines → pixels
  const { view } = editor.state;
  editor.setView(zoomAt(view, view.scale * Math.exp(-step * 0.0015), where(editor, event).screen));
}

export function bindPointer(editor) {
  const on = (type, handler, options) => editor.stage.addEventListener(type, (event) => handler(editor, event), options);
  on("pointerdown", down);
  on("pointermove", move);
  on("pointerup", up);
  on("pointercancel", up);
  on("pointerleave", () => editor.hover(null));
  on("wheel", wheel, { passive: false });
  on("contextmenu", (_, event) => event.preventDefault());
}
