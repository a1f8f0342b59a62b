// The side panel: its rows of shapes and frame labels (kept per item id), the label bar, the clip
// strip, the source bar and the History list. Values are escaped here.
import { esc } from "./dialogs.js";
import { opacityOf } from "./render.js";
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

function chips(facts, editable, extra) {
  const removable = editable && facts.labels.length > 1;
  const chip = (label) => {
    const remove = removable
      ? button("removeLabel", "x", { id: facts.id, label, title: `Remove label ${label}` })
      : "";
    return `<span class="ed-chip" style="--c:${esc(facts.color)}">${esc(label)}${remove}</span>`;
  };
  const add = editable
    ? `<input class="ed-add-label" list="ed-label-list" data-add-label="${esc(facts.id)}"` +
      ` placeholder="+ label" aria-label="Add a label">`
    : "";
  return `<div class="ed-chips">${facts.labels.map(chip).join("")}${add}${extra}</div>`;
}

// Everything a row shows but its number and selection, which change in place: the panel
// rewrites a row only when these change, so a row's HTML reads nothing else.
function rowFacts(store, item) {
  const isShape = !!item.points;
  return {
    id: item.id,
    type: isShape ? item.type : null,
    labels: item.labels,
    color: item.color,
    confidence: item.confidence ?? 1,
    isLocked: !!item.locked,
    isHidden: store.hidden.has(item.id),
    isFaded: isShape && !isVisible(store, item),
    opacity: isShape ? opacityOf(store, item) : null,
    isReadOnly: !!store.readOnly,
    source: isShape && store.record?.sources.length > 1 ? item.source : null, // a FrameGroup's
  };
}

function rowClass(facts, isSelected) {
  let classes = "ed-row";
  if (isSelected) classes += " is-selected";
  if (facts.isFaded) classes += " is-hidden";
  return classes;
}

// The inside of a row's <li>.
function rowContent(facts, title, extra = "") {
  const { id, isLocked, isHidden, isReadOnly } = facts;
  let buttons = "";
  if (facts.type) {
    buttons += button("copy", "copy", { id, title: "Copy" });
    const hideTitle = isHidden ? "Show" : "Hide";
    buttons += button("toggleHide", isHidden ? "eye-off" : "eye", {
      id,
      title: hideTitle,
      on: isHidden,
    });
  }
  const lockTitle = isLocked ? "Unlock" : "Lock";
  buttons += button("toggleLock", isLocked ? "lock" : "unlock", {
    id,
    title: lockTitle,
    disabled: isReadOnly,
    on: isLocked,
  });
  buttons += button("editMeta", "meta", { id, title: "Metadata" });
  buttons += button("remove", "x", { id, title: "Delete", disabled: isLocked || isReadOnly });
  return (
    `<div class="ed-row-head">${title}${buttons}</div>` +
    chips(facts, !isReadOnly && !isLocked, extra)
  );
}

// A shape's number is its place in the list: deleting one renumbers the rows after it.
const colorTitle = (number) => `Colour of shape ${number}`;
const shapeName = (number, type) => `${number}. ${SHAPES[type]?.label ?? type}`;

function shapeContent(facts, number) {
  const color = colorDot({
    value: facts.color,
    "data-shape-color": facts.id,
    title: colorTitle(number),
    disabled: facts.isLocked || facts.isReadOnly,
  });
  const opacity = attrs({
    value: facts.opacity,
    "data-opacity": facts.id,
    title: "Fill opacity",
    "aria-label": "Fill opacity",
  });
  const slider = `<input type="range" class="ed-opacity" min="0" max="1" step="0.05"${opacity}>`;
  const name =
    `<span class="ed-row-title" data-action="selectRow" data-id="${esc(facts.id)}">` +
    `${esc(shapeName(number, facts.type))}</span>`;
  const score = `<span class="ed-conf" title="Confidence">${facts.confidence.toFixed(2)}</span>`;
  const source = facts.source
    ? `<span class="ed-muted ed-row-source" title="Source">${esc(facts.source)}</span>`
    : "";
  return rowContent(facts, `${color}${name}${score}`, source + slider);
}

function renumberShape(element, { type }, number) {
  element.querySelector(".ed-row-title").textContent = shapeName(number, type);
  const color = element.querySelector("[data-shape-color]");
  color.title = colorTitle(number);
  color.ariaLabel = colorTitle(number);
}

