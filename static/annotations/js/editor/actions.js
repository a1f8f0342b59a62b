// What buttons and keys do. Each action takes {store, editor, arg, id, event}: `id` names one
// item, else the selection counts; `editor` is the <frame-editor>, for what only the page can do.
import { editJson } from "./dialogs.js";
import { centerView, clamp, clampPoint, zoomAt } from "./geometry.js";
import { saveBrushSize, saveClipboard, saveLabelColors, saveSourceMode } from "./prefs.js";
import { SHAPES } from "./shapes.js";
import {
  activeSource,
  addItem,
  addLabels,
  allItems,
  arrange,
  colorFor,
  commit,
  finishDrawing,
  invalidate,
  MAX_BRUSH,
  newId,
  pickLabel,
  placeOf,
  removeVertex,
  restoreDoc,
  select,
  selectedVertex,
  setField,
  setView,
  sourceSize,
  stepBrush,
  targets,
  toggleHidden,
  updateItem,
} from "./store.js";
import * as task from "./task.js";

// The drawn shape, or the question for its label.
export function finishShape(store, editor) {
  if (!finishDrawing(store)) editor.askLabel();
}

// From the label field: the typed label becomes current and finishes a shape waiting for one.
export function useLabel(store, editor, text) {
  const label = text.trim();
  if (!label) return;
  const { pending } = store;
  addLabels(store, [label]);
  store.label = label;
  store.pending = null;
  editor.labelAsked();
  if (pending) addItem(store, pending);
  invalidate(store, "labels", "overlay");
}

async function editMeta(store, editor, title, value, apply) {
  const dialog = editor.$("json");
  const meta = await editJson(dialog, { title, value, readOnly: store.readOnly });
  if (meta) commit(store, (doc) => apply(doc, meta));
}

function zoomTo(store, editor, scale) {
  const { width, height } = editor.viewport();
  setView(store, zoomAt(store.view, scale, [width / 2, height / 2]));
}

function copy(store, editor, id) {
  const items = targets(store, id).filter((item) => item.points);
  if (!items.length) {
    editor.toast("Select a shape to copy.");
    return;
  }
  store.clipboard = structuredClone(items);
  saveClipboard(items);
  editor.toast(`Copied ${items.length} shape(s); paste with Ctrl+V, here or on another frame.`);
  invalidate(store, "panel");
}

// Delete with a vertex selected removes that vertex, not its shape.
function remove(store, editor, id) {
  const vertex = !id && selectedVertex(store);
  if (vertex) {
    const refused = removeVertex(store, vertex.id, vertex.index);
    if (refused) editor.toast(refused);
    return;
  }
  const ids = new Set(targets(store, id, true).map((item) => item.id));
  if (!ids.size) {
    if (targets(store, id).length) {
      editor.toast("Locked shapes cannot be deleted; unlock them first (L).");
    }
    return;
  }
  commit(store, (doc) => {
    doc.rois = doc.rois.filter((item) => !ids.has(item.id));
    doc.frame_labels = doc.frame_labels.filter((item) => !ids.has(item.id));
  });
  select(store, null);
}

// Saved at once: the server refuses changing a shape in the same save that unlocks it.
function setLocked(store, items, value) {
  setField(store, items, "locked", value);
  store.record?.saver.flush();
}

// The brush and eraser size (image pixels), kept for the next visit and shown in the toolbar.
export function setBrushSize(store, editor, size) {
  store.brushSize = clamp(Math.round(size) || 1, 1, MAX_BRUSH);
  saveBrushSize(store.brushSize);
  editor.$("brush-size").value = store.brushSize;
  invalidate(store, "overlay");
}

// A FrameGroup's sources side by side ("grid"), or `id` alone ("tabs"); kept for the next visit.
function showSources(store, editor, mode, id = store.source) {
  if (!(store.record?.sources.length > 1)) return;
  store.source = id;
  store.sourceMode = mode;
  saveSourceMode(mode);
  arrange(store);
  editor.fit();
}

