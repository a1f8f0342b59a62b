// Autosave of one frame: debounced PATCH with the frame's revision, retries, a localStorage
// backup until the server has the change, and a 409 that keeps both versions until chosen.
import { mergeDocs, sameDoc, snapshot } from "./history.js";

export const docOf = (frame) => ({
  rois: frame.rois,
  frame_labels: frame.frame_labels,
  meta: frame.meta,
});

export function createSaver({ record, save, storage, storageKey, onUpdate, delay = 500 }) {
  let timer = 0;
  let inFlight = null;
  let retryDelay = 0;

  const set = (status, error = "") => {
    Object.assign(record, { status, error });
    onUpdate(record);
  };
  const pending = () => record.changes !== record.savedChanges;
  const schedule = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(send, ms);
  };

  function backup() {
    try {
      const data = { revision: record.revision, doc: snapshot(record.doc), at: Date.now() };
      storage.setItem(storageKey, JSON.stringify(data));
    } catch {
      // Storage full or disabled: the page still holds the change and keeps retrying.
    }
  }

  function saved(data, sent) {
    record.revision = data.revision;
    record.base = snapshot(docOf(data));
    record.savedChanges = sent;
    retryDelay = 0;
    if (pending()) {
      set("dirty");
      schedule(0);
    } else {
      storage.removeItem(storageKey);
      set("saved");
    }
  }

  function failed(error) {
    if (error.code === "stale_revision") {
      record.conflict = error.body.current;
      set("conflict", error.message);
    } else if (error.code === "version_published" || error.status === 403) {
      set("readonly", error.message);
    } else if (error.status === 400) {
      const detail = Object.entries(error.body?.errors || {})[0];
      set("error", detail ? `${detail[0]}: ${detail[1]}` : error.message);
    } else {
      retryDelay = Math.min(30000, retryDelay ? retryDelay * 2 : 1000);
      set("error", `${error.message} Retrying in ${retryDelay / 1000} s.`);
      schedule(retryDelay);
    }
  }

  function send() {
    clearTimeout(timer);
    if (inFlight) return inFlight;
    if (record.conflict || !pending() || record.status === "readonly") return Promise.resolve();
    const sent = record.changes;
    set("saving");
    inFlight = save({ revision: record.revision, ...snapshot(record.doc) })
      .then(({ data }) => saved(data, sent), failed)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  return {
    changed() {
      record.changes += 1;
      backup();
      set("dirty");
      schedule(delay);
    },
    // Saves now; true once the server has every change, false on error or conflict.
    async flush() {
      for (let attempt = 0; attempt < 5; attempt++) {
        await send();
        if (record.conflict || ["error", "readonly"].includes(record.status)) return false;
        if (!pending() && !inFlight) return true;
      }
      return false;
    },
    // After a conflict: "theirs" takes the server's frame, "mine" re-applies my changes on top.
    resolve(choice) {
      const theirs = record.conflict;
      const mine = snapshot(record.doc);
      record.doc = choice === "mine" ? mergeDocs(record.base, mine, theirs) : snapshot(docOf(theirs));
      Object.assign(record, { revision: theirs.revision, base: snapshot(docOf(theirs)), conflict: null });
      if (choice === "mine") return this.changed();
      record.savedChanges = record.changes;
      storage.removeItem(storageKey);
      set("saved");
    },
    // A backup left by an earlier page that the server never got: restore it, or show a conflict.
    restore() {
      let data = null;
      try {
        data = JSON.parse(storage.getItem(storageKey) || "null");
      } catch {
        data = null;
      }
      if (!data || sameDoc(data.doc, record.doc)) return storage.removeItem(storageKey);
      if (data.revision === record.revision) {
        record.doc = data.doc;
        this.changed();
        return "restored";
      }
      record.conflict = { ...snapshot(record.doc), revision: record.revision };
      record.doc = data.doc;
      record.base = null;
      set("conflict", "Unsaved changes from an earlier visit clash with a newer save.");
      return "conflict";
    },
    dispose: () => clearTimeout(timer),
  };
}
