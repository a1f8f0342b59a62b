export function createHistory(cap = 100) {
  const [undo, redo] = [[], []];
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

// By id, what I changed since `base` goes on top of theirs; without a base mine wins.
function mergeList(base, mine, theirs) {
  const [old, my] = [new Map(base?.map((item) => [item.id, item])), new Map(mine.map((item) => [item.id, item]))];
  const changedByMe = (item) => !base || !old.has(item.id) || !same(item, old.get(item.id));
  const theirIds = new Set(theirs.map((item) => item.id));
  return [
    ...theirs
      .filter((item) => my.has(item.id) || !old.has(item.id)) // not deleted by me
      .map((item) => (my.has(item.id) && changedByMe(my.get(item.id)) ? my.get(item.id) : item)),
    ...mine.filter((item) => !theirIds.has(item.id) && changedByMe(item)),
  ];
}

export const mergeDocs = (base, mine, theirs) =>
  structuredClone({
    rois: mergeList(base?.rois, mine.rois, theirs.rois),
    frame_labels: mergeList(base?.frame_labels, mine.frame_labels, theirs.frame_labels),
    meta: !base || !same(base.meta, mine.meta) ? mine.meta : theirs.meta,
  });
