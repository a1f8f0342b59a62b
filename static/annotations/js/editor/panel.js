import { esc } from "./dialogs.js";
import { DEFAULT_OPACITY, isVisible } from "./render.js";
import { SHAPES } from "./shapes.js";

const icon = (name) => `<svg class="ed-i" aria-hidden="true"><use href="#ed-i-${name}"/></svg>`;
const attrs = (values) => Object.entries(values).map(([k, v]) => (v === true ? ` ${k}` : v === false || v == null ? "" : ` ${k}="${esc(v)}"`)).join("");
const button = (action, name, { id, title, on, disabled, label } = {}) =>
  `<button type="button"${attrs({ class: `ed-btn${on ? " is-on" : ""}`, "data-action": action, "data-id": id, "data-label": label, title, disabled })}>${icon(name)}</button>`;
const dot = (values) => `<input type="color" class="ed-dot"${attrs(values)}>`;

function chips(item, editable, extra) {
  const chip = (label) =>
    `<span class="ed-chip" style="--c:${esc(item.color)}">${esc(label)}` +
    (editable && item.labels.length > 1 ? button("removeLabel", "x", { id: item.id, label, title: `Remove label ${label}` }) : "") + "</span>";
  const add = editable ? `<input class="ed-add-label" list="ed-label-list" data-add-label="${esc(item.id)}" placeholder="+ label" aria-label="Add a label">` : "";
  return `<div class="ed-chips">${item.labels.map(chip).join("")}${add}${extra}</div>`;
}

function row(state, item, title, extra = "") {
  const { id, locked } = item;
  const [hidden, ro] = [state.hidden.has(id), !!state.readOnly];
  const classes = `ed-row${state.selected.has(id) ? " is-selected" : ""}${item.points && !isVisible(state, item) ? " is-hidden" : ""}`;
  const shapeButtons = item.points
    ? button("copy", "copy", { id, title: "Copy" }) + button("toggleHide", hidden ? "eye-off" : "eye", { id, title: hidden ? "Show" : "Hide", on: hidden })
    : "";
  return (
    `<li class="${classes}" data-id="${esc(id)}"><div class="ed-row-head">${title}${shapeButtons}` +
    button("toggleLock", locked ? "lock" : "unlock", { id, title: locked ? "Unlock" : "Lock", disabled: ro, on: locked }) +
    button("editMeta", "meta", { id, title: "Metadata" }) +
    button("remove", "x", { id, title: "Delete", disabled: locked || ro }) +
    `</div>${chips(item, !ro && !locked, extra)}</li>`
  );
}

function shapeRow(state, roi, index) {
  const color = dot({ value: roi.color, "data-shape-color": roi.id, title: "Shape colour", disabled: roi.locked || !!state.readOnly });
  const opacity = `<input type="range" class="ed-opacity" min="0" max="1" step="0.05"${attrs({ value: state.opacity.get(roi.id) ?? DEFAULT_OPACITY, "data-opacity": roi.id, title: "Fill opacity", "aria-label": "Fill opacity" })}>`;
  const title = `${color}<span class="ed-row-title" data-action="selectRow" data-id="${esc(roi.id)}">${index + 1}. ${SHAPES[roi.type].label}</span>`;
  return row(state, roi, `${title}<span class="ed-conf" title="Confidence">${(roi.confidence ?? 1).toFixed(2)}</span>`, opacity);
}

const list = (items, empty) => items.join("") || `<li class="ed-empty">${empty}</li>`;

export const roiRowsHtml = (state, rois) => list(rois.map((roi, i) => shapeRow(state, roi, i)), "No shapes yet: pick a tool (R, P, K) and draw.");
export const frameLabelRowsHtml = (state, items) => list(items.map((item) => row(state, item, '<span class="ed-row-title">Frame label</span>')), "None.");

export const labelBarHtml = (state, colorFor) =>
  state.labels.map((label, index) => {
    const current = label === state.label;
    const color = dot({ value: colorFor(label), "data-label-color": label, title: `Colour of ${label}`, disabled: !!state.readOnly });
    const pick = `<button type="button"${attrs({ "data-action": "pickLabel", "data-label": label, "aria-pressed": String(current) })}>`;
    return `<span class="ed-label${current ? " is-current" : ""}">${color}${pick}${index < 9 ? `<kbd>${index + 1}</kbd>` : ""}${esc(label)}</button></span>`;
  }).join("");

export const stripHtml = ({ records, index }) =>
  records.map((r, i) => {
    const thumb = esc(r.imageUrl.replace(/\/image\/$/, "/thumb/"));
    const data = { "data-action": "goFrame", "data-arg": i, "aria-current": String(i === index), "data-status": r.status, title: `Frame ${i + 1} of ${records.length}: ${r.key}` };
    return `<button type="button"${attrs(data)}><img src="${thumb}" alt=""><span>${i + 1}</span></button>`;
  }).join("");
