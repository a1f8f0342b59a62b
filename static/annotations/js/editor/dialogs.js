// The metadata dialog and its JSON check.
export const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function parseMeta(text) {
  let value;
  try {
    value = JSON.parse(text.trim() || "{}");
  } catch (error) {
    const position = Number(/position (\d+)/.exec(error.message)?.[1] ?? text.length);
    const lines = text.slice(0, position).split("\n");
    const reason = error.message.replace(/ in JSON at position.*$/s, "");
    const where = `line ${lines.length}, column ${lines.at(-1).length + 1}`;
    return { error: `Invalid JSON at ${where}: ${reason}.`, position };
  }
  if (value && typeof value === "object" && !Array.isArray(value)) return { value };
  const kind = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
  const error = `Metadata must be a JSON object like {"key": "value"}; this is ${kind}.`;
  return { error, position: 0 };
}

// Resolves to the new object, or null when the dialog closes without a save.
export function editJson(dialog, { title, value, readOnly }) {
  const area = dialog.querySelector("textarea");
  const error = dialog.querySelector("[data-json-error]");
  const save = dialog.querySelector("[data-json-save]");
  dialog.querySelector("h2").textContent = title;
  area.value = JSON.stringify(value, null, 2);
  area.readOnly = !!readOnly;
  save.hidden = !!readOnly;
  error.textContent = "";
  dialog.showModal();
  area.focus();
  return new Promise((resolve) => {
    const onSave = (event) => {
      event.preventDefault();
      const parsed = parseMeta(area.value);
      if (!parsed.error) {
        resolve(parsed.value);
        dialog.close();
        return;
      }
      error.textContent = parsed.error;
      area.focus();
      area.setSelectionRange(parsed.position, parsed.position + 1);
    };
    const onClose = () => {
      save.removeEventListener("click", onSave);
      resolve(null);
    };
    save.addEventListener("click", onSave);
    dialog.addEventListener("close", onClose, { once: true });
  });
}
