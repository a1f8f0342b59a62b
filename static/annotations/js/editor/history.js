// Undo history and the three-way merge after a conflict; no DOM, so tests import it alone.
export const PARTS = ["rois", "frame_labels"];

export function createHistory(cap = 100) {
  const undo = [];
  const redo = [];
  function step(from, to, current) {
    if (!from.length) return null;
    to.push(current);
    return from.pop();
  }
  return {
    push(snapshot) {
      undo.push(snapshot);
      if (undo.length > cap) undo.shift();
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

export function snapshot(doc) {
  return structuredClone({ rois: doc.rois, frame_labels: doc.frame_labels, meta: doc.meta });
}

// Equal JSON values, whatever the order of keys (the server's).
export function same(a, b) {
  if (a === b) return true;
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  const keys = Object.keys(a);
  return (
    !Array.isArray(b) &&
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && same(a[key], b[key]))
  );
}

// Applies `change`, returning the state before; that shares the items left alone (a clone of
// a large frame costs more than the edit), so a change replaces arrays, never edits them.
export function changeDoc(doc, change) {
  const before = { ...doc };
  const originals = new Map();
  const copy = (item) => {
    const draft = { ...item };
    originals.set(draft, item);
    return draft;
  };
  const settle = (item) => {
    const old = originals.get(item);
    return old && same(old, item) ? old : item;
  };
  for (const part of PARTS) doc[part] = doc[part].map(copy);
  change(doc);
  for (const part of PARTS) doc[part] = doc[part].map(settle);
  return before;
}

export const sameDoc = (a, b) => same(snapshot(a), snapshot(b));

// By id, what I changed since `base` goes on top of theirs; without a base mine wins.
function mergeList(base, mine, theirs) {
  const old = new Map(base?.map((item) => [item.id, item]));
  const my = new Map(mine.map((item) => [item.id, item]));
  const changedByMe = (item) => !base || !old.has(item.id) || !same(item, old.get(item.id));
  const theirIds = new Set(theirs.map((item) => item.id));
  const kept = theirs
    .filter((item) => my.has(item.id) || !old.has(item.id)) // not deleted by me
    .map((item) => (my.has(item.id) && changedByMe(my.get(item.id)) ? my.get(item.id) : item));
  const added = mine.filter((item) => !theirIds.has(item.id) && changedByMe(item));
  return [...kept, ...added];
}

export function mergeDocs(base, mine, theirs) {
  return structuredClone({
    rois: mergeList(base?.rois, mine.rois, theirs.rois),
    frame_labels: mergeList(base?.frame_labels, mine.frame_labels, theirs.frame_labels),
    meta: !base || !same(base.meta, mine.meta) ? mine.meta : theirs.meta,
  });
}
