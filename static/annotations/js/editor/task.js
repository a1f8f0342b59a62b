import { stored } from "./sync.js";

const historyKey = ({ config }) => `hyperlabel-done:${config.task}:${config.user.id}`;
// The page's list plus those done since.
const doneByMe = (editor) => [...new Set([...editor.config.donePositions, ...stored(localStorage, historyKey(editor), [])])].sort((a, b) => a - b);

export function start(editor) {
  const requested = new URLSearchParams(location.search).get("position");
  if (/^\d+$/.test(requested || "")) return openPosition(editor, Number(requested));
  return editor.config.taskCompleted ? openPosition(editor, 0) : claimNext(editor);
}

async function claimNext(editor) {
  editor.busy("Claiming the next item…");
  try {
    const { status, data } = await editor.api.next();
    return status === 204 ? finished(editor) : editor.show(data, "claim");
  } catch (error) {
    if (error.code !== "task_completed") return editor.busy(`Could not load: ${error.message}`);
    editor.config.taskCompleted = true;
    editor.setReadOnly(error.message);
    return openPosition(editor, editor.state.item?.position ?? 0);
  }
}

async function openPosition(editor, position) {
  editor.busy(`Opening item ${position + 1}…`);
  try {
    const item = await editor.api.item(position);
    const frames = await Promise.all(item.frames.map((key) => editor.api.frame(key)));
    const mine = item.claimed_by === editor.config.user.username;
    editor.show({ ...item, frames }, item.status === "done" ? "review" : mine ? "claim" : "view");
  } catch (error) {
    editor.busy(`Could not open item ${position + 1}: ${error.message}`);
  }
}

function finished(editor) {
  for (const record of editor.state.records) record.saver.dispose();
  Object.assign(editor.state, { records: [], item: null });
  editor.dataset.item = "finished";
  editor.busy(editor.$("finished").innerHTML, true);
  editor.goFrame(0);
}

// In my finished items Next goes on, then back to my claim.
export async function next(editor) {
  if (!(await editor.leave())) return;
  const { config, state } = editor;
  const { item, mode } = state;
  if (config.taskCompleted) return item && item.position + 1 < config.itemCount ? openPosition(editor, item.position + 1) : finished(editor);
  if (mode === "claim" && !state.readOnly) {
    try {
      await editor.api.done(item.position);
      localStorage.setItem(historyKey(editor), JSON.stringify([...doneByMe(editor), item.position].slice(-1000)));
      const bar = editor.$("progress");
      bar.value = Math.min(bar.max, bar.value + item.frames.length);
      editor.$("progress-text").textContent = `${bar.value} / ${bar.max} frames done`;
    } catch (error) {
      if (error.status !== 409) return editor.toast(error.message, "error");
    }
  }
  const later = mode === "review" && doneByMe(editor).find((position) => position > item.position);
  return later ? openPosition(editor, later) : claimNext(editor);
}

export async function previous(editor) {
  if (!(await editor.leave())) return;
  const current = editor.state.item;
  if (editor.config.taskCompleted) return current?.position > 0 ? openPosition(editor, current.position - 1) : editor.toast("This is the first item.");
  const below = current && editor.state.mode === "review" ? current.position : Infinity;
  const earlier = doneByMe(editor).filter((position) => position < below && position !== current?.position);
  if (!earlier.length) return editor.toast("No earlier item of yours in this task.");
  openPosition(editor, earlier.at(-1));
}

export async function prefetch(editor) {
  const preload = (url) => (new Image().src = url);
  editor.state.records.forEach((record) => preload(record.imageUrl));
  try {
    const item = await editor.api.item(editor.state.item.position + 1);
    if (item.status !== "done") preload((await editor.api.frame(item.frames[0])).image_url);
  } catch {
    // The end of the task.
  }
}
