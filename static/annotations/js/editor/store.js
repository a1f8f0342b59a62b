// The editor's state and the only functions that change it; no DOM, so tests import it alone.
import { hexByte, labelColor } from "./colors.js";
import {
  clamp,
  createGrid,
  layoutSources,
  local,
  nearestIndex,
  rotationHandle,
  shapeBounds,
} from "./geometry.js";
import { changeDoc } from "./history.js";
import { SHAPES } from "./shapes.js";

const EMPTY_DOC = { rois: [], frame_labels: [], meta: {} };
export const MIN_POINTS = { box: 2, ellipse: 2, polygon: 3, polyline: 2, keypoints: 1 };
// Screen pixels from the top edge to the rotation handle, as in CVAT.
export const ROTATION_HANDLE_PX = 24;
const ALL_PARTS = ["view", "panel", "labels"];

// `onInvalidate` is called after each change; the editor draws on the next animation frame.
export function createStore({
  labelColors = {},
  opacity = [],
  clipboard = [],
  brushSize = 16,
  sourceMode = "grid",
  onInvalidate,
}) {
  return {
    records: [],
    index: 0,
    shownDoc: null, // the document the panel and canvas show; a save may replace it
    item: null,
    mode: "claim",
    tool: "select",
    labels: [],
    label: "",
    minConfidence: 0,
    selected: new Set(),
    vertex: null, // {id, index}: the vertex Delete removes, of the one selected polygon or polyline
    hidden: new Set(),
    hoverId: null,
    opacity: new Map(opacity),
    labelColors,
    clipboard,
    view: { scale: 1, x: 0, y: 0, dpr: 1 },
    fitted: false,
    readOnly: "",
    drawing: null,
    pending: null,
    drag: null,
    brushSize, // brush and eraser diameter, image pixels
    cursor: null, // the brush's world point under the pointer
    source: "", // the source (camera) new shapes go on: activeSource()
    sourceMode, // a FrameGroup's sources side by side ("grid") or one at a time ("tabs")
    places: new Map(), // source id -> where it is in the world, null when not shown (arrange)
    world: { width: 0, height: 0 },
    spaceDown: false,
    dirty: new Set(),
    hitGrid: null,
    onInvalidate: onInvalidate || (() => {}),
    get record() {
      return this.records[this.index];
    },
    get doc() {
      return this.record?.doc || EMPTY_DOC;
    },
  };
}

export const newId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), hexByte).join("");

// Shapes and frame labels: what selection, locks and metadata apply to.
export const allItems = (doc) => [...doc.rois, ...doc.frame_labels];

// Parts: view, shapes, overlay, panel, labels, chrome; none means view, panel and labels.
export function invalidate(store, ...parts) {
  for (const part of parts.length ? parts : ALL_PARTS) store.dirty.add(part);
  if (parts.includes("shapes")) store.hitGrid = null;
  store.onInvalidate();
}

export function takeDirty(store) {
  const dirty = store.dirty;
  store.dirty = new Set();
  return dirty;
}

export const isUnsaved = (record) => record.changes !== record.savedChanges;

export function isVisible(store, roi) {
  return !store.hidden.has(roi.id) && (roi.confidence ?? 1) >= store.minConfidence;
}

// Where a source is in the world, {id, x, y, width, height}, or null when it is not shown (another
// tab). A shape naming no source of the frame is on the first. Before arrange(), the record's
// image at the origin.
export function placeOf(store, id) {
  const { places, record } = store;
  if (!places.size) return { id, x: 0, y: 0, width: record.width, height: record.height };
  return places.has(id) ? places.get(id) : places.get(record.sources[0].id);
}

// Visible and on a source shown: drawn, hit and selectable.
export const isShown = (store, roi) => isVisible(store, roi) && !!placeOf(store, roi.source);

// A shape's bounds in the world.
export function worldBounds(store, roi) {
  const box = shapeBounds(roi);
  const { x, y } = placeOf(store, roi.source);
  return x || y ? [box[0] + x, box[1] + y, box[2] + x, box[3] + y] : box;
}

// The shown source under world point `p`, else the nearest one.
export function sourceAt(store, p) {
  let best = null;
  let bestDistance = Infinity;
  for (const place of store.places.values()) {
    if (!place) continue;
    const dx = Math.max(place.x - p[0], 0, p[0] - place.x - place.width);
    const dy = Math.max(place.y - p[1], 0, p[1] - place.y - place.height);
    if (dx + dy < bestDistance) [best, bestDistance] = [place, dx + dy];
  }
  return best;
}

