"""A frame save that names the annotations it changes and removes, by id, instead of resending
every one: a frame of a thousand polygons saves one edit by writing one row.

The outcome is the full replace's (`frame_write`) with the same lists merged in: the same
checks, locks, history and answer; only the rows written differ. A changed annotation keeps its
place in the drawing order; one with a new id is added after the others.
"""

from dataclasses import dataclass, field

from datasets.models import Version
from frames.labels import labels_changed
from frames.models import Frame, Roi
from frames.selectors import annotation_values_as_dict
from frames.sql import annotations_of_frames, delete_rois
from frames.validation import (
    MAX_ANNOTATIONS,
    MAX_UID_LENGTH,
    FieldError,
    clean_annotation,
    clean_meta,
    clean_text,
    source_sizes,
)

from .rows import insert_annotations
from .writes import FrameWrite, check_revision, compare_annotations, copy_frame, split_parts


@dataclass
class Edit:
    """What a save does to one part (ROIs or frame labels): annotations changed or added, and
    ids removed."""

    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)


def frame_patch(
    *,
    version: Version,
    frame: Frame,
    revision: int,
    user=None,
    rois: Edit | None = None,
    frame_labels: Edit | None = None,
    meta=None,
    enforce_locks: bool = True,
) -> FrameWrite:
    """Apply the edits of the parts given (None keeps a part), and replace `meta` when given,
    when `revision` is still current.

    As `frame_write`: the caller holds the version's and the frame's locks; answers what was
    written, the change and the state to record: each edited part as its edit (`rois_edit`),
    which `annotations.selectors.frame_revision_state` replays onto the last whole list.
    """
    check_revision(frame, revision)
    old = annotations_of_frames([frame.pk], stored=True).get(frame.pk, [])
    parts = dict(zip(PARTS, split_parts(old), strict=True))
    edits = dict(zip(PARTS, (rois, frame_labels), strict=True))
    change, state, written, gone = {}, {}, [], []
    try:
        if meta is not None:
            meta = clean_meta(meta, "meta")
            change["meta"], state["meta"] = meta != frame.meta, meta
        for name, edit in edits.items():
            if edit is None:
                continue
            before = parts[name]
            other = next(part for part in PARTS if part != name)
            changed, removed = _clean_edit(name, edit, before, parts[other], frame)
            parts[name] = _merged(before, changed, removed)
            change[name] = compare_annotations(
                frame.key, before, parts[name], enforce_locks=enforce_locks
            )
            # The history keeps the edit, not the whole list again (a thousand polygons).
            state[f"{name}_edit"] = {
                "changed": [annotation_values_as_dict(a) for a in changed],
                "removed": sorted(removed),
            }
            uids = {a["uid"] for a in changed}
            written.extend(a for a in parts[name] if a["uid"] in uids)
            gone.extend(a["id"] for a in before if a["uid"] in uids or a["uid"] in removed)
    except FieldError as error:
        raise error.as_validation_error() from None
    new = parts["rois"] + parts["frame_labels"]
    _check_count(new, rois is not None)
    first_state = _first_state(frame, old) if frame.revision == 1 else None
    if frame.version_id != version.pk:
        frame = copy_frame(frame, version, new)  # copy-on-write: the copy holds the result
    else:
        delete_rois(frame.pk, gone, version_id=version.pk)
        insert_annotations([(frame.pk, written)], version_id=version.pk)
    if meta is not None:
        frame.meta = meta
    frame.annotation_count = len(new)
    frame.revision += 1
    frame.updated_by = user
    frame.save(update_fields=["meta", "annotation_count", "revision", "updated_at", "updated_by"])
    frame.annotations = new  # the answer shows what was written, not read back
    return FrameWrite(
        frame=frame,
        change=change,
        state=state,
        before=first_state,
        labels=labels_changed(old, new),
    )


PARTS = ("rois", "frame_labels")
PART_TYPES = {"rois": None, "frame_labels": Roi.Type.FRAME}


def _clean_edit(
    name: str, edit: Edit, current: list[dict], other: list[dict], frame: Frame
) -> tuple[list[dict], set[str]]:
    """The changed annotations, checked as a full save checks them, and the ids removed: each
    must exist, and not be changed as well. An id is unique across the frame, so a changed one
    may not be an id of the other part."""
    for where, items in ((f"{name}_changed", edit.changed), (f"{name}_removed", edit.removed)):
        if len(items) > MAX_ANNOTATIONS:
            raise FieldError(
                where,
                f"At most {MAX_ANNOTATIONS:,} items; got {len(items):,}.",
                code="too_many_annotations",
            )
    existing = {a["uid"] for a in current}
    removed = set()
    for index, uid in enumerate(edit.removed):
        where = f"{name}_removed[{index}]"
        uid = clean_text(uid, where, max_length=MAX_UID_LENGTH, what="An annotation id")
        if uid not in existing:
            raise FieldError(where, f"Frame “{frame.key}” has no annotation “{uid}” in {name}.")
        removed.add(uid)
    seen = {a["uid"] for a in other}
    sizes = source_sizes(frame.sources, frame.width, frame.height)
    cleaned = []
    for index, item in enumerate(edit.changed):
        where = f"{name}_changed[{index}]"
        annotation = clean_annotation(
            item,
            roi_type=PART_TYPES[name],
            field=where,
            seen=seen,
            sizes=sizes,
        )
        if annotation["uid"] in removed:
            raise FieldError(
                f"{where}.id", f"Annotation “{annotation['uid']}” is both changed and removed."
            )
        cleaned.append(annotation)
    return cleaned, removed


def _merged(current: list[dict], changed: list[dict], removed: set[str]) -> list[dict]:
    """`current` with each changed annotation in its place, new ones after, removed ones gone.
    Each keeps or gets a `position` in the drawing order (gaps are fine: only the order counts)."""
    by_uid = {a["uid"]: a for a in changed}
    merged = [
        by_uid.pop(a["uid"], a) | {"position": a["position"]}
        for a in current
        if a["uid"] not in removed
    ]
    last = max((a["position"] for a in current), default=-1)
    merged.extend(a | {"position": last + 1 + i} for i, a in enumerate(by_uid.values()))
    return merged


def _check_count(new: list[dict], rois_edited: bool) -> None:
    if len(new) > MAX_ANNOTATIONS:
        raise FieldError(
            "rois_changed" if rois_edited else "frame_labels_changed",
            f"A frame has at most {MAX_ANNOTATIONS:,} annotations (ROIs and frame labels); "
            f"this save would leave {len(new):,}.",
            code="too_many_annotations",
        ).as_validation_error()


def _first_state(frame: Frame, old: list[dict]) -> dict:
    """The whole state before a frame's first save, which the history records as revision 1."""
    shapes, labels = split_parts(old)
    return {
        "rois": [annotation_values_as_dict(a) for a in shapes],
        "frame_labels": [annotation_values_as_dict(a) for a in labels],
        "meta": frame.meta,
    }
