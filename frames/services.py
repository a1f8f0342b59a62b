"""Writes that are rules for frames: bulk import, copy-on-write writes, deletes, forks.

Who may save a frame is a task rule: `annotations.services.frame_save` checks it and calls
`frame_write` here.
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.bulk import allocate_ids, gc_paused, insert_rows
from config.errors import ConflictError, ValidationError
from config.sql import chunked
from datasets.models import Dataset, Version
from datasets.services import check_version_name, lock_version, save_named

from .models import Frame, Roi, RoiLabel, VersionFrame
from .selectors import frame_as_dict, keys_taken
from .sql import copy_memberships, delete_annotations, frames_under_keys, rois_of_frames
from .validation import FieldError, clean_annotations, clean_frame, clean_meta

MAX_BULK_ERRORS = 50
STALE = (
    "Frame “%(key)s” was saved by someone else (revision %(current)s; you had %(given)s). "
    "Load theirs, or re-apply your changes on top."
)
# Values of a frame and of an annotation as the inserts take them, after their ids.
FRAME_FIELDS = [
    "key",
    "context_id",
    "timestamp",
    "uri",
    "width",
    "height",
    "meta",
    "annotation_count",
]
ANNOTATION_FIELDS = [
    "uid",
    "position",
    "type",
    "labels",
    "points",
    "confidence",
    "meta",
    "color",
    "locked",
]


def _frame_values(key: str, frame: dict) -> list:
    return [
        key,
        frame["context_id"],
        frame["timestamp"],
        frame["uri"],
        frame["width"],
        frame["height"],
        frame["meta"],
        len(frame["annotations"]),
    ]


def _annotation_values(position: int, annotation: dict) -> list:
    return [
        annotation["uid"],
        position,
        annotation["type"],
        annotation["labels"],
        annotation["points"],
        annotation["confidence"],
        annotation["meta"],
        annotation["color"],
        annotation["locked"],
    ]


def _insert_annotations(frame_ids_and_annotations) -> list[list]:
    """Insert ROIs and their label rows for [(frame_id, [annotation dicts])].

    Answers the ROI rows as inserted (id, frame_id, then ANNOTATION_FIELDS).
    """
    rois, labels = [], []
    pairs = [(frame_id, anns) for frame_id, anns in frame_ids_and_annotations]
    count = sum(len(anns) for _, anns in pairs)
    roi_ids = iter(allocate_ids(Roi, count))

    def roi_rows():
        # Label rows are collected while the ROI rows stream out, so the database writes ROIs
        # while Python builds the rest.
        for frame_id, annotations in pairs:
            for position, annotation in enumerate(annotations):
                roi_id = next(roi_ids)
                row = [roi_id, frame_id, *_annotation_values(position, annotation)]
                rois.append(row)
                labels.extend(
                    (roi_id, frame_id, label, annotation["confidence"])
                    for label in annotation["labels"]
                )
                yield row

    insert_rows(Roi, ["id", "frame_id", *ANNOTATION_FIELDS], roi_rows())
    insert_rows(RoiLabel, ["roi_id", "frame_id", "label", "confidence"], labels)
    return rois


def _clean_bulk(frames: list) -> tuple[list[dict], dict[str, int]]:
    """The cleaned frames and {given key: index}; every input error at once (up to a limit)."""
    errors, cleaned = [], []
    keys_in_batch: dict[str, int] = {}
    for index, data in enumerate(frames):
        try:
            frame = clean_frame(data)
        except FieldError as error:
            errors.append({"index": index, "field": error.field, "message": error.message})
        else:
            key = frame["key"]
            if key is not None and key in keys_in_batch:
                errors.append(
                    {
                        "index": index,
                        "field": "id",
                        "message": f"Frame id “{key}” is given twice (also at index {keys_in_batch[key]}).",
                    }
                )
            elif key is not None:
                keys_in_batch[key] = index
            cleaned.append(frame)
        if len(errors) >= MAX_BULK_ERRORS:
            break
    if errors:
        raise BulkImportError(errors)
    return cleaned, keys_in_batch


def _key_clash_error(version: Version, keys_in_batch: dict[str, int]) -> "BulkImportError | None":
    taken = keys_taken(version=version, keys=list(keys_in_batch))
    if not taken:
        return None
    return BulkImportError(
        [
            {
                "index": keys_in_batch[key],
                "field": "id",
                "message": f"Version “{version.name}” has a frame “{key}” already.",
            }
            for key in sorted(taken, key=keys_in_batch.get)[:MAX_BULK_ERRORS]
        ]
    )


class BulkImportError(ValidationError):
    """Input frames that failed their checks; `errors` is [{"index", "field", "message"}]."""

    def __init__(self, errors: list[dict]):
        first = errors[0]
        where = f"frame {first['index']}" + (f", {first['field']}" if first["field"] else "")
        super().__init__(f"{where}: {first['message']}", code="invalid_frames")
        self.errors = errors


@transaction.atomic
def frames_bulk_create(*, version: Version, frames: list[dict]) -> list[str]:
    """Validate every frame first; one bad frame names its index and field, and nothing is written."""
    version = lock_version(version)
    with gc_paused():
        cleaned, keys_in_batch = _clean_bulk(frames)
        try:
            # Keys already in the version are found by the primary key as the rows go in, not by
            # a lookup of every key first; the savepoint keeps the transaction usable to say which.
            with transaction.atomic():
                keys = _insert_frames(version, cleaned)
        except IntegrityError:
            clash = _key_clash_error(version, keys_in_batch)
            if clash is None:
                raise
            raise clash from None
        del cleaned  # gone before collection resumes, so no collection walks it
    Version.objects.filter(pk=version.pk).update(
        frame_count=F("frame_count") + len(keys), updated_at=timezone.now()
    )
    return keys


def _insert_frames(version: Version, cleaned: list[dict]) -> list[str]:
    now = timezone.now()
    keys = [frame["key"] or uuid.uuid4().hex[:16] for frame in cleaned]
    pairs = list(zip(keys, cleaned, strict=True))
    frame_ids = allocate_ids(Frame, len(pairs))
    insert_rows(
        Frame,
        ["id", "version_id", "revision", "updated_at", *FRAME_FIELDS],
        (
            [frame_id, version.pk, 1, now, *_frame_values(key, frame)]
            for frame_id, (key, frame) in zip(frame_ids, pairs, strict=True)
        ),
    )
    insert_rows(
        VersionFrame,
        ["version_id", "key", "frame_id"],
        ((version.pk, key, frame_id) for key, frame_id in zip(keys, frame_ids, strict=True)),
    )
    _insert_annotations(
        (frame_id, frame["annotations"])
        for frame_id, (_, frame) in zip(frame_ids, pairs, strict=True)
    )
    return keys


def _copy_frame(frame: Frame, version: Version, annotations: list[dict] | None = None) -> Frame:
    """Copy-on-write: the Draft gets its own row (and annotations) before it changes a shared one.

    `annotations`: what the copy holds, when the caller knows (none when it replaces them all).
    """
    old_id = frame.pk
    frame.pk = None
    frame.version = version
    frame.save(force_insert=True)
    VersionFrame.objects.of(version).under_keys([frame.key]).update(frame=frame)
    if annotations is None:
        rois = Roi.objects.filter(frame_id=old_id).order_by("position")
        annotations = [_annotation_dict(roi) for roi in rois]
    _insert_annotations([(frame.pk, annotations)])
    return frame


def _annotation_dict(roi: Roi) -> dict:
    return {
        field: getattr(roi, field)
        for field in ("uid", "type", "labels", "points", "confidence", "meta", "color", "locked")
    }


def check_revision(frame: Frame, revision: int | None) -> None:
    """A save must start from the frame's current revision, or it would overwrite someone's work."""
    if frame.revision != revision:
        raise ConflictError(
            STALE,
            code="stale_revision",
            params={"key": frame.key, "current": frame.revision, "given": revision},
            current=frame_as_dict(frame),
        )


def lock_frame(version: Version, key: str) -> Frame:
    """The frame the version shows under `key`, locked; the caller holds the version's lock."""
    found = frames_under_keys(version.pk, [key], lock=True)
    if not found:
        raise Frame.DoesNotExist(f"Version “{version.name}” has no frame “{key}”.")
    return found[0]


