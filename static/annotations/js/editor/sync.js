// The storage backup stays until the server has the change.
import { mergeDocs, sameDoc, snapshot } from "./history.js";

export function stored(storage, key, fallback) {
  try {
    return JSON.parse(storage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function createSaver({ record, save, storage, storageKey, onUpdate, delay = 500 }) {
  let [timer, inFlight, retry] = [0, null, 0];
  const set = (status, error = "") => onUpdate(Object.assign(record, { status, error }));
  const pending = () => record.changes !== record.savedChanges;
  const schedule = (ms) => [clearTimeout(timer), (timer = setTimeout(send, ms))];
  const clean = () => [storage.removeItem(storageKey), set("saved")];

  function saved(data, sent) {
    Object.assign(record, { revision: data.revision, base: snapshot(data), savedChanges: sent });
    retry = 0;
    if (pending()) return [set("dirty"), schedule(0)];
    clean();
  }

  function failed(error) {
    const { code, status, body, message } = error;
    if (code === "stale_revision") [(record.conflict = body.current), set("conflict", message)];
    else if (code === "version_published" || status === 403) set("readonly", message);
    else if (status === 400) {
      // Retrying cannot help: keep the change and its backup.
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
        // The page still holds the change.
      }
      set("dirty");
      schedule(delay);
    },
    async flush() {
      for (let attempt = 0; attempt < 5; attempt++) {
        await send();
        if (record.conflict || ["error", "readonly"].includes(record.status)) return false;
        if (!pending() && !inFlight) return true;
      }
      return false;
    },
    resolve(choice) {
      const theirs = record.conflict;
      const doc = choice === "mine" ? mergeDocs(record.base, snapshot(record.doc), theirs) : snapshot(theirs);
      Object.assign(record, { doc, revision: theirs.revision, base: snapshot(theirs), conflict: null });
      if (choice === "mine") return this.changed();
      record.savedChanges = record.changes;
      clean();
    },
    restore() {
      const backup = stored(storage, storageKey, null);
      if (!backup || sameDoc(backup.doc, record.doc)) return storage.removeItem(storageKey);
      if (backup.revision === record.revision) return [(record.doc = backup.doc), this.changed(), "restored"][2];
      Object.assign(record, { conflict: { ...snapshot(record.doc), revision: record.revision }, doc: backup.doc, base: null });
      set("conflict", "Unsaved changes from an earlier visit clash with a newer save.");
    },
    dispose: () => clearTimeout(timer),
  };
}