const frameLabelContent = (facts) =>
  rowContent(facts, '<span class="ed-row-title">Frame label</span>');

const emptyRow = (text) => `<li class="ed-empty">${text}</li>`;
const list = (items, empty) => items.join("") || emptyRow(empty);

// Rows keyed by item id, each <li> kept while its item is listed. An update rewrites the inside
// of the rows whose facts changed, renumbers and (de)selects the others in place, inserts and
// removes the rows of added and deleted items and moves none that kept its place: selecting or
// editing one of a thousand shapes touches one or two rows. (Replacing a whole <li> makes the
// browser lay out the whole list again: about ten times the cost of rewriting its inside.) A
// list of all new items, another frame's, is built in one fragment.
function keyedRows(element, { empty, content, renumber = () => {} }) {
  let rows = new Map(); // id -> {key, facts, number, isSelected, element}
  const template = document.createElement("template");

  function update(store, items) {
    const next = new Map();
    const added = [];
    for (const [index, item] of items.entries()) {
      const facts = rowFacts(store, item);
      const key = JSON.stringify(facts);
      const number = index + 1;
      const isSelected = store.selected.has(item.id);
      // Ids are unique in a frame; were one not, its second row is keyed by place.
      const id = next.has(item.id) ? `${item.id}\n${index}` : item.id;
      let entry = rows.get(id);
      if (!entry) {
        entry = { key, facts, number, isSelected, element: null };
        added.push(entry);
      } else if (entry.key !== key) {
        Object.assign(entry, { key, facts, number, isSelected });
        entry.element.className = rowClass(facts, isSelected);
        entry.element.innerHTML = content(facts, number);
      } else {
        if (entry.number !== number) {
          entry.number = number;
          renumber(entry.element, facts, number);
        }
        if (entry.isSelected !== isSelected) {
          entry.isSelected = isSelected;
          entry.element.className = rowClass(facts, isSelected);
        }
      }
      next.set(id, entry);
    }
    if (added.length) {
      template.innerHTML = added
        .map(({ facts, number, isSelected }) => {
          const attributes = `class="${rowClass(facts, isSelected)}" data-id="${esc(facts.id)}"`;
          return `<li ${attributes}>${content(facts, number)}</li>`;
        })
        .join("");
      const parsed = [...template.content.children];
      for (const [index, entry] of added.entries()) entry.element = parsed[index];
    }
    if (!next.size) {
      element.innerHTML = emptyRow(empty);
    } else if (added.length === next.size) {
      element.replaceChildren(template.content);
    } else {
      for (const [id, entry] of rows) if (next.get(id) !== entry) entry.element.remove();
      let cursor = element.firstElementChild;
      for (const entry of next.values()) {
        if (entry.element === cursor) cursor = cursor.nextElementSibling;
        else element.insertBefore(entry.element, cursor);
      }
    }
    rows = next;
  }

  return { update };
}

export const shapeRows = (element) =>
  keyedRows(element, {
    empty: "No shapes yet: pick a tool (R, P, O, N, K, B) and draw.",
    content: shapeContent,
    renumber: renumberShape,
  });

export const frameLabelRows = (element) =>
  keyedRows(element, { empty: "None.", content: frameLabelContent });

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

// A FrameGroup's Grid button and a button a source (pressed: the one shown alone); else "".
export function sourceBarHtml({ record, sourceMode }, active) {
  const sources = record?.sources || [];
  if (sources.length < 2) return "";
  const tabs = sourceMode === "tabs";
  const pressed = (on) => ({ class: "ed-btn", "aria-pressed": String(on) });
  const grid = attrs({
    ...pressed(!tabs),
    "data-action": "sourceMode",
    "data-arg": "grid",
    title: "All sources side by side (Alt+0)",
  });
  const html = sources.map(({ id }, i) => {
    const values = {
      ...pressed(tabs && id === active),
      "data-action": "pickSource",
      "data-arg": i,
      title: `Source ${id} alone${i < 9 ? ` (Alt+${i + 1})` : ""}`,
    };
    return `<button type="button"${attrs(values)}>${esc(id)}</button>`;
  });
  return `<button type="button"${grid}>Grid</button>${html.join("")}`;
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
