// <frame-editor>: one state object, edits through commit(), drawing through invalidate() → rAF.
import { taskApi } from "./api.js";
import { labelColor } from "./colors.js";
import { editJson, fillHelp } from "./dialogs.js";
import { centerView, clampPoint, createGrid, bounds, fitView, zoomAt } from "./geometry.js";
import { createHistory, snapshot } from "./history.js";
import { lookup } from "./keymap.js";
import { labelBarHtml, panelHtml } from "./panel.js";
import { bindPointer } from "./pointer.js";
import { drawOverlay, drawShapes, isVisible, sizeCanvas } from "./render.js";
import { SHAPES } from "./shapes.js";
import { createSaver, docOf } from "./sync.js";
import * as task from "./task.js";

const EMPTY = { rois: [], frame_labels: [], meta: {} };
const STATUS_TEXT = { saved: "Saved", dirty: "Unsaved…", saving: "Saving…", error: "Error", conflict: "Conflict", readonly: "Read-only" };
const STATUS_RANK = ["saved", "dirty", "saving", "readonly", "error", "conflict"];

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function stored(storage, key, fallback) {
  try {
    return JSON.parse(storage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export class FrameEditor extends HTMLElement {
  connectedCallback() {
    this.config = JSON.parse(document.getElementById(this.dataset.config).textContent);
    this.$ = (name) => this.querySelector(`[data-${name}]`);
    [this.stage, this.image] = [this.$("stage"), this.$("image")];
    [this.shapesCanvas, this.overlayCanvas] = [this.$("shapes"), this.$("overlay")];
    const version = this.config.version;
    this.keys = { colors: `hyperlabel-colors:${version}`, opacity: `hyperlabel-opacity:${version}` };
    const editor = this;
    this.state = {
      get doc() {
        return editor.doc;
      },
      records: [], index: 0, item: null, mode: "claim", tool: "select",
      selected: new Set(), hoverId: null, hidden: new Set(), minConfidence: 0,
      opacity: new Map(stored(localStorage, this.keys.opacity, [])),
      labelColors: stored(localStorage, this.keys.colors, {}),
      clipboard: stored(sessionStorage, "hyperlabel-clipboard", []),
      view: { scale: 1, x: 0, y: 0, dpr: window.devicePixelRatio || 1 },
      drag: null, drawing: null, pending: null, labels: [], label: "",
      readOnly: this.config.readOnly || "", spaceDown: false, metaOpen: false,
    };
    this.dirty = new Set(["view", "panel", "labels"]);
    this.listen();
    fillHelp(this.$("help"));
    this.setReadOnly(this.state.readOnly);
    this.boot();
  }

  disconnectedCallback() {
    for (const [target, type, handler] of this.globalListeners) target.removeEventListener(type, handler);
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frameRequest);
    for (const record of this.state.records) record.saver.dispose();
  }

  async boot() {
    this.api = this.config.bench
      ? (await import("./bench.js")).benchApi(this.config)
      : taskApi({ base: this.config.api, task: this.config.task, version: this.config.version });
    const labels = await this.api.labels().catch(() => []);
    this.addLabels(labels);
    if (!this.state.label && labels.length) this.state.label = labels[0];
    await task.start(this);
  }

  get record() {
    return this.state.records[this.state.index];
  }

  get doc() {
    return this.record?.doc || EMPTY;
  }

  // ---- drawing --------------------------------------------------------------------------
  invalidate(...parts) {
    for (const part of parts.length ? parts : ["view", "panel", "labels"]) this.dirty.add(part);
    if (parts.includes("shapes")) this.grid = null;
    this.frameRequest ||= requestAnimationFrame(() => this.render());
  }

  render() {
    this.frameRequest = 0;
    const dirty = this.dirty;
    this.dirty = new Set();
    const { state } = this;
    if (dirty.has("view")) {
      const { clientWidth: width, clientHeight: height } = this.stage;
      state.view.dpr = window.devicePixelRatio || 1;
      for (const canvas of [this.shapesCanvas, this.overlayCanvas]) sizeCanvas(canvas, width, height, state.view.dpr);
      const { x, y, scale } = state.view;
      this.image.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
      this.image.classList.toggle("is-pixelated", scale >= 3);
    }
    if (dirty.has("view") || dirty.has("shapes")) drawShapes(this.shapesCanvas.getContext("2d"), state);
    drawOverlay(this.overlayCanvas.getContext("2d"), state);
    if (dirty.has("panel")) this.renderPanel();
    if (dirty.has("labels")) this.renderLabels();
    this.renderChrome();
  }

  renderPanel() {
    const panel = this.$("panel");
    const scroll = panel.scrollTop;
    panel.innerHTML = panelHtml(this.state, this.record);
    panel.scrollTop = scroll;
  }

  renderLabels() {
    this.$("labels").innerHTML = labelBarHtml(this.state, (label) => this.colorFor(label));
    this.$("label-list").innerHTML = this.state.labels.map((l) => `<option value="${l.replace(/"/g, "&quot;").replace(/</g, "&lt;")}">`).join("");
  }

  renderChrome() {
    const { state, record } = this;
    for (const el of this.querySelectorAll("[data-action=tool]")) {
      el.setAttribute("aria-pressed", String(el.dataset.arg === state.tool));
      el.disabled = Boolean(state.readOnly) && el.dataset.arg !== "select";
    }
    const zoom = this.$("zoom");
    if (document.activeElement !== zoom) zoom.value = `${Math.round(state.view.scale * 100)}%`;
    this.$("undo").disabled = !record?.history.canUndo || Boolean(state.readOnly);
    this.$("redo").disabled = !record?.history.canRedo || Boolean(state.readOnly);
    const worst = state.records.reduce((a, r) => (STATUS_RANK.indexOf(r.status) > STATUS_RANK.indexOf(a.status) ? r : a), { status: "saved", error: "" });
    const status = this.$("save-status");
    status.dataset.state = state.readOnly ? "readonly" : worst.status;
    status.textContent = state.readOnly ? "Read-only" : STATUS_TEXT[worst.status];
    status.title = worst.error || "";
    this.$("save-error").textContent = worst.error && worst.status !== "conflict" ? worst.error : "";
    this.stage.dataset.tool = state.spaceDown ? "pan" : state.tool;
    this.renderConflict();
    this.renderStrip();
  }

  renderConflict() {
    const banner = this.$("conflict");
    const theirs = this.record?.conflict;
    banner.hidden = !theirs;
    if (theirs) {
      this.$("conflict-detail").textContent =
        `Frame “${this.record.key}” was saved elsewhere (revision ${theirs.revision}: ${theirs.rois.length} shapes). ` +
        `Yours (${this.doc.rois.length} shapes) stays here until you choose.`;
    }
  }

  renderStrip() {
    const strip = this.$("strip");
    const { records, index } = this.state;
    strip.hidden = records.length < 2;
    if (strip.hidden) return;
    const signature = records.map((r) => `${r.key}:${r.status}`).join("|") + `#${index}`;
    if (strip.dataset.signature === signature) return;
    strip.dataset.signature = signature;
    strip.innerHTML = records
      .map((r, i) => {
        const label = `Frame ${i + 1} of ${records.length}: ${r.key}`;
        return `<button type="button" data-action="goFrame" data-arg="${i}" aria-current="${i === index}" data-status="${r.status}" title="${label.replace(/"/g, "&quot;")}"><img src="${encodeURI(r.imageUrl)}" alt="" loading="lazy"><span>${i + 1}</span></button>`;
      })
      .join("");
  }

  setView(view) {
    Object.assign(this.state.view, view);
    this.invalidate("view");
  }

  fit() {
    const { record } = this;
    if (record) this.setView(fitView({ width: this.stage.clientWidth, height: this.stage.clientHeight }, record));
  }

  // ---- state changes ------------------------------------------------------------------------
  commit(change) {
    const { record } = this;
    if (!record || this.state.readOnly) return;
    record.history.push(snapshot(record.doc));
    change(record.doc);
    record.saver.changed();
    this.invalidate("shapes", "panel");
  }

  restoreDoc(direction) {
    const { record } = this;
    if (!record || this.state.readOnly) return;
    const previous = record.history[direction](snapshot(record.doc));
    if (!previous) return;
    record.doc = previous;
    const ids = new Set([...previous.rois, ...previous.frame_labels].map((item) => item.id));
    this.state.selected = new Set([...this.state.selected].filter((id) => ids.has(id)));
    record.saver.changed();
    this.invalidate("shapes", "panel");
  }

  select(ids, how = "only") {
    const { state } = this;
    const list = ids == null ? [] : Array.isArray(ids) ? ids : [ids];
    if (how === "only") state.selected = new Set(list);
    for (const id of list) {
      if (how === "toggle" && state.selected.has(id)) state.selected.delete(id);
      else state.selected.add(id);
    }
    this.invalidate("shapes", "panel");
  }

  hover(id) {
    if (this.state.hoverId === id) return;
    this.state.hoverId = id;
    for (const row of this.querySelectorAll(".ed-row.is-hover")) row.classList.remove("is-hover");
    if (id) this.querySelector(`.ed-row[data-id="${CSS.escape(id)}"]`)?.classList.add("is-hover");
    this.invalidate("overlay");
  }

  // The topmost visible, unlocked shape under p (image pixels), found through a spatial grid.
  hitShape(p) {
    const { state } = this;
    if (!this.grid) {
      const items = this.doc.rois.filter((roi) => isVisible(state, roi) && !roi.locked);
      this.grid = { items, index: createGrid(items.map((roi) => ({ bounds: bounds(roi.points) })), this.record.width, this.record.height) };
    }
    const tolerance = 6 / state.view.scale;
    const { items, index } = this.grid;
    const hit = index.at(p, tolerance).find((i) => SHAPES[items[i].type].hitTest(items[i].points, p, tolerance));
    return hit === undefined ? null : items[hit];
  }

  colorFor(label) {
    return this.state.labelColors[label] || labelColor(label);
  }

  addLabels(labels) {
    const known = new Set(this.state.labels);
    const fresh = labels.filter((label) => label && !known.has(label));
    if (fresh.length) {
      this.state.labels = [...this.state.labels, ...fresh];
      this.invalidate("labels");
    }
  }

  annotation(extra) {
    const labels = extra.labels;
    return { id: newId(), confidence: 1, meta: {}, color: this.colorFor(labels[0]), locked: false, ...extra };
  }

  finishDrawing() {
    const { state } = this;
    const shape = state.drawing;
    state.drawing = null;
    const enough = { box: 2, polygon: 3, keypoints: 1 }[shape?.type];
    if (!shape || shape.points.length < enough) return this.invalidate("overlay");
    if (!state.label) return this.askLabel({ type: shape.type, points: shape.points });
    this.addShape(shape, [state.label]);
  }

  addShape(shape, labels) {
    const roi = this.annotation({ type: shape.type, labels, points: shape.points });
    this.commit((doc) => doc.rois.push(roi));
    this.select(roi.id);
  }

  addFrameLabel(labels) {
    this.commit((doc) => doc.frame_labels.push(this.annotation({ labels })));
  }

  askLabel(pending) {
    this.state.pending = pending;
    const input = this.$("label-input");
    input.placeholder = pending.type === "frame" ? "Label for the new frame label, then Enter" : "Label for the new shape, then Enter";
    input.focus();
    this.invalidate("overlay");
  }

  useLabel(text) {
    const label = text.trim();
    if (!label) return;
    this.addLabels([label]);
    this.state.label = label;
    const pending = this.state.pending;
    this.state.pending = null;
    this.$("label-input").placeholder = "Type a label…";
    if (pending?.type === "frame") this.addFrameLabel([label]);
    else if (pending) this.addShape(pending, [label]);
    this.invalidate("labels", "overlay");
  }

  setReadOnly(reason) {
    this.state.readOnly = reason;
    const banner = this.$("readonly");
    banner.hidden = !reason;
    banner.textContent = reason;
    this.state.tool = "select";
    this.invalidate();
  }

  // ---- items and frames -------------------------------------------------------------------
  makeRecord(frame) {
    const record = {
      key: frame.id,
      uri: frame.source.uri,
      width: frame.source.width,
      height: frame.source.height,
      context_id: frame.context_id,
      timestamp: frame.timestamp,
      revision: frame.revision,
      imageUrl: frame.image_url || frame.source.uri,
      doc: snapshot(docOf(frame)),
      base: snapshot(docOf(frame)),
      history: createHistory(100),
      changes: 0,
      savedChanges: 0,
      status: "saved",
      error: "",
      conflict: null,
    };
    record.saver = createSaver({
      record,
      save: (body) => this.api.saveFrame(record.key, body),
      storage: localStorage,
      storageKey: `hyperlabel-frame:${this.config.version}:${record.key}`,
      onUpdate: () => this.onSaveUpdate(record),
    });
    return record;
  }

  onSaveUpdate(record) {
    if (record.status === "readonly" && !this.state.readOnly) this.setReadOnly(record.error);
    if (record === this.record && record.doc !== this.shownDoc) {
      this.shownDoc = record.doc;
      this.invalidate("shapes", "panel");
    }
    this.invalidate("chrome");
  }

  show(item, mode) {
    const { state } = this;
    for (const record of state.records) record.saver.dispose();
    state.item = { position: item.position, status: item.status, claimed_by: item.claimed_by };
    state.mode = mode;
    state.records = item.frames.map((frame) => this.makeRecord(frame));
    for (const frame of item.frames) this.addLabels([...frame.rois, ...frame.frame_labels].flatMap((a) => a.labels));
    for (const record of state.records) {
      const restored = record.saver.restore();
      if (restored === "restored") this.toast(`Restored unsaved changes to ${record.key}; saving them now.`);
    }
    Object.assign(state, { drawing: null, pending: null, hoverId: null });
    state.hidden.clear();
    this.$("message").hidden = true;
    const url = new URL(location.href);
    url.searchParams.set("position", item.position);
    history.replaceState(null, "", url);
    this.$("position").textContent = `Item ${item.position + 1}${this.config.itemCount ? ` of ${this.config.itemCount}` : ""}${mode === "review" ? " (done)" : ""}`;
    this.goFrame(0);
    this.fit();
    this.dataset.item = item.position;
    if (!this.config.bench) task.prefetch(this);
  }

  goFrame(index) {
    const { state } = this;
    state.index = Math.max(0, Math.min(state.records.length - 1, Number(index)));
    state.selected = new Set();
    state.drawing = null;
    this.shownDoc = this.record?.doc;
    const url = this.record?.imageUrl || "";
    this.image.hidden = !url;
    this.image.onerror = () => this.toast(`The image of ${this.record.key} could not be loaded: ${url}`);
    this.image.width = this.record?.width || 0;
    this.image.height = this.record?.height || 0;
    if (this.image.getAttribute("src") !== url) this.image.src = url;
    this.invalidate("shapes", "panel");
  }

  // Saves every frame of the item; true when nothing unsaved is left behind.
  async leave() {
    const results = await Promise.all(this.state.records.map((record) => record.saver.flush()));
    const stuck = this.state.records.find((record, i) => !results[i] && record.status !== "readonly");
    if (stuck) this.toast(`Not moving on: ${stuck.key} is not saved (${stuck.error || stuck.status}).`);
    return !stuck;
  }

  progress(frames) {
    const bar = this.$("progress");
    if (!bar) return;
    bar.value = Math.min(Number(bar.max), Number(bar.value) + frames * (this.state.records.length || 1));
    this.$("progress-text").textContent = `${bar.value} / ${bar.max} frames done`;
  }

  busy(text) {
    const message = this.$("message");
    message.hidden = false;
    message.textContent = text;
  }

  fail(error) {
    this.busy(`Could not load: ${error.message}`);
  }

  finished() {
    for (const record of this.state.records) record.saver.dispose();
    Object.assign(this.state, { records: [], item: null });
    this.dataset.item = "finished";
    const message = this.$("message");
    message.hidden = false;
    message.innerHTML = `<strong>Finished.</strong> No items are left in this task. <a href="${this.config.tasksUrl}">Back to tasks</a>`;
    this.image.hidden = true;
    this.invalidate();
  }

  toast(text, level = "info") {
    if (window.showToast) window.showToast(text, level);
  }

  // ---- events -------------------------------------------------------------------------------
  listen() {
    bindPointer(this);
    this.resizeObserver = new ResizeObserver(() => this.invalidate("view"));
    this.resizeObserver.observe(this.stage);
    this.addEventListener("click", (event) => {
      const el = event.target.closest("[data-action]");
      if (!el || el.disabled || el.tagName === "INPUT") return;
      this.act(el.dataset.action, el.dataset.arg ?? el.dataset.label ?? null, el.dataset.id ?? null, event);
    });
    this.addEventListener("change", (event) => this.onChange(event.target));
    this.addEventListener("input", (event) => this.onInput(event.target));
    this.addEventListener("toggle", (event) => {
      if (event.target.dataset.section === "meta") this.state.metaOpen = event.target.open;
    }, true);
    const panel = this.$("panel");
    panel.addEventListener("mouseover", (event) => this.hover(event.target.closest(".ed-row")?.dataset.id ?? null));
    panel.addEventListener("mouseleave", () => this.hover(null));
    this.$("label-input").addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      this.useLabel(event.target.value);
      event.target.value = "";
      this.stage.focus();
    });
    const onKey = (event) => this.onKey(event);
    const onKeyUp = (event) => {
      if (event.code === "Space") [this.state.spaceDown] = [false, this.invalidate("chrome")];
    };
    const onLeave = (event) => {
      if (this.state.records.some((r) => r.changes !== r.savedChanges)) event.preventDefault();
    };
    this.globalListeners = [
      [window, "keydown", onKey],
      [window, "keyup", onKeyUp],
      [window, "beforeunload", onLeave],
    ];
    for (const [target, type, handler] of this.globalListeners) target.addEventListener(type, handler);
  }

  onKey(event) {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
    if (document.querySelector("dialog[open]")) return;
    if (event.code === "Space" && !typing) {
      event.preventDefault();
      if (!this.state.spaceDown) [this.state.spaceDown] = [true, this.invalidate("chrome")];
      return;
    }
    const found = lookup(event);
    if (!found || !found[0]) return;
    const [action, arg] = found;
    if (typing && !(event.ctrlKey || event.metaKey) && action !== "cancel") return;
    if (typing && action === "cancel") {
      event.target.blur();
      if (this.state.pending) this.state.pending = null;
      return this.invalidate("overlay");
    }
    if (typing && !["save", "undo", "redo"].includes(action)) return;
    event.preventDefault();
    this.act(action, arg, null, event);
  }

  onChange(target) {
    const { dataset, value } = target;
    if (dataset.addLabel !== undefined) return this.addLabelTo(dataset.addLabel, value);
    if (dataset.shapeColor) return this.updateItem(dataset.shapeColor, (item) => (item.color = value));
    if (dataset.labelColor) return this.setLabelColor(dataset.labelColor, value);
    if (dataset.minConfidence !== undefined || dataset.opacity) this.invalidate("panel");
    if (target === this.$("zoom")) {
      const percent = parseFloat(value);
      if (percent > 0) this.zoomTo(percent / 100);
    }
  }

  onInput(target) {
    const { state } = this;
    if (target.dataset.minConfidence !== undefined) {
      state.minConfidence = Number(target.value);
      target.nextElementSibling.textContent = state.minConfidence.toFixed(2);
      this.invalidate("shapes");
    } else if (target.dataset.opacity) {
      state.opacity.set(target.dataset.opacity, Number(target.value));
      localStorage.setItem(this.keys.opacity, JSON.stringify([...state.opacity].slice(-5000)));
      this.invalidate("shapes");
    }
  }

  findItem(id) {
    return [...this.doc.rois, ...this.doc.frame_labels].find((item) => item.id === id);
  }

  updateItem(id, change) {
    if (!this.findItem(id)) return;
    this.commit((doc) => change([...doc.rois, ...doc.frame_labels].find((item) => item.id === id)));
  }

  addLabelTo(id, text) {
    const label = text.trim();
    if (!label) return;
    this.addLabels([label]);
    this.updateItem(id, (item) => {
      if (!item.labels.includes(label)) item.labels.push(label);
    });
  }

  setLabelColor(label, color) {
    const old = this.colorFor(label);
    this.state.labelColors[label] = color;
    localStorage.setItem(this.keys.colors, JSON.stringify(this.state.labelColors));
    const matching = (roi) => roi.labels[0] === label && roi.color === old;
    if (this.doc.rois.some(matching)) {
      this.commit((doc) => doc.rois.filter(matching).forEach((roi) => (roi.color = color)));
    }
    this.invalidate("labels");
  }

  zoomTo(scale) {
    const center = [this.stage.clientWidth / 2, this.stage.clientHeight / 2];
    this.setView(zoomAt(this.state.view, scale, center));
  }

  // Selected items, or the one named by id; "editable" leaves out locked ones.
  targets(id, editable = false) {
    const items = [...this.doc.rois, ...this.doc.frame_labels];
    const chosen = items.filter((item) => (id ? item.id === id : this.state.selected.has(item.id)));
    return editable ? chosen.filter((item) => !item.locked) : chosen;
  }

  async editMeta(title, value, apply) {
    const meta = await editJson(this.$("json"), { title, value, readOnly: this.state.readOnly });
    if (meta) this.commit((doc) => apply(doc, meta));
  }

  act(action, arg, id, event) {
    const handler = this.actions[action];
    if (handler) handler.call(this, arg, id, event);
  }
}

