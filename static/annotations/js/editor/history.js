// Undo/redo of a frame's annotations and the merge behind "re-apply mine". No DOM here.
export function createHistory(cap = 100) {
  const undoStack = [];
  const redoStack = [];
  return {
    // Call before a change, with a snapshot of the state it replaces.
    push(snapshot) {
      undoStack.push(snapshot);
      if (undoStack.length > cap) undoStack.shift();
      redoStack.length = 0;
    },
    undo(current) {
      if (!undoStack.length) return null;
      redoStack.push(current);
      return undoStack.pop();
    },
    redo(current) {
      if (!redoStack.length) return null;
      undoStack.push(current);
      return redoStack.pop();
    },
    get canUndo() {
      return undoStack.length > 0;
    },
    get canRedo() {
      return redoStack.length > 0;
    },
  };
}

export const snapshot = (doc) =>
  structuredClone({ rois: doc.rois, frame_labels: doc.frame_labels, meta: doc.meta });

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Three-way merge by annotation id: my additions, edits and deletions since `base`, applied on
// top of `theirs`; what I did not touch stays as they left it. Without a base, mine wins by id.
function mergeList(base, mine, theirs) {
  const baseById = new Map((base || []).map((item) => [item.id, item]));
  const mineById = new Map(mine.map((item) => [item.id, item]));
  const merged = [];
  for (const item of theirs) {
    const my = mineById.get(item.id);
    const deletedByMe = base && baseById.has(item.id) && !my;
    if (deletedByMe) continue;
    const changedByMe = my && (!base || !baseById.has(item.id) || !same(my, baseById.get(item.id)));
    merged.push(changedByMe ? my : item);
  }
  const theirIds = new Set(theirs.map((item) => item.id));
  for (const item of mine) {
    if (theirIds.has(item.id)) continue;
    const old = base && baseById.get(item.id);
    // Added by me, or edited by me after they deleted it: my edit wins.
    if (!old || !same(old, item)) merged.push(item);
  }
  return merged;
}

export function mergeDocs(base, mine, theirs) {
  const metaChanged = !base || !same(base.meta, mine.meta);
  return structuredClone({
    rois: mergeList(base?.rois, mine.rois, theirs.rois),
    frame_labels: mergeList(base?.frame_labels, mine.frame_labels, theirs.frame_labels),
    meta: metaChanged ? mine.meta : theirs.meta,
  });
}

export const sameDoc = (a, b) => same(snapshot(a), snapshot(b));
