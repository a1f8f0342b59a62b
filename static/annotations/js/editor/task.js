// Moving through a task: claim the next item, mark it done, go back through my items, open an
// item by position (the copy-link), and prefetch what comes next.
import { ApiError } from "./api.js";

const historyKey = (ed) => `hyperlabel-done:${ed.config.task}:${ed.config.user.id}`;

function localHistory(ed) {
  try {
    return JSON.parse(localStorage.getItem(historyKey(ed)) || "[]");
  } catch {
    return [];
  }
}

function remember(ed, position) {
  const positions = [...new Set([...localHistory(ed), position])].slice(-1000);
  localStorage.setItem(historyKey(ed), JSON.stringify(positions));
}

// Positions of the items this user finished: the page's list, plus those done since it loaded.
async function doneByMe(ed) {
  return [...new Set([...ed.config.donePositions, ...localHistory(ed)])].sort((a, b) => a - b);
}

const isMe = (ed, who) =>
  who != null && [ed.config.user.id, ed.config.user.username].includes(who?.id ?? who?.username ?? who);

export async function start(ed) {
  const requested = new URLSearchParams(location.search).get("position");
  if (requested !== null && /^\d+$/.test(requested)) return openPosition(ed, Number(requested));
  if (ed.config.taskCompleted) return openPosition(ed, 0);
  return claimNext(ed);
}

export async function claimNext(ed) {
  ed.busy("Claiming the next item…");
  try {
    const { status, data } = await ed.api.next();
    if (status === 204) return ed.finished();
    ed.show(data, "claim");
  } catch (error) {
    if (error.code !== "task_completed") return ed.fail(error);
    ed.setReadOnly(error.message || "This task is Completed, so it opens read-only.");
    return openPosition(ed, ed.state.item?.position ?? 0);
  }
}

export async function openPosition(ed, position) {
  ed.busy(`Opening item ${position + 1}…`);
  try {
    const item = await ed.api.item(position);
    const frames = await Promise.all(item.frames.map((key) => ed.api.frame(key)));
    const mode = item.status === "done" ? "review" : isMe(ed, item.claimed_by) ? "claim" : "view";
    ed.show({ ...item, frames }, mode);
  } catch (error) {
    ed.fail(error);
  }
}

export async function next(ed) {
  if (!(await ed.leave())) return;
  const { item, mode } = ed.state;
  if (ed.config.taskCompleted) {
    return item.position + 1 < ed.config.itemCount ? openPosition(ed, item.position + 1) : ed.finished();
  }
  if (mode === "claim" && !ed.state.readOnly) {
    try {
      await ed.api.done(item.position);
      remember(ed, item.position);
      ed.progress(1);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) return ed.toast(error.message);
    }
  }
  if (mode === "review") {
    const later = (await doneByMe(ed)).find((position) => position > item.position);
    if (later !== undefined) return openPosition(ed, later);
  }
  return claimNext(ed);
}

export async function previous(ed) {
  if (!(await ed.leave())) return;
  const current = ed.state.item;
  if (ed.config.taskCompleted) {
    return current.position > 0 ? openPosition(ed, current.position - 1) : ed.toast("This is the first item.");
  }
  const below = current && ed.state.mode === "review" ? current.position : Infinity;
  const earlier = (await doneByMe(ed)).filter((position) => position < below && position !== current?.position);
  if (!earlier.length) return ed.toast("No earlier item of yours in this task.");
  return openPosition(ed, earlier[earlier.length - 1]);
}

const preload = (url) => {
  if (url) new Image().src = url;
};

// Images of the other clip frames now, and the image of the item that probably comes next.
export async function prefetch(ed) {
  for (const record of ed.state.records) preload(record.imageUrl);
  const position = ed.state.item.position + 1;
  try {
    const item = await ed.api.item(position);
    if (item.status === "done" || !item.frames?.length) return;
    const frame = await ed.api.frame(item.frames[0]);
    preload(frame.image_url || frame.source.uri);
  } catch {
    // Nothing to prefetch (the end of the task, or an item not yet handed out).
  }
}