// Lays the record's sources out in the world (geometry.js's layoutSources); the selection keeps
// only shapes still shown and a shape in progress on a hidden source is dropped.
export function arrange(store) {
  const sources = store.record?.sources || [];
  const layout = layoutSources(sources, store.sourceMode, activeSource(store));
  store.places = new Map(sources.map((source) => [source.id, null]));
  for (const place of layout.places) store.places.set(place.id, place);
  store.world = { width: layout.width, height: layout.height };
  const hidden = new Set(store.doc.rois.filter((r) => !placeOf(store, r.source)).map((r) => r.id));
  store.selected = new Set([...store.selected].filter((id) => !hidden.has(id)));
  if (store.drawing && !placeOf(store, store.drawing.source)) store.drawing = null;
  invalidate(store, "shapes", "panel", "view", "chrome");
}

export function setReadOnly(store, reason = "") {
  store.readOnly = reason;
  store.tool = "select";
  invalidate(store);
}

export function setFrame(store, index) {
  store.index = clamp(Number(index), 0, store.records.length - 1);
  store.selected = new Set();
  store.drawing = null;
  store.shownDoc = store.record?.doc;
  arrange(store);
}

// A `fitted` view refits when the stage resizes.
export function setView(store, view, fitted = false) {
  store.fitted = fitted;
  Object.assign(store.view, view);
  invalidate(store, "view");
}

// Every change to a frame's shapes goes through here: undo, backup and save follow from it.
export function commit(store, change) {
  const { record } = store;
  if (!record || store.readOnly) return;
  record.history.push(changeDoc(record.doc, change));
  record.saver.changed();
  invalidate(store, "shapes", "panel");
}

export function restoreDoc(store, direction) {
  const { record } = store;
  if (!record || store.readOnly) return;
  const previous = record.history[direction]({ ...record.doc });
  if (!previous) return;
  record.doc = previous;
  const ids = new Set(allItems(previous).map((item) => item.id));
  store.selected = new Set([...store.selected].filter((id) => ids.has(id)));
  record.saver.changed();
  invalidate(store, "shapes", "panel");
}

// `how`: "only" replaces the selection, "add" adds, "toggle" flips each id.
export function select(store, ids, how = "only") {
  const { selected } = store;
  store.vertex = null;
  if (how === "only") selected.clear();
  for (const id of [].concat(ids ?? [])) {
    if (how === "toggle" && selected.has(id)) selected.delete(id);
    else selected.add(id);
  }
  invalidate(store, "shapes", "panel");
}

export function hover(store, id) {
  if (store.hoverId === id) return;
  store.hoverId = id;
  invalidate(store, "overlay");
}

// The given item, else the selection; `editable` leaves out locked ones.
export function targets(store, id, editable = false) {
  return allItems(store.doc).filter((item) => {
    const chosen = id ? item.id === id : store.selected.has(item.id);
    return chosen && !(editable && item.locked);
  });
}

export function updateItem(store, id, change) {
  commit(store, (doc) => {
    for (const item of allItems(doc)) if (item.id === id) change(item);
  });
}

export function setField(store, items, field, value) {
  const ids = new Set(items.map((item) => item.id));
  if (!ids.size) return;
  commit(store, (doc) => {
    for (const item of allItems(doc)) if (ids.has(item.id)) item[field] = value;
  });
}

// Not saved; hidden shapes cannot be selected or edited.
export function toggleHidden(store, items) {
  const { hidden, selected } = store;
  const hide = !items.every((item) => hidden.has(item.id));
  for (const item of items) {
    if (hide) {
      hidden.add(item.id);
      selected.delete(item.id);
    } else {
      hidden.delete(item.id);
    }
  }
  invalidate(store, "shapes", "panel");
}

export function colorFor(store, label) {
  return store.labelColors[label] || labelColor(label);
}

export function addLabels(store, labels) {
  const fresh = [...new Set(labels)].filter((label) => label && !store.labels.includes(label));
  if (!fresh.length) return;
  store.labels = [...store.labels, ...fresh];
  invalidate(store, "labels");
}

export function pickLabel(store, label) {
  store.label = label;
  invalidate(store, "labels");
}

// The source (camera of a FrameGroup) new shapes go on: the one last pressed on or shown alone,
// else the first.
export function activeSource({ record, source }) {
  const sources = record?.sources || [];
  return sources.some((s) => s.id === source) ? source : sources[0]?.id || "default";
}

// [height, width] of a source of the record: a mask's size.
export function sourceSize(record, id) {
  const source = record.sources?.find((s) => s.id === id);
  return source ? [source.height, source.width] : [record.height, record.width];
}

// Brush sizes `[` and `]` step through, image pixels.
const BRUSH_SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256];
export const MAX_BRUSH = 256;

export function stepBrush(size, step) {
  const sizes = step > 0 ? BRUSH_SIZES : BRUSH_SIZES.toReversed();
  return sizes.find((s) => (step > 0 ? s > size : s < size)) ?? sizes.at(-1);
}

