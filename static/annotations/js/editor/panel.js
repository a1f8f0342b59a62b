// The side panel, label bar and clip strip as HTML built from state. Clicks reach the editor through
// data-action attributes (one delegated listener), so nothing here keeps state of its own.
import { esc } from "./dialogs.js";
import { DEFAULT_OPACITY, isVisible } from "./render.js";
import { SHAPES } from "./shapes.js";

const icon = (name) => `<svg class="ed-i" aria-hidden="true"><use href="#ed-i-${name}"/></svg>`;

function button(action, text, { id = "", title = text, cls = "", disabled = false } = {}) {
  const idAttr = id ? ` data-id="${esc(id)}"` : "";
  return `<button type="button" class="ed-btn ${cls}" data-action="${action}"${idAttr} title="${esc(title)}"${disabled ? " disabled" : ""}>${text}</button>`;
}

const lockButton = (state, item) =>
  button("toggleLock", icon(item.locked ? "lock" : "unlock"), {
    id: item.id, title: item.locked ? "Unlock" : "Lock", disabled: state.readOnly, cls: item.locked ? "is-on" : "",
  });

// Label chips, each with an X while another label remains, and a field to add one.
function chips(state, item, extra = "") {
  const editable = !state.readOnly && !item.locked;
  const chip = (label) =>
    `<span class="ed-chip" style="--c:${esc(item.color)}">${esc(label)}` +
    (editable && item.labels.length > 1
      ? `<button type="button" data-action="removeLabel" data-id="${esc(item.id)}" data-label="${esc(label)}" title="Remove label ${esc(label)}">${icon("x")}</button>`
      : "") +
    "</span>";
  const add = editable
    ? `<input class="ed-add-label" list="ed-label-list" data-add-label="${esc(item.id)}" placeholder="+ label" aria-label="Add a label">`
    : "";
  return `<div class="ed-chips">${item.labels.map(chip).join("")}${add}${extra}</div>`;
}

function shapeRow(state, roi, index) {
  const hidden = state.hidden.has(roi.id);
  const classes = `ed-row${state.selected.has(roi.id) ? " is-selected" : ""}${isVisible(state, roi) ? "" : " is-hidden"}`;
  const id = esc(roi.id);
  const opacity = `<input type="range" class="ed-opacity" min="0" max="1" step="0.05" value="${state.opacity.get(roi.id) ?? DEFAULT_OPACITY}" data-opacity="${id}" title="Fill opacity" aria-label="Fill opacity">`;
  return (
    `<li class="${classes}" data-id="${id}"><div class="ed-row-head">` +
    `<input type="color" class="ed-dot" value="${esc(roi.color)}" data-shape-color="${id}" title="Shape colour"${roi.locked || state.readOnly ? " disabled" : ""}>` +
    `<span class="ed-row-title" data-action="selectRow" data-id="${id}">${index + 1}. ${SHAPES[roi.type].label}</span>` +
    `<span class="ed-conf" title="Confidence">${(roi.confidence ?? 1).toFixed(2)}</span>` +
    button("toggleHide", icon(hidden ? "eye-off" : "eye"), { id: roi.id, title: hidden ? "Show" : "Hide", cls: hidden ? "is-on" : "" }) +
    lockButton(state, roi) +
    button("editMeta", icon("meta"), { id: roi.id, title: "Metadata" }) +
    button("copy", icon("copy"), { id: roi.id, title: "Copy" }) +
    button("remove", icon("x"), { id: roi.id, title: "Delete", disabled: roi.locked || state.readOnly }) +
    `</div>${chips(state, roi, opacity)}</li>`
  );
}

function frameLabelRow(state, item) {
  return (
    `<li class="ed-row" data-id="${esc(item.id)}"><div class="ed-row-head"><span class="ed-row-title">Frame label</span>` +
    lockButton(state, item) +
    button("editMeta", icon("meta"), { id: item.id, title: "Metadata" }) +
    button("remove", icon("x"), { id: item.id, title: "Delete", disabled: item.locked || state.readOnly }) +
    `</div>${chips(state, item)}</li>`
  );
}