LOCKED = (
    "Annotation “%(roi)s” of frame “%(key)s” is locked; unlock it (and save) before you change "
    "or delete it."
)
# What a locked annotation keeps; `locked` itself may change (unlocking it).
ANNOTATION_COMPARED = ("type", "labels", "points", "confidence", "meta", "color")


@dataclass
class FrameWrite:
    """What `frame_write` did: the frame as written, the change, and the state to record.

    `state` holds the parts the save replaced, in the API's shape (what a restore puts back);
    `before` the whole state the save started from, given only for a frame's first save.
    """

    frame: Frame
    change: dict
    state: dict
    before: dict | None = None


def _by_uid(annotations: list[dict]) -> dict[str, dict]:
    return {annotation["uid"]: annotation for annotation in annotations}


def _fields(annotation: dict, *, locked: bool = False) -> tuple:
    values = tuple(annotation[field] for field in ANNOTATION_COMPARED)
    return (*values, annotation["locked"]) if locked else values


def _diff(old: list[dict], new: list[dict]) -> dict:
    """Ids of the annotations added, changed (any field, `locked` too) and removed."""
    before, after = _by_uid(old), _by_uid(new)
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


def _check_locks(key: str, old: list[dict], new: list[dict]) -> None:
    """A locked annotation may only be unlocked; any other change or its removal is refused."""
    after = _by_uid(new)
    for annotation in old:
        if not annotation["locked"]:
            continue
        kept = after.get(annotation["uid"])
        if kept is None or _fields(kept) != _fields(annotation):
            raise ConflictError(
                LOCKED, code="roi_locked", params={"roi": annotation["uid"], "key": key}
            )


