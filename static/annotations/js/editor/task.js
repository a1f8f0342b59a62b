// Moving through the task: claim, open by position, mark done, and the records of an item.
import { createHistory, snapshot } from "./history.js";
import { stored } from "./prefs.js";
import { addLabels, allItems, invalidate, isUnsaved, setReadOnly } from "./store.js";
import { createSaver } from "./sync.js";

const DONE_KEPT = 1000;
const historyKey = (config) => `hyperlabel-done:${config.task}:${config.user.id}`;

// The page's list plus those done since.
function doneByMe(config) {
  const done = new Set([...config.donePositions, ...stored(localStorage, historyKey(config), [])]);
  return [...done].sort((a, b) => a - b);
}

export function start(store, editor) {
  const requested = new URLSearchParams(location.search).get("position");
  if (/^\d+$/.test(requested || "")) return openPosition(store, editor, Number(requested));
  if (editor.config.taskCompleted) return openPosition(store, editor, 0);
  return claimNext(store, editor);
}

async function claimNext(store, editor) {
  editor.busy("Claiming the next item…");
  try {
    const { status, data } = await editor.api.next();
    if (status === 204) finished(store, editor);
    else showItem(store, editor, data, "claim");
  } catch (error) {
    if (error.code !== "task_completed") {
      editor.busy(`Could not load: ${error.message}`);
      return;
    }
    editor.config.taskCompleted = true;
    editor.config.readOnly = error.message;
    setReadOnly(store, error.message);
    return openPosition(store, editor, store.item?.position ?? 0);
  }
}

async function openPosition(store, editor, position) {
  editor.busy(`Opening item ${position + 1}…`);
  try {
    const item = await editor.api.item(position);
    const frames = await Promise.all(item.frames.map((key) => editor.api.frame(key)));
    const mine = item.claimed_by === editor.config.user.username;
    const mode = item.status === "done" ? "review" : mine ? "claim" : "view";
    showItem(store, editor, { ...item, frames }, mode);
  } catch (error) {
    editor.busy(`Could not open item ${position + 1}: ${error.message}`);
  }
}

function finished(store, editor) {
  for (const record of store.records) record.saver.dispose();
  store.records = [];
  store.item = null;
  editor.dataset.item = "finished";
  editor.busy(editor.$("finished").innerHTML, true);
  editor.showFrame(0);
}

function createRecord(store, editor, frame) {
  const record = {
    ...frame.source,
    sources: frame.sources?.length ? frame.sources : [{ id: "default", ...frame.source }],
    key: frame.id,
    context_id: frame.context_id,
    timestamp: frame.timestamp,
    revision: frame.revision,
    imageUrl: frame.image_url || frame.source.uri,
    doc: snapshot(frame),
    base: snapshot(frame),
    history: createHistory(),
    changes: 0,
    savedChanges: 0,
    status: "saved",
  };
  record.saver = createSaver({
    record,
    save: (body) => editor.api.saveFrame(record.key, body),
    storage: localStorage,
    storageKey: `hyperlabel-frame:${editor.config.version}:${record.key}`,
    onUpdate: () => {
      if (record.status === "readonly" && !store.readOnly) setReadOnly(store, record.error);
      // A resolved conflict or restored backup replaced the document.
      if (record === store.record && record.doc !== store.shownDoc) {
        store.shownDoc = record.doc;
        invalidate(store, "shapes", "panel");
      }
      invalidate(store, "chrome");
      if (record.status === "saved" && record === store.record) editor.loadHistory();
    },
  });
  return record;
}

// Annotators change only their own held or finished items; the server refuses the rest too.
function itemReadOnly({ config }, item, mode) {
  const me = config.user.username;
  if (config.readOnly || config.canSaveAny) return config.readOnly;
  const number = item.position + 1;
  if (mode === "view") {
    const who = item.claimed_by ? `held by ${item.claimed_by}` : "not handed out to you";
    return `Read-only: item ${number} is ${who}.`;
  }
  if (mode === "review" && item.done_by !== me) {
    return `Read-only: item ${number} was finished by ${item.done_by || "someone else"}.`;
  }
  return "";
}

