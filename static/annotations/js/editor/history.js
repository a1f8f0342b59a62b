// Undo/redo of a frame's annotations, and the merge behind "re-apply mine". No DOM here.
export function createHistory(cap = 100) {
  const [undo, redo] = [[], []];
  // undo(current) and redo(current) take the state being left and give the one to show.
  const step = (from, to, current) => (from.length ? (to.push(current), from.pop()) : null);
  return {
    push(snapshot) {
      if (undo.push(snapshot) > cap) undo.shift();
      redo.length = 0;
    },
    undo: (current) => step(undo, redo, current),
    redo: (current) => step(redo, undo, current),
    get canUndo() {
      return undo.length > 0;
    },
    get canRedo() {
      return redo.length > 0;
    },
  };
}

export const snapshot = (doc) => structuredClone({ rois: doc.rois, frame_labels: doc.frame_labels, meta: doc.meta });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export const sameDoc = (a, b) => same(snapshot(a), snapshot(b));

// Three-way merge by id: what I added, changed or deleted since `base` is applied on top of
// `theirs`; what I did not touch stays as they left it. Without a base, mine wins by id.
function mergeList(base, mine, theirs) {
  const old = new Map((base || []).map((item) => [item.id, item]));
  const mineById = new Map(mine.map((item) => [item.id, item]));
  const changedByMe = (item) => !base || !old.has(item.id) || !same(item, old.get(item.id));
  const merged = theirs
    .filter((item) => mineById.has(item.id) || !(base && old.has(item.id))) // deleted by me
    .map((item) => (mineById.has(item.id) && changedByMe(mineById.get(item.id)) ? mineById.get(item.id) : item));
  const theirIds = new Set(theirs.map((item) => item.id));
  // Added by me, or changed by me after they deleted it.
  return [...merged, ...mine.filter((item) => !theirIds.has(item.id) && changedByMe(item))];
}

export const mergeDocs = (base, mine, theirs) =>
  structuredClone({
    rois: mergeList(base?.rois, mine.rois, theirs.rois),
    frame_labels: mergeList(base?.frame_labels, mine.frame_labels, theirs.frame_labels),
    meta: !base || !same(base.meta, mine.meta) ? mine.meta : theirs.meta,
  });
