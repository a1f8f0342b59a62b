"""Frame writes: the row locks, the revision check, locked annotations, copy-on-write, and the
change a save records.

Who may save a frame is a task rule: `annotations.services.frame_save` checks it and calls
`frame_write` here.
"""

from collections import Counter
from dataclasses import dataclass, field

from config.errors import ConflictError
from datasets.models import Version
from frames.labels import labels_changed
from frames.models import ANNOTATION_FIELDS, Frame, Roi, VersionFrame
from frames.selectors import annotation_values_as_dict, frame_as_dict, with_annotations
from frames.sql import annotations_of_frames, delete_annotations, lock_frame_under_key
from frames.validation import FieldError, clean_annotations, clean_meta, source_sizes

from .rows import insert_annotations

STALE = (
    "Frame “%(key)s” was saved by someone else (revision %(current)s; you had %(given)s). "
    "Load theirs, or re-apply your changes on top."
)


def copy_frame(frame: Frame, version: Version, annotations: list[dict] | None = None) -> Frame:
    """Copy-on-write: the Draft gets its own row (and annotations) before it changes a shared one.

    `annotations`: what the copy holds, when the caller knows (none when it replaces them all).
    """
    old_id = frame.pk
    frame.pk = None
    frame.version = version
    frame.save(force_insert=True)
    VersionFrame.objects.of(version).under_keys([frame.key]).update(frame=frame)
    if annotations is None:
        annotations = annotations_of_frames([old_id]).get(old_id, [])
    insert_annotations([(frame.pk, annotations)], version_id=version.pk)
    return frame


def check_revision(frame: Frame, revision: int | None) -> None:
    """A save must start from the frame's current revision, or it would overwrite someone's work."""
    if frame.revision != revision:
        raise ConflictError(
            STALE,
            code="stale_revision",
            params={"key": frame.key, "current": frame.revision, "given": revision},
            current=frame_as_dict(with_annotations([frame])[0]),
        )


def lock_frame(version: Version, key: str) -> Frame:
    """The frame the version shows under `key`, locked; the caller holds the version's lock."""
    frame = lock_frame_under_key(version.pk, key)
    if frame is None:
        raise Frame.DoesNotExist(f"Version “{version.name}” has no frame “{key}”.")
    return frame


LOCKED = (
    "Annotation “%(roi)s” of frame “%(key)s” is locked; unlock it (and save) before you change "
    "or delete it."
)
# What a locked annotation keeps; `locked` itself may change (unlocking it).
ANNOTATION_COMPARED = tuple(f for f in ANNOTATION_FIELDS if f not in ("uid", "locked"))


@dataclass
class FrameWrite:
    """What `frame_write` did: the frame as written, the change, and the state to record.

    `state` holds the parts the save replaced, in the API's shape (what a restore puts back);
    `before` the whole state the save started from, given only for a frame's first save;
    `labels` the change to the version's label summary, which the caller applies
    (`frames.labels.count_labels`) as its transaction's last statement, so the summary's rows
    stay locked for as short a time as possible.
    """

    frame: Frame
    change: dict
    state: dict
    before: dict | None = None
    labels: Counter = field(default_factory=Counter)


def _by_uid(annotations: list[dict]) -> dict[str, dict]:
    return {annotation["uid"]: annotation for annotation in annotations}


def _fields(annotation: dict, *, locked: bool = False) -> tuple:
    values = tuple(annotation[field] for field in ANNOTATION_COMPARED)
    return (*values, annotation["locked"]) if locked else values


def compare_annotations(key: str, old: list[dict], new: list[dict], *, enforce_locks: bool) -> dict:
    """Ids of the annotations added, changed (any field, `locked` too) and removed.

    With `enforce_locks`, a locked annotation may only be unlocked; any other change or its
    removal is refused (`roi_locked`, for the first such annotation in `old`'s order).
    """
    after = _by_uid(new)
    before: dict[str, dict] = {}
    for annotation in old:
        uid = annotation["uid"]
        before[uid] = annotation
        if enforce_locks and annotation["locked"]:
            kept = after.get(uid)
            if kept is None or _fields(kept) != _fields(annotation):
                raise ConflictError(LOCKED, code="roi_locked", params={"roi": uid, "key": key})
    return {
        "added": [uid for uid in after if uid not in before],
        "changed": [
            uid
            for uid, annotation in after.items()
            if uid in before
            and _fields(before[uid], locked=True) != _fields(annotation, locked=True)
        ],
        "removed": [uid for uid in before if uid not in after],
    }


