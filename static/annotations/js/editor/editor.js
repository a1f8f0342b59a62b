import { ACTIONS, all, newId } from "./actions.js";
import { taskApi } from "./api.js";
import { labelColor } from "./colors.js";
import { boundsOf, clamp, createGrid, fitView } from "./geometry.js";
import { createHistory, snapshot } from "./history.js";
import { lookup } from "./keymap.js";
import { frameLabelRowsHtml, labelBarHtml, roiRowsHtml, stripHtml } from "./panel.js";
import { bindPointer } from "./pointer.js";
import { drawOverlay, drawShapes, isVisible, sizeCanvas } from "./render.js";
import { SHAPES } from "./shapes.js";
import { createSaver, stored } from "./sync.js";
import * as task from "./task.js";

const STATUS = { saved: "Saved", dirty: "Unsaved…", saving: "Saving…", readonly: "Read-only", error: "Error", conflict: "Conflict" };
const RANK = Object.keys(STATUS);

class FrameEditor extends HTMLElement {
  connectedCallback() {
    const config = (this.config = JSON.parse(document.getElementById(this.dataset.config).textContent));
    this.$ = (name) => this.querySelector(`[data-${name}]`);
    [this.stage, this.image, this.shapesCanvas, this.overlayCanvas] = ["stage", "image", "shapes", "overlay"].map(this.$);
    this.keys = { colors: `hyperlabel-colors:${config.version}`, opacity: `hyperlabel-opacity:${config.version}` };
    const editor = this;
    this.state = {
      get doc() {
        return editor.doc;
      },
      records: [], index: 0, item: null, mode: "claim", tool: "select", labels: [], label: "", minConfidence: 0,
      selected: new Set(), hidden: new Set(), opacity: new Map(stored(localStorage, this.keys.opacity, [])),
      labelColors: stored(localStorage, this.keys.colors, {}), clipboard: stored(sessionStorage, "hyperlabel-clipboard", []),
      view: { scale: 1, x: 0, y: 0, dpr: devicePixelRatio || 1 }, readOnly: "",
    };
    this.dirty = new Set();
    this.api = taskApi(config);
    this.listen();
    this.setReadOnly(config.readOnly);
    this.api.labels().catch(() => []).then((labels) => {
      this.addLabels(labels);
      this.state.label ||= labels[0] || "";
      task.start(this);
    });
  }

