// <frame-editor>: wires the page's events to the store and draws the store on the next frame.
import { ACTIONS, setBrushSize, useLabel } from "./actions.js";
import { taskApi } from "./api.js";
import { fitView } from "./geometry.js";
import { lookup } from "./keymap.js";
import {
  frameLabelRows,
  historyHtml,
  labelBarHtml,
  shapeRows,
  sourceBarHtml,
  stripHtml,
} from "./panel.js";
import { bindPointer } from "./pointer.js";
import { loadPrefs, saveOpacity } from "./prefs.js";
import { drawOverlay, drawShapes, sizeCanvas } from "./render.js";
import {
  activeSource,
  addLabels,
  colorFor,
  createStore,
  hover,
  invalidate,
  setFrame,
  setReadOnly,
  setView,
  takeDirty,
} from "./store.js";
import * as task from "./task.js";

const STATUS = {
  saved: "Saved",
  dirty: "Unsaved…",
  saving: "Saving…",
  readonly: "Read-only",
  error: "Error",
  conflict: "Conflict",
};
// The bar shows the worst status of the item's frames, in this order.
const RANK = Object.keys(STATUS);
const LABEL_PLACEHOLDER = "Type a label…";

// A record's status for the save indicator; without records, "saved".
function worstRecord(records) {
  let worst = { status: "saved" };
  for (const record of records) {
    if (RANK.indexOf(record.status) > RANK.indexOf(worst.status)) worst = record;
  }
  return worst;
}

function shapeCount(count) {
  return `${count} annotation${count === 1 ? "" : "s"}`;
}