export function newAnnotation(store, fields) {
  const color = colorFor(store, fields.labels[0]);
  return { id: newId(), confidence: 1, meta: {}, color, locked: false, ...fields };
}

// A shape (with points; a mask with its `mask` rle and `source` too) or a frame label. Without
// a current label it becomes `pending` and returns false: the label typed next finishes it.
export function addItem(store, { type, points, mask, source }) {
  const { label } = store;
  if (!label) {
    store.pending = { type, points, mask, source };
    invalidate(store, "overlay");
    return false;
  }
  if (points) {
    const fields = { type, labels: [label], points, source: source || activeSource(store) };
    const roi = newAnnotation(store, mask ? { ...fields, mask } : fields);
    if (SHAPES[type].rotates) roi.rotation = 0;
    commit(store, (doc) => doc.rois.push(roi));
    select(store, roi.id);
  } else {
    const frameLabel = newAnnotation(store, { labels: [label] });
    commit(store, (doc) => doc.frame_labels.push(frameLabel));
  }
  return true;
}

// Returns false when the shape waits for a label.
export function finishDrawing(store) {
  const shape = store.drawing;
  store.drawing = null;
  if (!shape || shape.points.length < MIN_POINTS[shape.type]) {
    invalidate(store, "overlay");
    return true;
  }
  return addItem(store, shape);
}

// A shape as the gesture in progress shows it: {points, rotation} of a preview, else the ROI.
export function preview(store, roi) {
  const changed = store.drag?.previews?.get(roi.id);
  return changed ? { ...roi, ...changed } : roi;
}

// The topmost shown, unlocked shape at world point `p`, or null.
export function hitShape(store, p) {
  if (!store.hitGrid) {
    const items = store.doc.rois.filter((roi) => isShown(store, roi) && !roi.locked);
    store.hitGrid = { items, index: null };
  }
  const grid = store.hitGrid;
  if (!grid.index) {
    const boxes = grid.items.map((roi) => ({ bounds: worldBounds(store, roi) }));
    const { width, height } = store.places.size ? store.world : store.record;
    grid.index = createGrid(boxes, width, height);
  }
  const tolerance = 6 / store.view.scale;
  const hit = grid.index.at(p, tolerance).find((i) => {
    const roi = grid.items[i];
    return SHAPES[roi.type]?.hitTest(roi, local(placeOf(store, roi.source), p), tolerance);
  });
  return grid.items[hit] || null;
}

// The mask the brush and eraser work on: the one selected shape, when it is a visible mask.
export function selectedMask(store) {
  const [roi, more] = store.doc.rois.filter((r) => store.selected.has(r.id));
  return roi?.type === "mask" && !more && isShown(store, roi) ? roi : null;
}

// The one selected shape if it can be edited, else null.
export function editableShape(store) {
  const [roi, more] = store.doc.rois.filter((r) => store.selected.has(r.id));
  if (!roi || more || roi.locked || store.readOnly || !isShown(store, roi)) return null;
  return SHAPES[roi.type]?.handles ? roi : null;
}

// A handle of the one selected, editable shape at world point `at`: {roi, handle} or null;
// `handle` is an index into the shape's handles, or "rotate".
export function hitHandle(store, at) {
  const roi = editableShape(store);
  if (!roi) return null;
  const p = local(placeOf(store, roi.source), at);
  const tolerance = 8 / store.view.scale;
  const { points, rotation } = roi;
  if (SHAPES[roi.type].rotates) {
    const knob = rotationHandle(points, rotation, ROTATION_HANDLE_PX / store.view.scale);
    if (nearestIndex([knob], p, tolerance) === 0) return { roi, handle: "rotate" };
  }
  const handle = nearestIndex(SHAPES[roi.type].handles(roi), p, tolerance);
  return handle < 0 ? null : { roi, handle };
}

// The selected vertex, if it is still one of the editable shape's.
export function selectedVertex(store) {
  const roi = editableShape(store);
  const { vertex } = store;
  const held = roi && vertex?.id === roi.id && vertex.index < roi.points.length;
  return held && SHAPES[roi.type].hasVertices ? vertex : null;
}

// A polygon keeps 3 vertices, a polyline 2: returns the refusal, else "" once removed.
export function removeVertex(store, id, index) {
  const roi = store.doc.rois.find((r) => r.id === id);
  const least = MIN_POINTS[roi.type];
  if (roi.points.length <= least) {
    return `A ${roi.type} keeps at least ${least} vertices; delete the shape instead.`;
  }
  store.vertex = null;
  updateItem(store, id, (item) => {
    item.points = item.points.filter((_, i) => i !== index);
  });
  return "";
}
