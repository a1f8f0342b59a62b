// Saving one frame: debounced, retried, and backed up in storage until the server has it.
import { mergeDocs, PARTS, same, sameDoc, snapshot } from "./history.js";
import { stored } from "./prefs.js";

const MAX_RETRY_MS = 30000;

// By id, what `items` changed (or added) and removed since `saved`; `ordered` when the server,
// which keeps its order and puts new ids last, would get the order of `items` from that edit.
function listEdit(saved, items) {
  const old = new Map(saved.map((item) => [item.id, item]));
  const ids = new Set(items.map((item) => item.id));
  const kept = saved.filter((item) => ids.has(item.id));
  return {
    changed: items.filter((item) => !same(item, old.get(item.id))),
    removed: saved.filter((item) => !ids.has(item.id)).map((item) => item.id),
    ordered: items.every((item, i) =>
      old.has(item.id) ? kept[i]?.id === item.id : i >= kept.length,
    ),
  };
}

// A save's body but the revision: what changed since `base` (the server's last answer) by id;
// the whole lists without a base, when edits would reorder, or when they are no smaller.
export function saveBody(base, { rois, frame_labels, meta }) {
  const whole = { rois, frame_labels, meta };
  if (!base) return whole;
  const body = { meta };
  let count = 0;
  for (const part of PARTS) {
    const { changed, removed, ordered } = listEdit(base[part], whole[part]);
    if (!ordered) return whole;
    count += changed.length;
    if (changed.length) body[`${part}_changed`] = changed;
    if (removed.length) body[`${part}_removed`] = removed;
  }
  return count < rois.length + frame_labels.length ? body : whole;
}

export function createSaver({ record, save, storage, storageKey, onUpdate, delay = 500 }) {
  let timer = 0;
  let inFlight = null;
  let retry = 0;

  function setStatus(status, error = "") {
    record.status = status;
    record.error = error;
    onUpdate(record);
  }

  const pending = () => record.changes !== record.savedChanges;

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(send, ms);
  }

  function clean() {
    storage.removeItem(storageKey);
    setStatus("saved");
  }

  function saved(data, sent) {
    const { revision, rois, frame_labels, meta } = data;
    Object.assign(record, { revision, base: { rois, frame_labels, meta }, savedChanges: sent });
    retry = 0;
    if (pending()) {
      setStatus("dirty");
      schedule(0);
    } else {
      clean();
    }
  }

  function failed(error) {
    const { code, status, body, message } = error;
    if (code === "stale_revision") {
      record.conflict = body.current;
      setStatus("conflict", message);
    } else if (code === "version_published" || status === 403) {
      setStatus("readonly", message);
    } else if (status === 400 || code === "roi_locked") {
      // Retrying cannot help: keep the change and its backup.
      const [field, why] = Object.entries(body?.errors || {})[0] || [];
      setStatus("error", field ? `${field}: ${[].concat(why).join(" ")}` : message);
    } else {
      retry = Math.min(MAX_RETRY_MS, retry * 2 || 1000);
      setStatus("error", `${message} Retrying in ${retry / 1000} s.`);
      schedule(retry);
    }
  }

  function send() {
    clearTimeout(timer);
    if (inFlight) return inFlight;
    if (record.conflict || !pending() || record.status === "readonly") return Promise.resolve();
    const sent = record.changes;
    setStatus("saving");
    inFlight = save({ revision: record.revision, ...saveBody(record.base, record.doc) })
      .then(({ data }) => saved(data, sent), failed)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  return {
    changed() {
      record.changes += 1;
      try {
        storage.setItem(storageKey, JSON.stringify({ revision: record.revision, doc: record.doc }));
      } catch {
        // The page still holds the change.
      }
      setStatus("dirty");
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
      const doc =
        choice === "mine" ? mergeDocs(record.base, snapshot(record.doc), theirs) : snapshot(theirs);
      Object.assign(record, {
        doc,
        revision: theirs.revision,
        base: snapshot(theirs),
        conflict: null,
      });
      if (choice === "mine") {
        this.changed();
        return;
      }
      record.savedChanges = record.changes;
      clean();
    },
    // The server's frame replaces the document (a restored revision).
    replace(frame) {
      Object.assign(record, {
        doc: snapshot(frame),
        revision: frame.revision,
        base: snapshot(frame),
        conflict: null,
        savedChanges: record.changes,
      });
      clean();
    },
    // "restored" when a backup of this revision was put back.
    restore() {
      const backup = stored(storage, storageKey, null);
      if (!backup || sameDoc(backup.doc, record.doc)) {
        storage.removeItem(storageKey);
        return;
      }
      if (backup.revision === record.revision) {
        record.doc = backup.doc;
        this.changed();
        return "restored";
      }
      const mine = { ...snapshot(record.doc), revision: record.revision };
      Object.assign(record, { conflict: mine, doc: backup.doc, base: null });
      setStatus("conflict", "Unsaved changes from an earlier visit clash with a newer save.");
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
