export const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function parseMeta(text) {
  let value;
  try {
    value = JSON.parse(text.trim() || "{}");
  } catch (error) {
    const position = Number(/position (\d+)/.exec(error.message)?.[1] ?? text.length);
    const lines = text.slice(0, position).split("\n");
    const reason = error.message.replace(/ in JSON at position.*$/s, "");
    return { error: `Invalid JSON at line ${lines.length}, column ${lines.at(-1).length + 1}: ${reason}.`, position };
  }
  if (value && typeof value === "object" && !Array.isArray(value)) return { value };
  const kind = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
  return { error: `Metadata must be a JSON object like {"key": "value"}; this is ${kind}.`, position: 0 };
}

export function editJson(dialog, { title, value, readOnly }) {
  const [area, error, save, heading] = ["textarea", "[data-json-error]", "[data-json-save]", "h2"].map((s) => dialog.querySelector(s));
  [heading.textContent, area.value, area.readOnly, save.hidden, error.textContent] = [title, JSON.stringify(value, null, 2), !!readOnly, !!readOnly, ""];
  dialog.showModal();
  area.focus();
  return new Promise((resolve) => {
    const onSave = (event) => {
      event.preventDefault();
      const parsed = parseMeta(area.value);
      if (!parsed.error) return [resolve(parsed.value), dialog.close()];
      error.textContent = parsed.error;
      area.focus();
      area.setSelectionRange(parsed.position, parsed.position + 1);
    };
    save.addEventListener("click", onSave);
    dialog.addEventListener("close", () => [save.removeEventListener("click", onSave), resolve(null)], { once: true });
  });
}