FrameEditor.prototype.actions = {
  tool(name) {
    if (this.state.readOnly && name !== "select") return;
    Object.assign(this.state, { tool: name, drawing: null });
    this.invalidate("overlay", "chrome");
  },
  pickLabel(label) {
    this.state.label = label;
    if (this.state.pending) this.useLabel(label);
    this.invalidate("labels");
  },
  digit(index) {
    const label = this.state.labels[index];
    if (!label) return;
    this.state.label = label;
    if (this.state.selected.size) this.actions.relabel.call(this);
    this.invalidate("labels");
  },
  cycleLabel(step) {
    const { labels, label } = this.state;
    if (!labels.length) return;
    this.state.label = labels[(labels.indexOf(label) + step + labels.length) % labels.length];
    this.invalidate("labels");
  },
  relabel() {
    const label = this.state.label;
    if (!label || !this.targets(null, true).length) return;
    const ids = new Set(this.targets(null, true).map((item) => item.id));
    this.commit((doc) => {
      for (const item of [...doc.rois, ...doc.frame_labels]) if (ids.has(item.id)) item.labels = [label];
    });
  },
  removeLabel(label, id) {
    this.updateItem(id, (item) => {
      if (item.labels.length > 1) item.labels = item.labels.filter((other) => other !== label);
    });
  },
  finish() {
    if (this.state.drawing) this.finishDrawing();
  },
  cancel() {
    const { state } = this;
    if (state.pending || state.drawing) Object.assign(state, { pending: null, drawing: null });
    else this.select(null);
    this.invalidate("overlay");
  },
  backspace() {
    const drawing = this.state.drawing;
    if (!drawing) return this.actions.remove.call(this);
    drawing.points.pop();
    if (!drawing.points.length) this.state.drawing = null;
    this.invalidate("overlay");
  },
  remove(arg, id) {
    const ids = new Set(this.targets(id, true).map((item) => item.id));
    if (!ids.size) return this.targets(id).length && this.toast("Locked shapes cannot be deleted; unlock them first (L).");
    this.commit((doc) => {
      doc.rois = doc.rois.filter((item) => !ids.has(item.id));
      doc.frame_labels = doc.frame_labels.filter((item) => !ids.has(item.id));
    });
    this.select(null);
  },
  toggleLock(arg, id) {
    const items = this.targets(id);
    if (!items.length) return;
    const locked = !items.every((item) => item.locked);
    const ids = new Set(items.map((item) => item.id));
    this.commit((doc) => [...doc.rois, ...doc.frame_labels].forEach((item) => ids.has(item.id) && (item.locked = locked)));
  },
  lock() {
    const ids = new Set(this.targets(null).map((item) => item.id));
    this.commit((doc) => [...doc.rois, ...doc.frame_labels].forEach((item) => ids.has(item.id) && (item.locked = true)));
  },
  unlock() {
    const ids = new Set(this.targets(null).map((item) => item.id));
    this.commit((doc) => [...doc.rois, ...doc.frame_labels].forEach((item) => ids.has(item.id) && (item.locked = false)));
  },
  lockAll() {
    this.commit((doc) => doc.rois.forEach((roi) => (roi.locked = true)));
  },
  unlockAll() {
    this.commit((doc) => doc.rois.forEach((roi) => (roi.locked = false)));
  },
  toggleHide(arg, id) {
    const { hidden, selected } = this.state;
    const items = this.targets(id).filter((item) => item.points);
    const hide = !items.every((item) => hidden.has(item.id));
    for (const item of items) {
      if (hide) [hidden.add(item.id), selected.delete(item.id)];
      else hidden.delete(item.id);
    }
    this.invalidate("shapes", "panel");
  },
  hideAll() {
    this.doc.rois.forEach((roi) => this.state.hidden.add(roi.id));
    this.select(null);
  },
  showAll() {
    this.state.hidden.clear();
    this.invalidate("shapes", "panel");
  },
  selectRow(arg, id, event) {
    if (this.state.hidden.has(id)) return this.toast("This shape is hidden; show it to edit it.");
    this.select(id, event?.shiftKey ? "toggle" : "only");
  },
  editMeta(arg, id) {
    const [item] = this.targets(id || (this.state.selected.size === 1 ? null : "—"));
    if (!item) return this.toast("Select one shape to edit its metadata.");
    const title = `Metadata of ${item.points ? SHAPES[item.type].label.toLowerCase() : "frame label"} ${item.labels.join(", ")}`;
    this.editMeta(title, item.meta, (doc, meta) => {
      [...doc.rois, ...doc.frame_labels].find((x) => x.id === item.id).meta = meta;
    });
  },
  editFrameMeta() {
    this.editMeta(`Metadata of frame ${this.record.key}`, this.doc.meta, (doc, meta) => (doc.meta = meta));
  },
  addFrameLabel() {
    if (this.state.readOnly || !this.record) return;
    if (!this.state.label) return this.askLabel({ type: "frame" });
    this.addFrameLabel([this.state.label]);
  },
  copy(arg, id) {
    const items = this.targets(id).filter((item) => item.points);
    if (!items.length) return this.toast("Select a shape to copy.");
    this.state.clipboard = structuredClone(items);
    sessionStorage.setItem("hyperlabel-clipboard", JSON.stringify(items));
    this.toast(`Copied ${items.length} shape${items.length === 1 ? "" : "s"}. Paste with Ctrl+V.`);
    this.invalidate("panel");
  },
  copyAll() {
    this.state.selected = new Set(this.doc.rois.map((roi) => roi.id));
    this.actions.copy.call(this);
    this.select(null);
  },
  paste() {
    const { clipboard } = this.state;
    if (!clipboard.length || !this.record) return;
    const { width, height } = this.record;
    const copies = clipboard.map((roi) => ({
      ...structuredClone(roi),
      id: newId(),
      locked: false,
      points: roi.points.map((p) => clampPoint(p, width, height)),
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
    if (results.every(Boolean)) this.toast("Saved.");
  },
  step(direction) {
    const { index, records } = this.state;
    const target = index + direction;
    if (target >= 0 && target < records.length) return this.goFrame(target);
    return direction > 0 ? task.next(this) : task.previous(this);
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
    this.zoomTo(this.state.view.scale * factor);
  },
  fit() {
    this.fit();
  },
  actual() {
    const { record } = this;
    if (record) this.setView(centerView({ width: this.stage.clientWidth, height: this.stage.clientHeight }, record, 1));
  },
  help() {
    this.$("help").showModal();
  },
  copyLink() {
    const url = new URL(location.href);
    url.searchParams.set("position", this.state.item?.position ?? 0);
    this.$("link").value = url.href;
    navigator.clipboard?.writeText(url.href).then(
      () => this.toast("Link copied."),
      () => this.toast(`Link: ${url.href}`),
    );
  },
  loadTheirs() {
    this.resolve("theirs");
  },
  reapplyMine() {
    this.resolve("mine");
  },
};

FrameEditor.prototype.resolve = function resolve(choice) {
  const { record } = this;
  if (!record?.conflict) return;
  record.history.push(snapshot(record.doc));
  record.saver.resolve(choice);
  this.shownDoc = record.doc;
  this.select(null);
};

customElements.define("frame-editor", FrameEditor);