// Exported for bench_editor, which times opening a frame.
export function showItem(store, editor, item, mode) {
  for (const record of store.records) record.saver.dispose();
  setReadOnly(store, itemReadOnly(editor, item, mode));
  Object.assign(store, { item, mode, drawing: null, pending: null, hoverId: null });
  store.records = item.frames.map((frame) => createRecord(store, editor, frame));
  store.hidden.clear();
  for (const frame of item.frames)
    addLabels(
      store,
      allItems(frame).flatMap((a) => a.labels),
    );
  for (const record of store.records) {
    if (record.saver.restore() === "restored") {
      editor.toast(`Restored unsaved changes to frame ${record.key}; saving them.`);
    }
  }
  editor.$("message").hidden = true;
  const url = new URL(location);
  url.searchParams.set("position", item.position);
  history.replaceState(null, "", url);
  const of = editor.config.itemCount ? ` of ${editor.config.itemCount}` : "";
  const done = mode === "review" ? " (done)" : "";
  editor.$("position").textContent = `Item ${item.position + 1}${of}${done}`;
  editor.showFrame(0);
  editor.fit();
  editor.dataset.item = item.position;
  prefetch(store, editor);
}

// Saves every frame first; false, with a toast, when one cannot be saved.
export async function leave(store, editor) {
  const { records } = store;
  const results = await Promise.all(records.map((record) => record.saver.flush()));
  const stuck = records.find((record, i) => !results[i] && record.status !== "readonly");
  if (stuck) {
    const why = stuck.error || stuck.status;
    editor.toast(`Not moving on: frame ${stuck.key} is not saved (${why}).`, "error");
  }
  return !stuck;
}

export function hasUnsavedChanges(store) {
  return store.records.some(isUnsaved);
}

async function markDone(editor, item) {
  await editor.api.done(item.position);
  const done = [...doneByMe(editor.config), item.position].slice(-DONE_KEPT);
  localStorage.setItem(historyKey(editor.config), JSON.stringify(done));
  const bar = editor.$("progress");
  bar.value = Math.min(bar.max, bar.value + item.frames.length);
  editor.$("progress-text").textContent = `${bar.value} / ${bar.max} frames done`;
}

// In my finished items Next goes on, then back to my claim.
export async function next(store, editor) {
  if (!(await leave(store, editor))) return;
  const { config } = editor;
  const { item, mode } = store;
  if (config.taskCompleted) {
    if (item && item.position + 1 < config.itemCount) {
      return openPosition(store, editor, item.position + 1);
    }
    return finished(store, editor);
  }
  if (mode === "claim" && !store.readOnly) {
    try {
      await markDone(editor, item);
    } catch (error) {
      if (error.status !== 409) return editor.toast(error.message, "error");
    }
  }
  const later = mode === "review" && doneByMe(config).find((position) => position > item.position);
  return later ? openPosition(store, editor, later) : claimNext(store, editor);
}

export async function previous(store, editor) {
  if (!(await leave(store, editor))) return;
  const current = store.item;
  if (editor.config.taskCompleted) {
    if (current?.position > 0) return openPosition(store, editor, current.position - 1);
    return editor.toast("This is the first item.");
  }
  const below = current && store.mode === "review" ? current.position : Infinity;
  const earlier = doneByMe(editor.config).filter(
    (position) => position < below && position !== current?.position,
  );
  if (!earlier.length) return editor.toast("No earlier item of yours in this task.");
  openPosition(store, editor, earlier.at(-1));
}

// The held item goes back to the queue for others; this user never gets it again.
export async function skip(store, editor) {
  const { item, mode } = store;
  if (!item || mode !== "claim" || editor.config.taskCompleted) {
    return editor.toast("Only an item you hold can be skipped.");
  }
  if (!(await leave(store, editor))) return;
  try {
    await editor.api.skip(item.position);
  } catch (error) {
    return editor.toast(error.message, "error");
  }
  editor.toast(`Item ${item.position + 1} skipped; it goes to someone else.`);
  return claimNext(store, editor);
}

async function prefetch(store, editor) {
  const preload = (url) => {
    if (url) new Image().src = url;
  };
  for (const record of store.records) {
    preload(record.imageUrl);
    for (const source of record.sources.slice(1)) preload(source.image_url);
  }
  try {
    const item = await editor.api.item(store.item.position + 1);
    if (item.status !== "done") {
      const frame = await editor.api.frame(item.frames[0]);
      for (const source of frame.sources || [frame]) preload(source.image_url);
    }
  } catch {
    // The end of the task.
  }
}