// Texts of the [data-info] elements.
function infoTexts(store, status, worst) {
  const { record } = store;
  const { rois, meta } = store.doc;
  const theirs = record?.conflict;
  const allHidden = rois.length && rois.every((roi) => store.hidden.has(roi.id));
  return {
    status: STATUS[status],
    error: worst.status === "conflict" ? "" : worst.error,
    readonly: store.readOnly,
    conflict:
      theirs &&
      `Frame “${record.key}” was saved elsewhere (revision ${theirs.revision}, ` +
        `${theirs.rois.length} shapes); your version (${rois.length} shapes) stays here ` +
        "until you choose.",
    file: record?.uri.split(/[?#]/)[0].split("/").pop(),
    size: record && `${record.width} × ${record.height} px`,
    key: record?.key,
    context: record?.context_id || "—",
    timestamp: record?.timestamp,
    revision: record?.revision,
    meta: JSON.stringify(meta, null, 2),
    count: shapeCount(rois.length),
    selected: `${store.selected.size} selected`,
    "hide-all": allHidden ? "Show all" : "Hide all",
  };
}

// Conditions that [data-needs] (enabled) and [data-shown] (visible) name.
function conditions(store) {
  const { record } = store;
  return {
    write: !store.readOnly,
    readonly: !!store.readOnly,
    record: !!record,
    rois: store.doc.rois.length > 0,
    label: !!store.label,
    clipboard: store.clipboard.length > 0,
    undo: !!record?.history.canUndo,
    redo: !!record?.history.canRedo,
    conflict: !!record?.conflict,
    multi: store.selected.size > 1,
  };
}

// Each DOM write costs a style recalculation: only changed values are written.
function assign(target, values) {
  for (const [key, value] of Object.entries(values)) {
    if (target[key] !== value) target[key] = value;
  }
}

function isTyping(event) {
  return event.target.closest?.("input, textarea, select");
}

class FrameEditor extends HTMLElement {
  connectedCallback() {
    this.config = JSON.parse(document.getElementById(this.dataset.config).textContent);
    this.stage = this.$("stage");
    this.images = [this.$("image")]; // one a source, made as frames need them
    this.names = []; // a FrameGroup's source ids over their images
    this.shapesCanvas = this.$("shapes");
    this.overlayCanvas = this.$("overlay");
    this.shapeRows = shapeRows(this.$('list="rois"'));
    this.frameLabelRows = frameLabelRows(this.$('list="frame-labels"'));
    this.api = taskApi(this.config);
    this.frameRequest = 0;
    this.viewportSize = null;
    this.store = createStore({
      ...loadPrefs(this.config.version),
      onInvalidate: () => this.requestRender(),
    });
    this.store.view.dpr = devicePixelRatio || 1;
    this.listen();
    setReadOnly(this.store, this.config.readOnly);
    this.api
      .labels()
      .catch(() => [])
      .then((labels) => {
        addLabels(this.store, labels);
        this.store.label ||= labels[0] || "";
        task.start(this.store, this);
      });
  }

  disconnectedCallback() {
    for (const [type, handler] of this.globalListeners) removeEventListener(type, handler);
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frameRequest);
    for (const record of this.store.records) record.saver.dispose();
  }

  $(name) {
    return this.querySelector(`[data-${name}]`);
  }

  requestRender() {
    this.frameRequest ||= requestAnimationFrame(() => this.render());
  }

  render() {
    const { store } = this;
    this.frameRequest = 0;
    const dirty = takeDirty(store);
    if (dirty.has("view")) {
      const { width, height } = this.viewport();
      store.view.dpr = devicePixelRatio || 1;
      sizeCanvas(this.shapesCanvas, width, height, store.view.dpr);
      sizeCanvas(this.overlayCanvas, width, height, store.view.dpr);
      this.placeImages();
    }
    if (dirty.has("view") || dirty.has("shapes")) {
      drawShapes(this.shapesCanvas.getContext("2d"), store);
    }
    drawOverlay(this.overlayCanvas.getContext("2d"), store);
    if (dirty.has("panel") && store.record) {
      const { doc } = store.record;
      this.shapeRows.update(store, doc.rois);
      this.frameLabelRows.update(store, doc.frame_labels);
    }
    if (dirty.has("labels")) {
      this.$("labels").innerHTML = labelBarHtml(store, (label) => colorFor(store, label));
      this.$("label-list").replaceChildren(...store.labels.map((label) => new Option(label)));
    }
    if ([...dirty].some((part) => part !== "overlay")) this.renderChrome();
  }

  // Elements show state through data-info (text), data-needs (enabled), data-shown (visible).
  renderChrome() {
    const { store } = this;
    const worst = worstRecord(store.records);
    const status = store.readOnly ? "readonly" : worst.status;
    const info = infoTexts(store, status, worst);
    const ok = conditions(store);
    const holds = (el, name) => el.dataset[name].split(" ").every((need) => ok[need]);
    for (const el of this.querySelectorAll("[data-info]")) {
      assign(el, { textContent: String(info[el.dataset.info] ?? "") });
    }
    for (const el of this.querySelectorAll("[data-needs]")) {
      assign(el, { disabled: !holds(el, "needs") });
    }
    for (const el of this.querySelectorAll("[data-shown]")) {
      assign(el, { hidden: !holds(el, "shown") });
    }
    for (const el of this.querySelectorAll("[data-action=tool]")) {
      assign(el, { ariaPressed: String(el.dataset.arg === store.tool) });
    }
    assign(this.$("brush"), { hidden: store.tool !== "brush" && store.tool !== "eraser" });
    assign(this.$("save-status").dataset, { state: status });
    assign(this.stage.dataset, { tool: store.spaceDown ? "pan" : store.tool });
    const zoom = this.$("zoom");
    if (document.activeElement !== zoom) {
      assign(zoom, { value: `${Math.round(store.view.scale * 100)}%` });
    }
    this.fill("strip", store.records.length > 1 ? stripHtml(store) : "");
    this.fill("sources", sourceBarHtml(store, activeSource(store)));
  }

  // The element's HTML, written when it changes; hidden when empty.
  fill(name, html) {
    const element = this.$(name);
    if (element.dataset.html !== html) {
      element.innerHTML = html;
      element.dataset.html = html;
      element.hidden = !html;
    }
  }

  // Each shown source's image (and a FrameGroup's its id) at its place in the world, on screen.
  placeImages() {
    const { x, y, scale } = this.store.view;
    const sources = this.store.record?.sources || [];
    for (const [i, image] of this.images.entries()) {
      const place = sources[i] && this.store.places.get(sources[i].id);
      const name = this.names[i];
      image.hidden = !place;
      if (name) name.hidden = !place || sources.length < 2;
      if (!place) continue;
      const at = `translate(${x + place.x * scale}px, ${y + place.y * scale}px)`;
      const transform = `${at} scale(${scale})`;
      if (image.style.transform !== transform) {
        image.style.transform = transform;
        image.classList.toggle("is-pixelated", scale >= 3);
      }
      if (name && name.style.transform !== at) name.style.transform = at;
    }
  }

  // Reading clientWidth forces a layout; the resize observer keeps the size instead.
  viewport() {
    return this.viewportSize || { width: this.stage.clientWidth, height: this.stage.clientHeight };
  }

  fit() {
    const { record, world } = this.store;
    if (record) setView(this.store, fitView(this.viewport(), world), true);
  }

  // Sources after the first get an image (and all of a FrameGroup's a name) of their own.
  showFrame(index) {
    const { store, images, names } = this;
    setFrame(store, index);
    const { record } = store;
    const sources = record?.sources || [];
    const make = (tag, className) => Object.assign(document.createElement(tag), { className });
    while (images.length < sources.length) {
      const image = Object.assign(make("img", "ed-image"), { alt: "", draggable: false });
      images.at(-1).after(image);
      images.push(image);
    }
    while (sources.length > 1 && names.length < sources.length) {
      names.push(make("span", "ed-source-name"));
      this.shapesCanvas.before(names.at(-1)); // over the images, under the shapes
    }
    for (const [i, source] of sources.entries()) {
      const image = images[i];
      image.width = source.width;
      image.height = source.height;
      image.onerror = () => {
        const which = sources.length > 1 ? `source ${source.id} of frame` : "frame";
        this.toast(`The image of ${which} ${record.key} could not be loaded.`, "error");
      };
      const url = i ? source.image_url || source.uri : record.imageUrl;
      if (image.getAttribute("src") !== url) image.src = url;
      if (names[i]) names[i].textContent = source.id;
    }
    this.loadHistory();
  }

  // The open History panel lists the current frame's recorded saves.
  async loadHistory() {
    const panel = this.$("history");
    const { record } = this.store;
    if (!panel.open || !record) return;
    const list = this.$("history-list");
    try {
      const entries = await this.api.history(record.key);
      if (record !== this.store.record) return;
      const canRestore = this.config.canSaveAny && !this.store.readOnly;
      list.innerHTML = historyHtml(entries, { current: record.revision, canRestore });
    } catch (error) {
      list.textContent = `Could not load the history: ${error.message}`;
    }
  }

  // The label field asks for the label of store.pending.
  askLabel() {
    const input = this.$("label-input");
    const what = this.store.pending.points ? "shape" : "frame label";
    input.placeholder = `Label for the new ${what}, then Enter`;
    input.focus();
  }

  labelAsked() {
    this.$("label-input").placeholder = LABEL_PLACEHOLDER;
  }

  busy(text, isHtml = false) {
    const message = this.$("message");
    message.hidden = false;
    if (isHtml) message.innerHTML = text;
    else message.textContent = text;
  }

  toast(text, level = "info") {
    window.showToast?.(text, level);
  }

  act(action, arg, id, event) {
    ACTIONS[action]?.({ store: this.store, editor: this, arg, id, event });
  }

  listen() {
    const { store } = this;
    bindPointer(store, this);
    const size = this.$("brush-size");
    size.value = store.brushSize;
    size.addEventListener("change", () => setBrushSize(store, this, Number(size.value)));
    this.resizeObserver = new ResizeObserver(([entry]) => {
      this.viewportSize = entry.contentRect;
      if (store.fitted) this.fit();
      else invalidate(store, "view");
    });
    this.resizeObserver.observe(this.stage);
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("change", (event) => this.onChange(event.target));
    this.addEventListener("input", (event) => this.onInput(event.target));
    const panel = this.$("panel");
    panel.addEventListener("mouseover", (event) => {
      hover(store, event.target.closest(".ed-row")?.dataset.id ?? null);
    });
    panel.addEventListener("mouseleave", () => hover(store, null));
    this.$("history").addEventListener("toggle", () => this.loadHistory());
    this.$("label-input").addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      useLabel(store, this, event.target.value);
      event.target.value = "";
      this.stage.focus();
    });
    this.globalListeners = [
      ["keydown", (event) => this.onSpace(true, event) || this.onKey(event)],
      ["keyup", (event) => this.onSpace(false, event)],
      [
        "beforeunload",
        (event) => {
          if (task.hasUnsavedChanges(store)) event.preventDefault();
        },
      ],
    ];
    for (const [type, handler] of this.globalListeners) addEventListener(type, handler);
  }

  onClick(event) {
    const el = event.target.closest("[data-action]");
    if (!el || el.disabled || el.tagName === "INPUT") return;
    this.act(el.dataset.action, el.dataset.arg ?? el.dataset.label, el.dataset.id, event);
  }

  // Space held pans; it must not scroll or press a button. True when it was the space bar.
  onSpace(isDown, event) {
    if (event.code !== "Space" || event.target.closest?.("input, textarea, button")) return false;
    event.preventDefault();
    if (this.store.spaceDown !== isDown) {
      this.store.spaceDown = isDown;
      invalidate(this.store, "chrome");
    }
    return true;
  }

  onKey(event) {
    const [action, arg] = lookup(event) || [];
    if (!action || document.querySelector("dialog[open]")) return;
    // In a field only Escape and Ctrl+S count; Ctrl+Z there undoes typing.
    if (isTyping(event)) {
      if (action === "cancel") {
        event.target.blur();
        this.store.pending = null;
        invalidate(this.store, "overlay");
      }
      if (action !== "save") return;
    }
    event.preventDefault();
    this.act(action, arg, null, event);
  }

  onChange({ dataset, value }) {
    if (dataset.addLabel) return this.act("addLabelTo", value, dataset.addLabel);
    if (dataset.shapeColor) return this.act("shapeColor", value, dataset.shapeColor);
    if (dataset.labelColor) return this.act("labelColor", value, dataset.labelColor);
    if (dataset.zoom !== undefined && parseFloat(value) > 0) {
      this.act("zoomTo", parseFloat(value) / 100);
    }
    invalidate(this.store, "panel");
  }

  onInput(target) {
    const { store } = this;
    const value = Number(target.value);
    const { opacity, minConfidence } = target.dataset;
    if (minConfidence !== undefined) {
      store.minConfidence = value;
      target.nextElementSibling.textContent = value.toFixed(2);
    }
    if (opacity) {
      store.opacity.set(opacity, value);
      saveOpacity(this.config.version, store.opacity);
    }
    if (opacity || minConfidence !== undefined) invalidate(store, "shapes");
  }
}

customElements.define("frame-editor", FrameEditor);
