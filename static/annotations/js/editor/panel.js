// The side panel and label bar as HTML built from state; clicks reach the editor through
// data-action attributes (one delegated listener), so nothing here holds its own state.
import { esc } from "./dialogs.js";
import { DEFAULT_OPACITY, isVisible } from "./render.js";
import { SHAPES } from "./shapes.js";

const icon = (name) => `<svg class="ed-i" aria-hidden="true"><use href="#ed-i-${name}"/></svg>`;

const button = (action, text, { id = "", title = "", cls = "", disabled = false } = {}) =>
  `<button type="button" class="ed-btn ${cls}" data-action="${action}"${id ? ` data-id="${esc(id)}"` : ""}` +
  ` title="${esc(title || text)}"${disabled ? " disabled" : ""}>${text}</button>`;

const lockButton = (state, item) =>
  button("toggleLock", icon(item.locked ? "lock" : "unlock"), {
    id: item.id,
    title: item.locked ? "Unlock" : "Lock",
    disabled: state.readOnly,
    cls: item.locked ? "is-on" : "",
  });

function chips(item, readOnly, extra = "") {
  const removable = item.labels.length > 1 && !readOnly && !item.locked;
  const list = item.labels
    .map(
      (label) =>
        `<span class="ed-chip" style="--c:${esc(item.color)}">${esc(label)}` +
        (removable
          ? `<button type="button" data-action="removeLabel" data-id="${esc(item.id)}" data-label="${esc(label)}" title="Remove label ${esc(label)}">${icon("x")}</button>`
          : "") +
        "</span>",
    )
    .join("");
  const add =
    readOnly || item.locked
      ? ""
      : `<input class="ed-add-label" list="ed-label-list" data-add-label="${esc(item.id)}" placeholder="+ label" aria-label="Add a label">`;
  return `<div class="ed-chips">${list}${add}${extra}</div>`;
}

function shapeRow(state, roi, index) {
  const hidden = state.hidden.has(roi.id);
  const faded = !isVisible(state, roi);
  const classes = ["ed-row", state.selected.has(roi.id) && "is-selected", faded && "is-hidden"];
  const opacity = state.opacity.get(roi.id) ?? DEFAULT_OPACITY;
  const opacityInput = `<input type="range" class="ed-opacity" min="0" max="1" step="0.05" value="${opacity}" data-opacity="${esc(roi.id)}" title="Fill opacity" aria-label="Fill opacity">`;
  const locked = roi.locked || state.readOnly;
  return (
    `<li class="${classes.filter(Boolean).join(" ")}" data-id="${esc(roi.id)}">` +
    `<div class="ed-row-head">` +
    `<input type="color" class="ed-dot" value="${esc(roi.color)}" data-shape-color="${esc(roi.id)}" title="Shape colour"${locked ? " disabled" : ""}>` +
    `<span class="ed-row-title" data-action="selectRow" data-id="${esc(roi.id)}">${index + 1}. ${SHAPES[roi.type].label}</span>` +
    `<span class="ed-conf" title="Confidence">${(roi.confidence ?? 1).toFixed(2)}</span>` +
    button("toggleHide", icon(hidden ? "eye-off" : "eye"), { id: roi.id, title: hidden ? "Show" : "Hide", cls: hidden ? "is-on" : "" }) +
    lockButton(state, roi) +
    button("editMeta", icon("meta"), { id: roi.id, title: "Metadata" }) +
    button("copy", icon("copy"), { id: roi.id, title: "Copy" }) +
    button("remove", icon("x"), { id: roi.id, title: "Delete", disabled: locked }) +
    `</div>${chips(roi, state.readOnly, opacityInput)}</li>`
  );
}

function frameLabelRow(state, item) {
  const locked = item.locked || state.readOnly;
  return (
    `<li class="ed-row" data-id="${esc(item.id)}"><div class="ed-row-head">` +
    `<span class="ed-row-title">Frame label</span>` +
    lockButton(state, item) +
    button("editMeta", icon("meta"), { id: item.id, title: "Metadata" }) +
    button("remove", icon("x"), { id: item.id, title: "Delete", disabled: locked }) +
    `</div>${chips(item, state.readOnly)}</li>`
  );
}