export const ACTIONS = {
  tool({ store, arg: name }) {
    if (!store.readOnly || name === "select") {
      store.tool = name;
      store.drawing = null;
    }
    invalidate(store, "overlay", "chrome"); // the toolbar shows the tool
  },
  pickLabel({ store, editor, arg: label }) {
    pickLabel(store, label);
    if (store.pending) useLabel(store, editor, label);
  },
  // The selection takes the label too, as in CVAT.
  digit({ store, arg: index }) {
    const label = store.labels[index];
    if (!label) return;
    pickLabel(store, label);
    ACTIONS.relabel({ store });
  },
  brushSize({ store, editor, arg: step }) {
    setBrushSize(store, editor, stepBrush(store.brushSize, Number(step)));
  },
  cycleLabel({ store, arg: step }) {
    const { labels, label } = store;
    if (!labels.length) return;
    const index = (labels.indexOf(label) + step + labels.length) % labels.length;
    pickLabel(store, labels[index]);
  },
  relabel({ store }) {
    setField(store, targets(store, null, true), "labels", [store.label]);
  },
  addLabelTo({ store, arg: text, id }) {
    const label = text.trim();
    if (!label) return;
    addLabels(store, [label]);
    updateItem(store, id, (item) => {
      if (!item.labels.includes(label)) item.labels = [...item.labels, label];
    });
  },
  removeLabel({ store, arg: label, id }) {
    updateItem(store, id, (item) => {
      if (item.labels.length > 1) item.labels = item.labels.filter((other) => other !== label);
    });
  },
  // This frame's shapes still in the label's old colour follow it.
  labelColor({ store, editor, arg: color, id: label }) {
    const old = colorFor(store, label);
    store.labelColors[label] = color;
    saveLabelColors(editor.config.version, store.labelColors);
    const following = store.doc.rois.filter((roi) => roi.labels[0] === label && roi.color === old);
    setField(store, following, "color", color);
    invalidate(store, "labels");
  },
  shapeColor({ store, arg: color, id }) {
    updateItem(store, id, (item) => {
      item.color = color;
    });
  },
  finish({ store, editor }) {
    finishShape(store, editor);
  },
  cancel({ store }) {
    if (store.pending || store.drawing) {
      store.pending = null;
      store.drawing = null;
    } else {
      select(store, null);
    }
    invalidate(store, "overlay");
  },
  backspace({ store, editor }) {
    const { drawing } = store;
    if (!drawing) {
      remove(store, editor, null);
      return;
    }
    drawing.points.pop();
    if (!drawing.points.length) store.drawing = null;
    invalidate(store, "overlay");
  },
  remove({ store, editor, id }) {
    remove(store, editor, id);
  },
  toggleLock({ store, id }) {
    const items = targets(store, id);
    setLocked(store, items, !items.every((item) => item.locked));
  },
  lock({ store, arg: value }) {
    setLocked(store, targets(store), value === "true");
  },
  lockAll({ store, arg: value }) {
    setLocked(store, store.doc.rois, value === "true");
  },
  toggleHide({ store, id }) {
    toggleHidden(
      store,
      targets(store, id).filter((item) => item.points),
    );
  },
  toggleAll({ store }) {
    toggleHidden(store, store.doc.rois);
    select(store, null);
  },
  sourceMode({ store, editor, arg: mode }) {
    showSources(store, editor, mode);
  },
  // Alt+1…9 and the source bar: the n-th source alone.
  pickSource({ store, editor, arg: index }) {
    const source = store.record?.sources[index];
    if (source) showSources(store, editor, "tabs", source.id);
  },
  selectRow({ store, editor, id, event }) {
    if (store.hidden.has(id)) {
      editor.toast("This shape is hidden; show it to edit it.");
      return;
    }
    const roi = store.doc.rois.find((r) => r.id === id);
    if (roi && !placeOf(store, roi.source)) showSources(store, editor, "tabs", roi.source);
    select(store, id, event?.shiftKey ? "toggle" : "only");
  },
  editMeta({ store, editor, id }) {
    const [item, more] = targets(store, id);
    if (!item || more) {
      editor.toast("Select one shape to edit its metadata.");
      return;
    }
    const what = item.points ? SHAPES[item.type].label.toLowerCase() : "frame label";
    const title = `Metadata of ${what} “${item.labels.join(", ")}”`;
    editMeta(store, editor, title, item.meta, (doc, meta) => {
      allItems(doc).find((other) => other.id === item.id).meta = meta;
    });
  },
  editFrameMeta({ store, editor }) {
    const title = `Metadata of frame “${store.record.key}”`;
    editMeta(store, editor, title, store.doc.meta, (doc, meta) => {
      doc.meta = meta;
    });
  },
  addFrameLabel({ store, editor }) {
    if (store.readOnly || !store.record) return;
    if (!addItem(store, { type: "frame" })) editor.askLabel();
  },
  copy({ store, editor, id }) {
    copy(store, editor, id);
  },
  copyAll({ store, editor }) {
    select(
      store,
      store.doc.rois.map((roi) => roi.id),
    );
    copy(store, editor, null);
    select(store, null);
  },
  // Each shape onto its source, or the active one when this frame has no source of that id.
  paste({ store, editor }) {
    const { record, clipboard } = store;
    if (!record || !clipboard.length) return;
    const sourceOf = (roi) =>
      record.sources.some((s) => s.id === roi.source) ? roi.source : activeSource(store);
    // A mask fits only an image of its size.
    const fits = (roi) =>
      roi.type !== "mask" || `${roi.mask.size}` === `${sourceSize(record, sourceOf(roi))}`;
    const left = clipboard.filter((roi) => !fits(roi)).length;
    if (left) editor.toast(`${left} mask(s) not pasted: this image has another size.`);
    const copies = clipboard.filter(fits).map((roi) => {
      const source = sourceOf(roi);
      const [height, width] = sourceSize(record, source);
      const points = roi.points.map((p) => clampPoint(p, width, height));
      return { ...structuredClone(roi), id: newId(), locked: false, source, points };
    });
    if (!copies.length) return;
    commit(store, (doc) => doc.rois.push(...copies));
    const shown = copies.filter((roi) => placeOf(store, roi.source)); // not those of other tabs
    select(
      store,
      shown.map((roi) => roi.id),
    );
  },
  undo({ store }) {
    restoreDoc(store, "undo");
  },
  redo({ store }) {
    restoreDoc(store, "redo");
  },
  async save({ store, editor }) {
    const results = await Promise.all(store.records.map((record) => record.saver.flush()));
    if (results.every(Boolean)) editor.toast("Saved.", "success");
  },
  step({ store, editor, arg: direction }) {
    const target = store.index + direction;
    if (target >= 0 && target < store.records.length) editor.showFrame(target);
    else if (direction > 0) task.next(store, editor);
    else task.previous(store, editor);
  },
  goFrame({ editor, arg: index }) {
    editor.showFrame(index);
  },
  next({ store, editor }) {
    task.next(store, editor);
  },
  previous({ store, editor }) {
    task.previous(store, editor);
  },
  zoom({ store, editor, arg: factor }) {
    zoomTo(store, editor, store.view.scale * factor);
  },
  zoomTo({ store, editor, arg: scale }) {
    zoomTo(store, editor, scale);
  },
  fit({ editor }) {
    editor.fit();
  },
  actual({ store, editor }) {
    if (store.record) setView(store, centerView(editor.viewport(), store.world, 1));
  },
  help({ editor }) {
    editor.$("help").showModal();
  },
  copyLink({ editor }) {
    const copied = navigator.clipboard?.writeText(location.href) || Promise.reject();
    copied.then(
      () => editor.toast("Link to this item copied."),
      () => editor.toast(`Link to this item: ${location.href}`),
    );
  },
  skip({ store, editor }) {
    task.skip(store, editor);
  },
  // Put an earlier revision back (Managers), after saving what is pending.
  async restore({ store, editor, arg: revision }) {
    const { record } = store;
    if (!record || !(await task.leave(store, editor))) return;
    try {
      const { data } = await editor.api.restore(record.key, revision, record.revision);
      record.history.push(structuredClone(record.doc));
      record.saver.replace(data);
      editor.toast(`Revision ${revision} restored as revision ${data.revision}.`, "success");
    } catch (error) {
      editor.toast(error.message, "error");
    }
    editor.loadHistory();
  },
  // After a 409; undo brings mine back.
  resolve({ store, arg: choice }) {
    const { record } = store;
    if (!record?.conflict) return;
    record.history.push(structuredClone(record.doc));
    record.saver.resolve(choice);
    select(store, null);
  },
};
