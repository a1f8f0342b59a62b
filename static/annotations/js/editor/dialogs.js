// The JSON metadata popup and the shortcut sheet (both <dialog> elements in the template).
import { helpRows } from "./keymap.js";

export const esc = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Checks metadata text: an object, or an error saying what is wrong and where.
export function parseMeta(text) {
  let value;
  try {
    value = JSON.parse(text.trim() || "{}");
  } catch (error) {
    const match = /position (\d+)/.exec(error.message);
    const position = match ? Number(match[1]) : text.length;
    const before = text.slice(0, position).split("\n");
    const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
    const reason = error.message.replace(/ in JSON at position.*$/s, "").replace(/^JSON\.parse: /, "");
    return { error: `Invalid JSON at ${where}: ${reason}.`, position };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    return { error: `Metadata must be a JSON object like {"key": "value"}; this is ${kind}.`, position: 0 };
  }
  return { value };
}

// Opens the dialog on `value`; resolves with the new object, or null when cancelled.
export function editJson(dialog, { title, value, readOnly }) {
  const area = dialog.querySelector("textarea");
  const error = dialog.querySelector("[data-json-error]");
  const saveButton = dialog.querySelector("[data-json-save]");
  dialog.querySelector("[data-json-title]").textContent = title;
  area.value = JSON.stringify(value ?? {}, null, 2);
  area.readOnly = Boolean(readOnly);
  saveButton.hidden = Boolean(readOnly);
  error.textContent = "";
  dialog.showModal();
  area.focus();
  return new Promise((resolve) => {
    const finish = (result) => {
      dialog.removeEventListener("close", onClose);
      saveButton.removeEventListener("click", onSave);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    const onClose = () => finish(null);
    const onSave = (event) => {
      event.preventDefault();
      const parsed = parseMeta(area.value);
      if (parsed.error) {
        error.textContent = parsed.error;
        area.focus();
        area.setSelectionRange(parsed.position, parsed.position + 1);
        return;
      }
      finish(parsed.value);
    };
    dialog.addEventListener("close", onClose);
    saveButton.addEventListener("click", onSave);
  });
}

export function fillHelp(dialog) {
  dialog.querySelector("tbody").innerHTML = helpRows()
    .map(([combo, description]) => `<tr><td><kbd>${esc(combo)}</kbd></td><td>${esc(description)}</td></tr>`)
    .join("");
}
