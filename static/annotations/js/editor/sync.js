// Autosave of a frame: debounced PATCH with its revision, retries, a localStorage backup until
// the server has the change; on a 409 both versions stay until the user chooses.
import { mergeDocs, sameDoc, snapshot } from "./history.js";

export const docOf = (frame) => ({ rois: frame.rois, frame_labels: frame.frame_labels, meta: frame.meta });

export function createSaver({ record, save, storage, storageKey, onUpdate, delay = 500 }) {
  let [timer, inFlight, retry] = [0, null, 0];
  const set = (status, error = "") => onUpdate(Object.assign(record, { status, error }));
  const pending = () => record.changes !== record.savedChanges;
  const schedule = (ms) => [clearTimeout(timer), (timer = setTimeout(send, ms))];

  function saved(data, sent) {
    Object.assign(record, { revision: data.revision, base: snapshot(docOf(data)), savedChanges: sent });
    retry = 0;
    if (pending()) return [set("dirty"), schedule(0)];
    storage.removeItem(storageKey);
    set("saved");
  }

  function failed(error) {
    const { code, status, body, message } = error;
    if (code === "stale_revision") [(record.conflict = body.current), set("conflict", message)];
    else if (code === "version_published" || status === 403) set("readonly", message);
    else if (status === 400) {
      // Retrying cannot help: keep the change and its backup, say what was refused.
      const [field, why] = Object.entries(body?.errors || {})[0] || [];
      set("error", field ? `${field}: ${[].concat(why).join(" ")}` : message);
    } else {
      retry = Math.min(30000, retry * 2 || 1000);
      set("error", `${message} Retrying in ${retry / 1000} s.`);
      schedule(retry);
    }
  }

  function send() {
    clearTimeout(timer);
    if (inFlight || record.conflict || !pending() || record.status === "readonly") return inFlight || Promise.resolve();
    const sent = record.changes;
    set("saving");
    return (inFlight = save({ revision: record.revision, ...snapshot(record.doc) })
      .then(({ data }) => saved(data, sent), failed)
      .finally(() => (inFlight = null)));
  }

  return {
    changed() {
      record.changes += 1;
      try {
        storage.setItem(storageKey, JSON.stringify({ revision: record.revision, doc: record.doc }));
      } catch {
        // Storage full or off: the page still holds the change.
      }
      set("dirty");
      schedule(delay);
    },
    // Saves now: true once the server has everything.
    async flush() {
      for (let attempt = 0; attempt < 5; attempt++) {
        await send();
        if (record.conflict || ["error", "readonly"].includes(record.status)) return false;
        if (!pending() && !inFlight) return true;
      }
      return false;
    },
    // "theirs": the server's frame; "mine": my changes re-applied on top of it.
    resolve(choice) {
      const theirs = record.conflict;
      const doc = choice === "mine" ? mergeDocs(record.base, snapshot(record.doc), theirs) : snapshot(docOf(theirs));
      Object.assign(record, { doc, revision: theirs.revision, base: snapshot(docOf(theirs)), conflict: null });
      if (choice === "mine") return this.changed();
      record.savedChanges = record.changes;
      storage.removeItem(storageKey);
      set("saved");
    },
    // A backup the server never got (the page closed first): restore it, or show the clash.
    restore() {
      let backup = null;
      try {
        backup = JSON.parse(storage.getItem(storageKey));
      } catch {}
      if (!backup || sameDoc(backup.doc, record.doc)) return storage.removeItem(storageKey);
      if (backup.revision === record.revision) return [(record.doc = backup.doc), this.changed(), "restored"][2];
      Object.assign(record, { conflict: { ...snapshot(record.doc), revision: record.revision }, doc: backup.doc, base: null });
      set("conflict", "Unsaved changes from an earlier visit clash with a newer save.");
    },
    dispose: () => clearTimeout(timer),
  };
}