function fileInfo(record) {
  const name = record.uri.split(/[?#]/)[0].split("/").pop() || record.key;
  const rows = { File: name, Size: `${record.width} × ${record.height} px`, Frame: record.key, Context: record.context_id || "—", Timestamp: record.timestamp, Revision: record.revision };
  return `<dl class="ed-info">${Object.entries(rows).map(([k, v]) => `<dt>${k}</dt><dd title="${esc(v)}">${esc(v)}</dd>`).join("")}</dl>`;
}

const section = (title, actions, body) =>
  `<section class="ed-section"><header class="ed-section-head"><h2>${title}</h2><div class="ed-actions">${actions}</div></header>${body}</section>`;

export function panelHtml(state, record) {
  if (!record) return "";
  const { rois, frame_labels: frameLabels, meta } = record.doc;
  const ro = Boolean(state.readOnly);
  const allHidden = rois.length > 0 && rois.every((roi) => state.hidden.has(roi.id));
  const count = state.selected.size;
  const multi =
    count > 1
      ? `<div class="ed-multi" role="group" aria-label="Selection"><strong>${count} selected</strong>` +
        button("relabel", "Relabel", { title: `Give them the label “${state.label}”`, disabled: ro || !state.label }) +
        button("lock", "Lock", { disabled: ro }) + button("unlock", "Unlock", { disabled: ro }) + button("remove", "Delete", { disabled: ro }) +
        "</div>"
      : "";
  const shapeActions =
    button("copyAll", "Copy all", { disabled: !rois.length }) +
    button("paste", "Paste", { disabled: ro || !state.clipboard.length, title: `Paste ${state.clipboard.length} copied shapes (Ctrl+V)` }) +
    button(allHidden ? "showAll" : "hideAll", allHidden ? "Show all" : "Hide all") +
    button("lockAll", "Lock all", { disabled: ro }) + button("unlockAll", "Unlock all", { disabled: ro });
  const slider =
    `<label class="ed-slider">Min. confidence <input type="range" min="0" max="1" step="0.05" value="${state.minConfidence}" data-min-confidence>` +
    ` <output>${state.minConfidence.toFixed(2)}</output></label>`;
  const empty = (text) => `<li class="ed-empty">${text}</li>`;
  return (
    `<section>${fileInfo(record)}</section>` +
    `<details class="ed-section" data-section="meta"${state.metaOpen ? " open" : ""}><summary>Frame metadata</summary>` +
    `<pre class="ed-json">${esc(JSON.stringify(meta, null, 2))}</pre>${button("editFrameMeta", ro ? "View" : "Edit", { title: "Frame metadata as JSON" })}</details>` +
    section(`${rois.length} annotation${rois.length === 1 ? "" : "s"}`, shapeActions,
      `${slider}${multi}<ol class="ed-list" data-list="rois">${rois.map((roi, i) => shapeRow(state, roi, i)).join("") || empty("No shapes yet: pick a tool (R, P, K) and draw.")}</ol>`) +
    section("Frame labels", button("addFrameLabel", "+ Add new", { disabled: ro, title: "Add a frame label (Shift+N)" }),
      `<ol class="ed-list">${frameLabels.map((item) => frameLabelRow(state, item)).join("") || empty("None.")}</ol>`)
  );
}

export function labelBarHtml(state, colorFor) {
  return state.labels
    .map((label, index) => {
      const current = label === state.label;
      return (
        `<span class="ed-label${current ? " is-current" : ""}">` +
        `<input type="color" class="ed-dot" value="${esc(colorFor(label))}" data-label-color="${esc(label)}" title="Colour of ${esc(label)}"${state.readOnly ? " disabled" : ""}>` +
        `<button type="button" data-action="pickLabel" data-label="${esc(label)}" aria-pressed="${current}">${index < 9 ? `<kbd>${index + 1}</kbd>` : ""}${esc(label)}</button></span>`
      );
    })
    .join("");
}

// Thumbnails of the clip's frames; a dot marks unsaved ones.
export function stripHtml({ records, index }) {
  return records
    .map((r, i) => {
      const thumb = r.imageUrl.replace(/\/image\/$/, "/thumb/");
      return `<button type="button" data-action="goFrame" data-arg="${i}" aria-current="${i === index}" data-status="${r.status}" title="${esc(`Frame ${i + 1} of ${records.length}: ${r.key}`)}"><img src="${esc(thumb)}" alt=""><span>${i + 1}</span></button>`;
    })
    .join("");
}