def _as_api(annotations: list[dict], *, frame_labels: bool) -> list[dict]:
    """Annotation dicts (cleaned or read) in the API's shape, as `annotation_as_dict` has them."""
    shaped = []
    for annotation in annotations:
        item = {"id": annotation["uid"]}
        if not frame_labels:
            item["type"] = annotation["type"]
        item["labels"] = annotation["labels"]
        if not frame_labels:
            item["points"] = annotation["points"]
        for field in ("confidence", "meta", "color", "locked"):
            item[field] = annotation[field]
        shaped.append(item)
    return shaped


def _split(annotations: list[dict]) -> tuple[list[dict], list[dict]]:
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
                width=frame.width,
                height=frame.height,
            )
    except FieldError as error:
        raise error.as_validation_error() from None
    is_first_save = frame.revision == 1
    old = None
    if cleaned is not None or is_first_save:
        old = [_annotation_dict(roi) for roi in rois_of_frames([frame.pk])]
    change: dict = {}
    state: dict = {}
    annotations = None
    if cleaned is not None:
        old_shapes, old_labels = _split(old)
        new_shapes, new_labels = _split(cleaned)
        # A part not sent stays as it is.
        new_shapes = new_shapes if rois is not None else old_shapes
        new_labels = new_labels if frame_labels is not None else old_labels
        if enforce_locks:
            _check_locks(frame.key, old_shapes, new_shapes)
            _check_locks(frame.key, old_labels, new_labels)
        if rois is not None:
            change["rois"] = _diff(old_shapes, new_shapes)
            state["rois"] = _as_api(new_shapes, frame_labels=False)
        if frame_labels is not None:
            change["frame_labels"] = _diff(old_labels, new_labels)
            state["frame_labels"] = _as_api(new_labels, frame_labels=True)
        annotations = new_shapes + new_labels
    if meta is not None:
        change["meta"] = meta != frame.meta
        state["meta"] = meta
    before = None
    if is_first_save:
        old_shapes, old_labels = _split(old)
        before = {
            "rois": _as_api(old_shapes, frame_labels=False),
            "frame_labels": _as_api(old_labels, frame_labels=True),
            "meta": frame.meta,
        }
    if frame.version_id != version.pk:
        frame = _copy_frame(frame, version, [] if annotations is not None else old)
    if meta is not None:
        frame.meta = meta
    if annotations is not None:
        delete_annotations([frame.pk])
        rows = _insert_annotations([(frame.pk, annotations)])
        frame.annotation_count = len(annotations)
        # The answer shows what was written, without reading it back.
        fields = ["id", "frame_id", *ANNOTATION_FIELDS]
        frame._prefetched_objects_cache = {
            "rois": [Roi(**dict(zip(fields, row, strict=True))) for row in rows]
        }
    frame.revision += 1
    frame.updated_by = user
    frame.save(update_fields=["meta", "annotation_count", "revision", "updated_at", "updated_by"])
    return FrameWrite(frame=frame, change=change, state=state, before=before)


@transaction.atomic
def version_fork(*, version: Version, name: str, user=None) -> Version:
    """A Draft child of a Published version that sees the same frames; no frame row is copied."""
    version = lock_version(version, draft=False)
    if not version.is_published:
        raise ConflictError(
            "Version “%(name)s” is a Draft; only Published versions can be forked. Publish it first.",
            code="version_draft",
            params={"name": version.name},
        )
    child = Version(
        dataset=version.dataset,
        parent=version,
        created_by=user,
        name=check_version_name(dataset=version.dataset, name=name),
        frame_count=version.frame_count,
    )
    save_named(child)
    copy_memberships(source_id=version.pk, target_id=child.pk)
    return child


@transaction.atomic
def dataset_delete(*, dataset: Dataset) -> None:
    """The dataset, its versions, their memberships and every frame row they wrote."""
    # Locked, so no import into one of them commits rows this delete cannot see.
    version_ids = list(
        Version.objects.select_for_update().filter(dataset=dataset).values_list("pk", flat=True)
    )
    memberships = VersionFrame.objects.filter(version_id__in=version_ids)
    # Every frame row stays a member of the version that wrote it, so memberships find them all.
    frame_ids = list(
        Frame.objects.filter(
            pk__in=memberships.values("frame_id"), version_id__in=version_ids
        ).values_list("pk", flat=True)
    )
    memberships.delete()
    delete_annotations(frame_ids)
    for chunk in chunked(frame_ids):
        Frame.objects.filter(pk__in=chunk).delete()
    Version.objects.filter(dataset=dataset).update(parent=None)
    dataset.delete()