def _check_ids_apart(shapes: list[dict], labels: list[dict], *, sent: str) -> None:
    """An id is unique across the frame: the part sent may not reuse an id of the part kept."""
    sent_part, kept_part = (shapes, labels) if sent == "rois" else (labels, shapes)
    kept = {a["uid"] for a in kept_part}
    for index, annotation in enumerate(sent_part):
        if annotation["uid"] in kept:
            raise FieldError(
                f"{sent}[{index}].id",
                f"Annotation id {annotation['uid']!r} is used twice in this frame.",
            ).as_validation_error()


def split_parts(annotations: list[dict]) -> tuple[list[dict], list[dict]]:
    """(shapes, frame labels), each in order."""
    shapes = [a for a in annotations if a["type"] != Roi.Type.FRAME]
    labels = [a for a in annotations if a["type"] == Roi.Type.FRAME]
    return shapes, labels


def frame_write(
    *,
    version: Version,
    frame: Frame,
    revision: int,
    user=None,
    rois=None,
    frame_labels=None,
    meta=None,
    enforce_locks: bool = True,
) -> FrameWrite:
    """Replace the given parts of a frame (None keeps a part) when `revision` is still current.

    The write under `annotations.services.frame_save`, which decides who may save; delivery code
    never calls it. The caller holds the version's lock (`lock_version`) and the frame's
    (`lock_frame`). Checks the revision, the input and locked annotations, copies a shared row
    (copy-on-write), writes, and says what changed.
    """
    check_revision(frame, revision)
    try:
        if meta is not None:
            meta = clean_meta(meta, "meta")
        cleaned = None
        if rois is not None or frame_labels is not None:
            cleaned = clean_annotations(
                rois if rois is not None else [],
                frame_labels if frame_labels is not None else [],
                sizes=source_sizes(frame.sources, frame.width, frame.height),
            )
    except FieldError as error:
        raise error.as_validation_error() from None
    is_first_save = frame.revision == 1
    old = None
    if cleaned is not None or is_first_save:
        old = annotations_of_frames([frame.pk]).get(frame.pk, [])
    change: dict = {}
    state: dict = {}
    annotations = None
    labels: Counter = Counter()
    if old is not None:
        old_shapes, old_labels = split_parts(old)
    if cleaned is not None:
        new_shapes, new_labels = split_parts(cleaned)
        # A part not sent stays as it is.
        new_shapes = new_shapes if rois is not None else old_shapes
        new_labels = new_labels if frame_labels is not None else old_labels
        if rois is None or frame_labels is None:
            _check_ids_apart(
                new_shapes, new_labels, sent="rois" if rois is not None else "frame_labels"
            )
        # A part not sent is unchanged, so it can break no lock: only sent parts are compared.
        if rois is not None:
            change["rois"] = compare_annotations(
                frame.key, old_shapes, new_shapes, enforce_locks=enforce_locks
            )
            state["rois"] = [annotation_values_as_dict(a) for a in new_shapes]
        if frame_labels is not None:
            change["frame_labels"] = compare_annotations(
                frame.key, old_labels, new_labels, enforce_locks=enforce_locks
            )
            state["frame_labels"] = [annotation_values_as_dict(a) for a in new_labels]
        annotations = new_shapes + new_labels
    if meta is not None:
        change["meta"] = meta != frame.meta
        state["meta"] = meta
    before = None
    if is_first_save:
        before = {
            "rois": [annotation_values_as_dict(a) for a in old_shapes],
            "frame_labels": [annotation_values_as_dict(a) for a in old_labels],
            "meta": frame.meta,
        }
    copied = frame.version_id != version.pk
    if copied:
        frame = copy_frame(frame, version, [] if annotations is not None else old)
    if meta is not None:
        frame.meta = meta
    if annotations is not None:
        if not copied:  # a brand-new copy has no annotations to delete
            delete_annotations([frame.pk], version_ids=[version.pk])
        insert_annotations([(frame.pk, annotations)], version_id=version.pk)
        labels = labels_changed(old, annotations)
        frame.annotation_count = len(annotations)
        frame.annotations = annotations  # the answer shows what was written, not read back
    frame.revision += 1
    frame.updated_by = user
    frame.save(update_fields=["meta", "annotation_count", "revision", "updated_at", "updated_by"])
    return FrameWrite(frame=frame, change=change, state=state, before=before, labels=labels)
