// `this` is the <frame-editor>; `id` names one item, else the selection counts.
import { hexByte } from "./colors.js";
import { editJson } from "./dialogs.js";
import { centerView, clampPoint, zoomAt } from "./geometry.js";
import { SHAPES } from "./shapes.js";
import * as task from "./task.js";

export const newId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), hexByte).join("");
export const all = (doc) => [...doc.rois, ...doc.frame_labels];

function setField(editor, items, field, value) {
  const ids = new Set(items.map((item) => item.id));
  if (ids.size) editor.commit((doc) => all(doc).forEach((item) => ids.has(item.id) && (item[field] = value)));
}

// Not saved; hidden shapes cannot be selected or edited.
function toggleHidden(editor, items) {
  const { hidden, selected } = editor.state;
  const hide = !items.every((item) => hidden.has(item.id));
  for (const item of items) [hidden[hide ? "add" : "delete"](item.id), hide && selected.delete(item.id)];
  editor.invalidate("shapes", "panel");
}

async function editMeta(editor, title, value, apply) {
  const meta = await editJson(editor.$("json"), { title, value, readOnly: editor.state.readOnly });
  if (meta) editor.commit((doc) => apply(doc, meta));
}

export const ACTIONS = {
  tool(name) {
    if (!this.state.readOnly || name === "select") Object.assign(this.state, { tool: name, drawing: null });
    this.invalidate("overlay");
  },
  pickLabel(label) {
    this.state.label = label;
    if (this.state.pending) this.useLabel(label);
    this.invalidate("labels");
  },
  // The selection takes the label too, as in CVAT.
  digit(index) {
    if (this.state.labels[index]) [(this.state.label = this.state.labels[index]), ACTIONS.relabel.call(this), this.invalidate("labels")];
  },
  cycleLabel(step) {
    const { labels, label } = this.state;
    if (labels.length) [(this.state.label = labels[(labels.indexOf(label) + step + labels.length) % labels.length]), this.invalidate("labels")];
  },
  relabel() {
    setField(this, this.targets(null, true), "labels", [this.state.label]);
  },
  addLabelTo(text, id) {
    const label = text.trim();
    if (label) [this.addLabels([label]), this.updateItem(id, (item) => item.labels.includes(label) || item.labels.push(label))];
  },
  removeLabel(label, id) {
    this.updateItem(id, (item) => item.labels.length > 1 && (item.labels = item.labels.filter((l) => l !== label)));
  },
  // This frame's shapes still in the label's old colour follow it.
  labelColor(color, label) {
    const old = this.colorFor(label);
    this.state.labelColors[label] = color;
    localStorage.setItem(this.keys.colors, JSON.stringify(this.state.labelColors));
    setField(this, this.doc.rois.filter((roi) => roi.labels[0] === label && roi.color === old), "color", color);
    this.invalidate("labels");
  },
  finish() {
    this.finishDrawing();
  },
  cancel() {
    const { state } = this;
    if (state.pending || state.drawing) Object.assign(state, { pending: null, drawing: null });
    else this.select(null);
    this.invalidate("overlay");
  },
  backspace() {
    const { drawing } = this.state;
    if (!drawing) return ACTIONS.remove.call(this);
    if (!drawing.points.pop() || !drawing.points.length) this.state.drawing = null;
    this.invalidate("overlay");
  },
  remove(arg, id) {
    const ids = new Set(this.targets(id, true).map((item) => item.id));
    if (!ids.size) return this.targets(id).length && this.toast("Locked shapes cannot be deleted; unlock them first (L).");
    this.commit((doc) => ["rois", "frame_labels"].forEach((part) => (doc[part] = doc[part].filter((item) => !ids.has(item.id)))));
    this.select(null);
  },
  toggleLock(arg, id) {
    const items = this.targets(id);
    setField(this, items, "locked", !items.every((item) => item.locked));
  },
  lock(value) {
    setField(this, this.targets(), "locked", value === "true");
  },
  lockAll(value) {
    setField(this, this.doc.rois, "locked", value === "true");
  },
  toggleHide(arg, id) {
    toggleHidden(this, this.targets(id).filter((item) => item.points));
  },
  toggleAll() {
    toggleHidden(this, this.doc.rois);
    this.select(null);
  },
  selectRow(arg, id, event) {
    if (this.state.hidden.has(id)) return this.toast("This shape is hidden; show it to edit it.");
    this.select(id, event?.shiftKey ? "toggle" : "only");
  },
  editMeta(arg, id) {
    const [item, more] = this.targets(id);
    if (!item || more) return this.toast("Select one shape to edit its metadata.");
    const what = item.points ? SHAPES[item.type].label.toLowerCase() : "frame label";
    editMeta(this, `Metadata of ${what} “${item.labels.join(", ")}”`, item.meta, (doc, meta) => (all(doc).find((x) => x.id === item.id).meta = meta));
  },
  editFrameMeta() {
    editMeta(this, `Metadata of frame “${this.record.key}”`, this.doc.meta, (doc, meta) => (doc.meta = meta));
  },
  addFrameLabel() {
    if (this.state.readOnly || !this.record) return;
    this.addItem({ type: "frame" });
  },
  copy(arg, id) {
    const items = this.targets(id).filter((item) => item.points);
    if (!items.length) return this.toast("Select a shape to copy.");
    this.state.clipboard = structuredClone(items);
    sessionStorage.setItem("hyperlabel-clipboard", JSON.stringify(items));
    this.toast(`Copied ${items.length} shape(s); paste with Ctrl+V, here or on another frame.`);
    this.invalidate("panel");
  },
  copyAll() {
    this.select(this.doc.rois.map((roi) => roi.id));
    ACTIONS.copy.call(this);
    this.select(null);
  },
  paste() {
    const { record, state } = this;
    if (!record || !state.clipboard.length) return;
    const copies = state.clipboard.map((roi) => ({
      ...structuredClone(roi), id: newId(), locked: false, points: roi.points.map((p) => clampPoint(p, record.width, record.height)),
    }));
    this.commit((doc) => doc.rois.push(...copies));
    this.select(copies.map((roi) => roi.id));
  },
  undo() {
    this.restoreDoc("undo");
  },
  redo() {
    this.restoreDoc("redo");
  },
  async save() {
    const results = await Promise.all(this.state.records.map((record) => record.saver.flush()));
    if (results.every(Boolean)) this.toast("Saved.", "success");
  },
  step(direction) {
    const target = this.state.index + direction;
    if (target >= 0 && target < this.state.records.length) return this.goFrame(target);
    (direction > 0 ? task.next : task.previous)(this);
  },
  goFrame(index) {
    this.goFrame(index);
  },
  next() {
    task.next(this);
  },
  previous() {
    task.previous(this);
  },
  zoom(factor) {
    ACTIONS.zoomTo.call(this, this.state.view.scale * factor);
  },
  zoomTo(scale) {
    const { width, height } = this.viewport();
    this.setView(zoomAt(this.state.view, scale, [width / 2, height / 2]));
  },
  fit() {
    this.fit();
  },
  actual() {
    if (this.record) this.setView(centerView(this.viewport(), this.record, 1));
  },
  help() {
    this.$("help").showModal();
  },
  copyLink() {
    (navigator.clipboard?.writeText(location.href) || Promise.reject()).then(
      () => this.toast("Link to this item copied."),
      () => this.toast(`Link to this item: ${location.href}`),
    );
  },
  // After a 409; undo brings mine back.
  resolve(choice) {
    const { record } = this;
    if (!record?.conflict) return;
    record.history.push(structuredClone(record.doc));
    record.saver.resolve(choice);
    this.select(null);
  },
};