  disconnectedCallback() {
    for (const [type, handler] of this.globalListeners) removeEventListener(type, handler);
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frameRequest);
    for (const record of this.state.records) record.saver.dispose();
  }

  get record() {
    return this.state.records[this.state.index];
  }

  get doc() {
    return this.record?.doc || { rois: [], frame_labels: [], meta: {} };
  }

  invalidate(...parts) {
    for (const part of parts.length ? parts : ["view", "panel", "labels"]) this.dirty.add(part);
    if (parts.includes("shapes")) this.grid = null;
    this.frameRequest ||= requestAnimationFrame(() => this.render());
  }

  render() {
    const { state, dirty, image, record } = this;
    [this.frameRequest, this.dirty] = [0, new Set()];
    if (dirty.has("view")) {
      const { x, y, scale } = state.view;
      const { width, height } = this.viewport();
      state.view.dpr = devicePixelRatio || 1;
      for (const canvas of [this.shapesCanvas, this.overlayCanvas]) sizeCanvas(canvas, width, height, state.view.dpr);
      const transform = `translate(${x}px, ${y}px) scale(${scale})`;
      if (image.style.transform !== transform) [(image.style.transform = transform), image.classList.toggle("is-pixelated", scale >= 3)];
    }
    if (dirty.has("view") || dirty.has("shapes")) drawShapes(this.shapesCanvas.getContext("2d"), state);
    drawOverlay(this.overlayCanvas.getContext("2d"), state);
    if (dirty.has("panel") && record) {
      this.$('list="rois"').innerHTML = roiRowsHtml(state, record.doc.rois);
      this.$('list="frame-labels"').innerHTML = frameLabelRowsHtml(state, record.doc.frame_labels);
    }
    if (dirty.has("labels")) {
      this.$("labels").innerHTML = labelBarHtml(state, (label) => this.colorFor(label));
      this.$("label-list").replaceChildren(...state.labels.map((label) => new Option(label)));
    }
    if ([...dirty].some((part) => part !== "overlay")) this.renderChrome();
  }

  // Elements show state through data-info (text), data-needs (enabled), data-shown (visible).
  renderChrome() {
    const { state, record } = this;
    const { rois, meta } = this.doc;
    const worst = state.records.reduce((a, r) => (RANK.indexOf(r.status) > RANK.indexOf(a.status) ? r : a), { status: "saved" });
    const status = state.readOnly ? "readonly" : worst.status;
    const theirs = record?.conflict;
    const info = {
      status: STATUS[status], error: worst.status === "conflict" ? "" : worst.error, readonly: state.readOnly,
      conflict: theirs && `Frame “${record.key}” was saved elsewhere (revision ${theirs.revision}, ${theirs.rois.length} ` +
        `shapes); your version (${rois.length} shapes) stays here until you choose.`,
      file: record?.uri.split(/[?#]/)[0].split("/").pop(), size: record && `${record.width} × ${record.height} px`, key: record?.key,
      context: record?.context_id || "—", timestamp: record?.timestamp, revision: record?.revision, meta: JSON.stringify(meta, null, 2),
      count: `${rois.length} annotation${rois.length === 1 ? "" : "s"}`, selected: `${state.selected.size} selected`,
      "hide-all": rois.length && rois.every((roi) => state.hidden.has(roi.id)) ? "Show all" : "Hide all",
    };
    const ok = {
      write: !state.readOnly, readonly: !!state.readOnly, record: !!record, rois: rois.length > 0, label: !!state.label,
      clipboard: state.clipboard.length > 0, undo: !!record?.history.canUndo, redo: !!record?.history.canRedo,
      conflict: !!theirs, multi: state.selected.size > 1,
    };
    // Each DOM write costs a style recalculation.
    const set = (el, values) => Object.entries(values).forEach(([key, value]) => el[key] !== value && (el[key] = value));
    const holds = (el, name) => el.dataset[name].split(" ").every((need) => ok[need]);
    const each = (selector, values) => this.querySelectorAll(selector).forEach((el) => set(el, values(el)));
    each("[data-info]", (el) => ({ textContent: String(info[el.dataset.info] ?? "") }));
    each("[data-needs]", (el) => ({ disabled: !holds(el, "needs") }));
    each("[data-shown]", (el) => ({ hidden: !holds(el, "shown") }));
    each("[data-action=tool]", (el) => ({ ariaPressed: String(el.dataset.arg === state.tool) }));
    set(this.$("save-status").dataset, { state: status });
    set(this.stage.dataset, { tool: state.spaceDown ? "pan" : state.tool });
    const zoom = this.$("zoom");
    if (document.activeElement !== zoom) set(zoom, { value: `${Math.round(state.view.scale * 100)}%` });
    const html = state.records.length > 1 ? stripHtml(state) : "";
    const strip = this.$("strip");
    if (strip.dataset.html !== html) [strip.innerHTML, strip.dataset.html, strip.hidden] = [html, html, !html];
  }

  // A `fitted` view refits when the stage resizes.
  setView(view, fitted = false) {
    this.fitted = fitted;
    Object.assign(this.state.view, view);
    this.invalidate("view");
  }

  // Reading clientWidth forces a layout.
  viewport() {
    return this.size || { width: this.stage.clientWidth, height: this.stage.clientHeight };
  }

  fit() {
    if (this.record) this.setView(fitView(this.viewport(), this.record), true);
  }

  commit(change) {
    const { record } = this;
    if (!record || this.state.readOnly) return;
    record.history.push(snapshot(record.doc));
    change(record.doc);
    record.saver.changed();
    this.invalidate("shapes", "panel");
  }

  restoreDoc(direction) {
    const { record, state } = this;
    const previous = !state.readOnly && record?.history[direction](snapshot(record.doc));
    if (!previous) return;
    record.doc = previous;
    const ids = new Set(all(previous).map((item) => item.id));
    state.selected = new Set([...state.selected].filter((id) => ids.has(id)));
    record.saver.changed();
    this.invalidate("shapes", "panel");
  }

  select(ids, how = "only") {
    const { selected } = this.state;
    if (how === "only") selected.clear();
    for (const id of [].concat(ids ?? [])) selected[how === "toggle" && selected.has(id) ? "delete" : "add"](id);
    this.invalidate("shapes", "panel");
  }

  hover(id) {
    if (this.state.hoverId !== id) [(this.state.hoverId = id), this.invalidate("overlay")];
  }

  hitShape(p) {
    const { state, record } = this;
    const items = (this.grid ||= { items: this.doc.rois.filter((roi) => isVisible(state, roi) && !roi.locked) }).items;
    this.grid.index ||= createGrid(items.map((roi) => ({ bounds: boundsOf(roi.points) })), record.width, record.height);
    const tolerance = 6 / state.view.scale;
    return items[this.grid.index.at(p, tolerance).find((i) => SHAPES[items[i].type].hitTest(items[i].points, p, tolerance))] || null;
  }

  colorFor(label) {
    return this.state.labelColors[label] || labelColor(label);
  }

  addLabels(labels) {
    const fresh = [...new Set(labels)].filter((label) => label && !this.state.labels.includes(label));
    if (fresh.length) [this.state.labels] = [[...this.state.labels, ...fresh], this.invalidate("labels")];
  }

  annotation(fields) {
    return { id: newId(), confidence: 1, meta: {}, color: this.colorFor(fields.labels[0]), locked: false, ...fields };
  }

  finishDrawing() {
    const { state } = this;
    const shape = state.drawing;
    state.drawing = null;
    if (!shape || shape.points.length < { box: 2, polygon: 3, keypoints: 1 }[shape.type]) return this.invalidate("overlay");
    this.addItem(shape);
  }

  // A shape or a frame label; without a current label, the one typed next finishes it.
  addItem({ type, points }) {
    const { label } = this.state;
    if (!label) return this.askLabel({ type, points });
    const item = this.annotation(points ? { type, labels: [label], points } : { labels: [label] });
    this.commit((doc) => doc[points ? "rois" : "frame_labels"].push(item));
    if (points) this.select(item.id);
  }

  askLabel(pending) {
    const input = this.$("label-input");
    this.state.pending = pending;
    input.placeholder = `Label for the new ${pending.points ? "shape" : "frame label"}, then Enter`;
    input.focus();
    this.invalidate("overlay");
  }

  useLabel(text) {
    const { state } = this;
    const [label, pending] = [text.trim(), state.pending];
    if (!label) return;
    this.addLabels([label]);
    [state.label, state.pending, this.$("label-input").placeholder] = [label, null, "Type a label…"];
    if (pending) this.addItem(pending);
    this.invalidate("labels", "overlay");
  }

  setReadOnly(reason = "") {
    Object.assign(this.state, { readOnly: reason, tool: "select" });
    this.invalidate();
  }

  makeRecord(frame) {
    const record = {
      ...frame.source, key: frame.id, context_id: frame.context_id, timestamp: frame.timestamp, revision: frame.revision,
      imageUrl: frame.image_url || frame.source.uri,
      doc: snapshot(frame), base: snapshot(frame), history: createHistory(), changes: 0, savedChanges: 0, status: "saved",
    };
    record.saver = createSaver({
      record,
      save: (body) => this.api.saveFrame(record.key, body),
      storage: localStorage,
      storageKey: `hyperlabel-frame:${this.config.version}:${record.key}`,
      onUpdate: () => {
        if (record.status === "readonly" && !this.state.readOnly) this.setReadOnly(record.error);
        // A resolved conflict or restored backup replaced the document.
        if (record === this.record && record.doc !== this.shownDoc) [this.shownDoc] = [record.doc, this.invalidate("shapes", "panel")];
        this.invalidate("chrome");
      },
    });
    return record;
  }

  show(item, mode) {
    const { state, config } = this;
    for (const record of state.records) record.saver.dispose();
    Object.assign(state, { item, mode, drawing: null, pending: null, hoverId: null });
    state.records = item.frames.map((frame) => this.makeRecord(frame));
    state.hidden.clear();
    for (const frame of item.frames) this.addLabels(all(frame).flatMap((a) => a.labels));
    for (const record of state.records) {
      if (record.saver.restore() === "restored") this.toast(`Restored unsaved changes to frame ${record.key}; saving them.`);
    }
    this.$("message").hidden = true;
    const url = new URL(location);
    url.searchParams.set("position", item.position);
    history.replaceState(null, "", url);
    const of = config.itemCount ? ` of ${config.itemCount}` : "";
    this.$("position").textContent = `Item ${item.position + 1}${of}${mode === "review" ? " (done)" : ""}`;
    this.goFrame(0);
    this.fit();
    this.dataset.item = item.position;
    task.prefetch(this);
  }

  goFrame(index) {
    const { state, image } = this;
    state.index = clamp(Number(index), 0, state.records.length - 1);
    Object.assign(state, { selected: new Set(), drawing: null });
    const record = this.record;
    this.shownDoc = record?.doc;
    image.hidden = !record;
    [image.width, image.height] = [record?.width || 0, record?.height || 0];
    image.onerror = () => this.toast(`The image of frame ${record.key} could not be loaded.`, "error");
    if (record && image.getAttribute("src") !== record.imageUrl) image.src = record.imageUrl;
    this.invalidate("shapes", "panel");
  }

  async leave() {
    const { records } = this.state;
    const results = await Promise.all(records.map((record) => record.saver.flush()));
    const stuck = records.find((record, i) => !results[i] && record.status !== "readonly");
    if (stuck) this.toast(`Not moving on: frame ${stuck.key} is not saved (${stuck.error || stuck.status}).`, "error");
    return !stuck;
  }

  busy(text, html = false) {
    Object.assign(this.$("message"), { hidden: false, [html ? "innerHTML" : "textContent"]: text });
  }

  toast(text, level = "info") {
    window.showToast?.(text, level);
  }

  listen() {
    bindPointer(this);
    this.resizeObserver = new ResizeObserver(([entry]) => [(this.size = entry.contentRect), this.fitted ? this.fit() : this.invalidate("view")]);
    this.resizeObserver.observe(this.stage);
    const on = (target, type, handler) => target.addEventListener(type, handler);
    on(this, "click", (event) => {
      const el = event.target.closest("[data-action]");
      if (el && !el.disabled && el.tagName !== "INPUT") this.act(el.dataset.action, el.dataset.arg ?? el.dataset.label, el.dataset.id, event);
    });
    on(this, "change", (event) => this.onChange(event.target));
    on(this, "input", (event) => this.onInput(event.target));
    const panel = this.$("panel");
    on(panel, "mouseover", (event) => this.hover(event.target.closest(".ed-row")?.dataset.id ?? null));
    on(panel, "mouseleave", () => this.hover(null));
    on(this.$("label-input"), "keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      this.useLabel(event.target.value);
      event.target.value = "";
      this.stage.focus();
    });
    // Space pans; it must not scroll or press a button.
    const space = (down, event) => {
      if (event.code !== "Space" || event.target.closest?.("input, textarea, button")) return false;
      event.preventDefault();
      if (this.state.spaceDown !== down) [this.state.spaceDown] = [down, this.invalidate("chrome")];
      return true;
    };
    this.globalListeners = [
      ["keydown", (event) => space(true, event) || this.onKey(event)],
      ["keyup", (event) => space(false, event)],
      ["beforeunload", (event) => this.state.records.some((r) => r.changes !== r.savedChanges) && event.preventDefault()],
    ];
    for (const [type, handler] of this.globalListeners) addEventListener(type, handler);
  }

  onKey(event) {
    const [action, arg] = lookup(event) || [];
    if (!action || document.querySelector("dialog[open]")) return;
    // In a field only Escape and Ctrl+S count; Ctrl+Z there undoes typing.
    if (event.target.closest?.("input, textarea, select")) {
      if (action === "cancel") [event.target.blur(), (this.state.pending = null), this.invalidate("overlay")];
      if (action !== "save") return;
    }
    event.preventDefault();
    this.act(action, arg, null, event);
  }

  onChange({ dataset, value }) {
    if (dataset.addLabel) return this.act("addLabelTo", value, dataset.addLabel);
    if (dataset.shapeColor) return this.updateItem(dataset.shapeColor, (item) => (item.color = value));
    if (dataset.labelColor) return this.act("labelColor", value, dataset.labelColor);
    if (dataset.zoom !== undefined && parseFloat(value) > 0) this.act("zoomTo", parseFloat(value) / 100);
    this.invalidate("panel");
  }

  onInput(target) {
    const { state } = this;
    const [value, { opacity, minConfidence }] = [Number(target.value), target.dataset];
    if (minConfidence !== undefined) [(state.minConfidence = value), (target.nextElementSibling.textContent = value.toFixed(2))];
    if (opacity) [state.opacity.set(opacity, value), localStorage.setItem(this.keys.opacity, JSON.stringify([...state.opacity].slice(-5000)))];
    if (opacity || minConfidence !== undefined) this.invalidate("shapes");
  }

  // `editable` leaves out locked ones.
  targets(id, editable = false) {
    return all(this.doc).filter((item) => (id ? item.id === id : this.state.selected.has(item.id)) && !(editable && item.locked));
  }

  updateItem(id, change) {
    this.commit((doc) => all(doc).filter((item) => item.id === id).forEach(change));
  }

  act(action, arg, id, event) {
    ACTIONS[action]?.call(this, arg, id, event);
  }
}

customElements.define("frame-editor", FrameEditor);