function fileInfo(record) {
  const name = (record.uri || record.key).split(/[?#]/)[0].split("/").pop() || record.key;
  const rows = [
    ["File", name],
    ["Size", `${record.width} × ${record.height} px`],
    ["Frame", record.key],
    ["Context", record.context_id || "—"],
    ["Timestamp", record.timestamp],
    ["Revision", record.revision],
  ];
  return `<dl class="ed-info">${rows.map(([k, v]) => `<dt>${k}</dt><dd title="${esc(v)}">${esc(v)}</dd>`).join("")}</dl>`;
}

export function panelHtml(state, record) {
  if (!record) return "";
  const { rois, frame_labels: frameLabels, meta } = record.doc;
  const ro = state.readOnly;
  const allHidden = rois.length > 0 && rois.every((roi) => state.hidden.has(roi.id));
  const selected = state.selected.size;
  const multi =
    selected > 1
      ? `<div class="ed-multi" role="group" aria-label="Selection"><strong>${selected} selected</strong>` +
        button("relabel", "Relabel", { title: "Give them the current label", disabled: ro || !state.label }) +
        button("lock", "Lock", { disabled: ro }) +
        button("unlock", "Unlock", { disabled: ro }) +
        button("remove", "Delete", { disabled: ro }) +
        `</div>`
      : "";
  return (
    `<section>${fileInfo(record)}</section>` +
    `<details class="ed-section" data-section="meta"${state.metaOpen ? " open" : ""}><summary>Frame metadata</summary>` +
    `<pre class="ed-json">${esc(JSON.stringify(meta, null, 2))}</pre>` +
    button("editFrameMeta", ro ? "View" : "Edit", { title: "Edit the frame metadata (JSON)" }) +
    `</details>` +
    `<section class="ed-section"><header class="ed-section-head"><h2>${rois.length} annotation${rois.length === 1 ? "" : "s"}</h2>` +
    `<div class="ed-actions">` +
    button("copyAll", "Copy all", { disabled: !rois.length }) +
    button("paste", "Paste", { disabled: ro || !state.clipboard.length, title: `Paste ${state.clipboard.length} copied` }) +
    button(allHidden ? "showAll" : "hideAll", allHidden ? "Show all" : "Hide all") +
    button("lockAll", "Lock all", { disabled: ro }) +
    button("unlockAll", "Unlock all", { disabled: ro }) +
    `</div></header>` +
    `<label class="ed-slider">Min. confidence <input type="range" min="0" max="1" step="0.05" value="${state.minConfidence}" data-min-confidence> <output>${state.minConfidence.toFixed(2)}</output></label>` +
    multi +
    `<ol class="ed-list" data-list="rois">${rois.map((roi, i) => shapeRow(state, roi, i)).join("") || '<li class="ed-empty">No shapes yet: pick a tool (R, P, K) and draw.</li>'}</ol></section>` +
    `<section class="ed-section"><header class="ed-section-head"><h2>Frame labels</h2>` +
    `<div class="ed-actions">${button("addFrameLabel", "+ Add new", { disabled: ro, title: "Add a frame label (Shift+N)" })}</div></header>` +
    `<ol class="ed-list">${frameLabels.map((item) => frameLabelRow(state, item)).join("") || '<li class="ed-empty">None.</li>'}</ol></section>`
  );
}

export function labelBarHtml(state, colorFor) {
  return state.labels
    .map((label, index) => {
      const current = label === state.label ? " is-current" : "";
      const key = index < 9 ? `<kbd>${index + 1}</kbd>` : "";
      return (
        `<span class="ed-label${current}">` +
        `<input type="color" class="ed-dot" value="${esc(colorFor(label))}" data-label-color="${esc(label)}" title="Colour of ${esc(label)}"${state.readOnly ? " disabled" : ""}>` +
        `<button type="button" data-action="pickLabel" data-label="${esc(label)}" aria-pressed="${Boolean(current)}">${key}${esc(label)}</button></span>`
      );
    })
    .join("");
}
