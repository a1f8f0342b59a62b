import { bounds, boundsOf, clampDelta, clampPoint, nearestIndex, normalizeBox, rectFrom, rectsOverlap, toImage, translate, zoomAt } from "./geometry.js";
import { isVisible, previewPoints } from "./render.js";
import { SHAPES } from "./shapes.js";

const SLOP = 3; // screen pixels a click may wander

function where(editor, event) {
  const rect = editor.stage.getBoundingClientRect();
  const screen = [event.clientX - rect.left, event.clientY - rect.top];
  return { screen, image: toImage(editor.state.view, screen) };
}

function hitHandle(editor, p) {
  const { state } = editor;
  const [roi, more] = editor.doc.rois.filter((r) => state.selected.has(r.id));
  if (!roi || more || roi.locked || state.readOnly || !isVisible(state, roi)) return null;
  const handle = nearestIndex(SHAPES[roi.type].handles(roi.points), p, 8 / state.view.scale);
  return handle < 0 ? null : { roi, handle };
}

function down(editor, event) {
  const { state, record, stage } = editor;
  if (event.button === 2 || !record) return;
  stage.setPointerCapture(event.pointerId);
  stage.focus({ preventScroll: true });
  const { screen, image } = where(editor, event);
  const p = clampPoint(image, record.width, record.height);
  const tool = state.readOnly ? "select" : state.tool;
  const pan = { kind: "pan", start: screen, view: { ...state.view } };
  if (event.button === 1 || state.spaceDown) state.drag = pan;
  else if (tool === "box") [state.drawing, state.drag] = [{ type: "box", points: [p], cursor: p }, { kind: "draw" }];
  else if (tool !== "select") {
    const points = (state.drawing ||= { type: tool, points: [], cursor: p }).points;
    const closing = tool === "polygon" && points.length > 2 && nearestIndex([points[0]], p, 8 / state.view.scale) === 0;
    if (closing) editor.finishDrawing();
    else points.push(p);
  } else {
    const handle = hitHandle(editor, image);
    const roi = !handle && editor.hitShape(image);
    if (handle) state.drag = { kind: "resize", id: handle.roi.id, handle: handle.handle, start: screen };
    else if (roi && event.shiftKey) editor.select(roi.id, "toggle");
    else if (roi) [state.selected.has(roi.id) || editor.select(roi.id), (state.drag = { kind: "move", start: screen, from: image, id: roi.id })];
    else if (event.shiftKey) state.drag = { kind: "marquee", from: image, start: screen };
    else [editor.select(null), (state.drag = pan)];
  }
  editor.invalidate("overlay");
}

function move(editor, event) {
  const { state, record } = editor;
  const drag = state.drag;
  const kind = drag?.kind;
  if (!record) return;
  const { screen, image } = where(editor, event);
  if (drag?.start && !drag.active && !(drag.active = Math.hypot(screen[0] - drag.start[0], screen[1] - drag.start[1]) >= SLOP)) return;
  const p = clampPoint(image, record.width, record.height);
  if (kind === "pan") {
    editor.setView({ x: drag.view.x + screen[0] - drag.start[0], y: drag.view.y + screen[1] - drag.start[1] });
  } else if (kind === "move") {
    const rois = state.readOnly ? [] : editor.doc.rois.filter((roi) => state.selected.has(roi.id) && !roi.locked);
    const box = bounds(rois.flatMap((roi) => [boundsOf(roi.points).slice(0, 2), boundsOf(roi.points).slice(2)]));
    const [dx, dy] = clampDelta(box, image[0] - drag.from[0], image[1] - drag.from[1], record.width, record.height);
    drag.previews = new Map(rois.map((roi) => [roi.id, translate(roi.points, dx, dy)]));
  } else if (kind === "resize") {
    const roi = editor.doc.rois.find((r) => r.id === drag.id);
    drag.previews = new Map([[roi.id, SHAPES[roi.type].resize(roi.points, drag.handle, p)]]);
  } else if (kind === "marquee") {
    drag.rect = rectFrom(drag.from, image);
  } else if (state.drawing) {
    state.drawing.cursor = p;
  } else {
    const selecting = state.tool === "select";
    const handle = selecting && hitHandle(editor, image);
    const roi = selecting && !handle ? editor.hitShape(image) : null;
    editor.stage.dataset.cursor = handle ? "handle" : roi ? "move" : "";
    return editor.hover(roi?.id ?? null);
  }
  editor.invalidate("overlay");
}

function up(editor, event) {
  const { state, stage } = editor;
  const drag = state.drag;
  state.drag = null;
  if (stage.hasPointerCapture(event.pointerId)) stage.releasePointerCapture(event.pointerId);
  if (drag?.kind === "draw") {
    const [a, b] = [state.drawing.points[0], state.drawing.cursor];
    const big = Math.min(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])) * state.view.scale >= SLOP;
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
  const { view } = editor.state;
  const pixels = event.deltaMode ? event.deltaY * 40 : event.deltaY;
  editor.setView(zoomAt(view, view.scale * Math.exp(-pixels * 0.0015), where(editor, event).screen));
}

export function bindPointer(editor) {
  const on = (type, handler, options) => editor.stage.addEventListener(type, (event) => handler(editor, event), options);
  for (const [type, handler] of [["pointerdown", down], ["pointermove", move], ["pointerup", up], ["pointercancel", up]]) on(type, handler);
  on("pointerleave", () => editor.hover(null));
  on("wheel", wheel, { passive: false });
  on("contextmenu", (_, event) => event.preventDefault());
}
