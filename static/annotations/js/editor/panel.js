// HTML of the side panel's rows, the label bar and the clip strip. Values are escaped here.
import { esc } from "./dialogs.js";
import { DEFAULT_OPACITY } from "./render.js";
import { SHAPES } from "./shapes.js";
import { isVisible } from "./store.js";

const icon = (name) => `<svg class="ed-i" aria-hidden="true"><use href="#ed-i-${name}"/></svg>`;

// true: a bare attribute; false, null, undefined: left out.
function attrs(values) {
  let html = "";
  for (const [name, value] of Object.entries(values)) {
    if (value === true) html += ` ${name}`;
    else if (value !== false && value != null) html += ` ${name}="${esc(value)}"`;
  }
  return html;
}

function button(action, iconName, { id, title, on, disabled, label } = {}) {
  const values = {
    class: `ed-btn${on ? " is-on" : ""}`,
    "data-action": action,
    "data-id": id,
    "data-label": label,
    title,
    "aria-label": title,
    disabled,
  };
  return `<button type="button"${attrs(values)}>${icon(iconName)}</button>`;
}

// The title is the colour input's only visible hint, so it is its accessible name too.
const colorDot = (values) =>
  `<input type="color" class="ed-dot"${attrs({ ...values, "aria-label": values.title })}>`;

function chips(item, editable, extra) {
  const removable = editable && item.labels.length > 1;
  const chip = (label) => {
    const remove = removable
      ? button("removeLabel", "x", { id: item.id, label, title: `Remove label ${label}` })
      : "";
    return `<span class="ed-chip" style="--c:${esc(item.color)}">${esc(label)}${remove}</span>`;
  };
  const add = editable
    ? `<input class="ed-add-label" list="ed-label-list" data-add-label="${esc(item.id)}"` +
      ` placeholder="+ label" aria-label="Add a label">`
    : "";
  return `<div class="ed-chips">${item.labels.map(chip).join("")}${add}${extra}</div>`;
}

function row(store, item, title, extra = "") {
  const { id, locked } = item;
  const hidden = store.hidden.has(id);
  const readOnly = !!store.readOnly;
  let classes = "ed-row";
  if (store.selected.has(id)) classes += " is-selected";
  if (item.points && !isVisible(store, item)) classes += " is-hidden";
  let buttons = "";
  if (item.points) {
    buttons += button("copy", "copy", { id, title: "Copy" });
    const hideTitle = hidden ? "Show" : "Hide";
    buttons += button("toggleHide", hidden ? "eye-off" : "eye", {
      id,
      title: hideTitle,
      on: hidden,
    });
  }
  const lockTitle = locked ? "Unlock" : "Lock";
  buttons += button("toggleLock", locked ? "lock" : "unlock", {
    id,
    title: lockTitle,
    disabled: readOnly,
    on: locked,
  });
  buttons += button("editMeta", "meta", { id, title: "Metadata" });
  buttons += button("remove", "x", { id, title: "Delete", disabled: locked || readOnly });
  return (
    `<li class="${classes}" data-id="${esc(id)}"><div class="ed-row-head">${title}${buttons}` +
    `</div>${chips(item, !readOnly && !locked, extra)}</li>`
  );
}

function shapeRow(store, roi, index) {
  const color = colorDot({
    value: roi.color,
    "data-shape-color": roi.id,
    title: `Colour of shape ${index + 1}`,
    disabled: roi.locked || !!store.readOnly,
  });
  const opacity = attrs({
    value: store.opacity.get(roi.id) ?? DEFAULT_OPACITY,
    "data-opacity": roi.id,
    title: "Fill opacity",
    "aria-label": "Fill opacity",
  });
  const slider = `<input type="range" class="ed-opacity" min="0" max="1" step="0.05"${opacity}>`;
  const name =
    `<span class="ed-row-title" data-action="selectRow" data-id="${esc(roi.id)}">` +
    `${index + 1}. ${SHAPES[roi.type].label}</span>`;
  const confidence = (roi.confidence ?? 1).toFixed(2);
  const score = `<span class="ed-conf" title="Confidence">${confidence}</span>`;
  return row(store, roi, `${color}${name}${score}`, slider);
}

const list = (items, empty) => items.join("") || `<li class="ed-empty">${empty}</li>`;

export function roiRowsHtml(store, rois) {
  const rows = rois.map((roi, index) => shapeRow(store, roi, index));
  return list(rows, "No shapes yet: pick a tool (R, P, K) and draw.");
}

export function frameLabelRowsHtml(store, items) {
  const title = '<span class="ed-row-title">Frame label</span>';
  return list(
    items.map((item) => row(store, item, title)),
    "None.",
  );
}

export function labelBarHtml(store, colorFor) {
  const html = store.labels.map((label, index) => {
    const current = label === store.label;
    const color = colorDot({
      value: colorFor(label),
      "data-label-color": label,
      title: `Colour of ${label}`,
      disabled: !!store.readOnly,
    });
    const pick = attrs({
      "data-action": "pickLabel",
      "data-label": label,
      "aria-pressed": String(current),
    });
    const key = index < 9 ? `<kbd>${index + 1}</kbd>` : "";
    return (
      `<span class="ed-label${current ? " is-current" : ""}">${color}` +
      `<button type="button"${pick}>${key}${esc(label)}</button></span>`
    );
  });
  return html.join("");
}

export function stripHtml({ records, index }) {
  const html = records.map((record, i) => {
    const thumb = esc(record.imageUrl.replace(/\/image\/$/, "/thumb/"));
    const values = {
      "data-action": "goFrame",
      "data-arg": i,
      "aria-current": String(i === index),
      "data-status": record.status,
      title: `Frame ${i + 1} of ${records.length}: ${record.key}`,
    };
    const content = `<img src="${thumb}" alt=""><span>${i + 1}</span>`;
    return `<button type="button"${attrs(values)}>${content}</button>`;
  });
  return html.join("");
}

function changeText(change) {
  if (change.imported) return "as imported";
  const parts = [];
  if (change.restored) parts.push(`restored revision ${change.restored}`);
  for (const [name, what] of [
    ["shape", change.rois],
    ["frame label", change.frame_labels],
  ]) {
    if (!what) continue;
    const counts = [
      ["added", what.added],
      ["changed", what.changed],
      ["removed", what.removed],
    ].filter(([, ids]) => ids.length);
    for (const [verb, ids] of counts) parts.push(`${ids.length} ${name}(s) ${verb}`);
  }
  if (change.meta) parts.push("metadata changed");
  return parts.join(", ") || "no change";
}

// The History panel: newest first; Managers may put an earlier revision back.
export function historyHtml(entries, { current, canRestore }) {
  const rows = [...entries].reverse().map((entry) => {
    const when = new Date(entry.at).toLocaleString();
    const restore =
      canRestore && entry.revision !== current
        ? `<button type="button" class="ed-btn" data-action="restore" data-arg="${entry.revision}"` +
          ` title="Put revision ${entry.revision} back (a new save)">Restore</button>`
        : "";
    const now = entry.revision === current ? " (current)" : "";
    return (
      `<li class="ed-row" data-revision="${entry.revision}"><div class="ed-row-head">` +
      `<span class="ed-row-title">Revision ${entry.revision}${now}</span>${restore}</div>` +
      `<div class="ed-muted">${esc(entry.user || "import")} · ${esc(when)}</div>` +
      `<div>${esc(changeText(entry.change))}</div></li>`
    );
  });
  return list(rows, "No recorded saves yet.");
}
