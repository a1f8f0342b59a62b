"""Bulk writes: every frame is checked before one is written; a bad one names its index and field.

- `frames_bulk_create`: new frames with their annotations.
- `frames_annotations_add`: annotations added to frames the version has (an annotation-only
  import), with copy-on-write, the label index, counts, revisions and the history kept as a save
  keeps them.
"""

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from config.bulk import allocate_ids, gc_paused, insert_rows
from config.errors import ValidationError
from config.upkeep import upkeep_after_commit
from datasets.models import Version
from datasets.services import lock_version
from frames.labels import count_labels, labels_counted
from frames.models import Frame, Roi, RoiLabel, VersionFrame
from frames.selectors import annotation_values_as_dict, keys_taken, shape_extras
from frames.sql import (
    annotations_of_frames,
    delete_annotations,
    frame_rows_under_keys,
    frames_saved,
    memberships_repoint,
)
from frames.validation import (
    MAX_ANNOTATIONS,
    FieldError,
    clean_annotation,
    clean_frame,
    source_sizes,
)

from .rows import FRAME_FIELDS, frame_values, insert_annotations
from .writes import split_parts

MAX_BULK_ERRORS = 50


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
    """Input frames that failed their checks; `errors` is [{"index", "field", "message"}], or
    [{"line", "field", "message"}] for a file of one frame a line."""

    def __init__(self, errors: list[dict]):
        first = errors[0]
        where = f"line {first['line']}" if "line" in first else f"frame {first['index']}"
        where += f", {first['field']}" if first["field"] else ""
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
            annotations = sum(len(frame["annotations"]) for frame in cleaned)
        except IntegrityError:
            clash = _key_clash_error(version, keys_in_batch)
            if clash is None:
                raise
            raise clash from None
        del cleaned  # gone before collection resumes, so no collection walks it
    Version.objects.filter(pk=version.pk).update(
        frame_count=F("frame_count") + len(keys), updated_at=timezone.now()
    )
    upkeep_after_commit(
        {Frame: len(keys), VersionFrame: len(keys), Roi: annotations, RoiLabel: annotations}
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
            [frame_id, version.pk, 1, now, *frame_values(key, frame)]
            for frame_id, (key, frame) in zip(frame_ids, pairs, strict=True)
        ),
    )
    insert_rows(
        VersionFrame,
        ["version_id", "key", "frame_id"],
        ((version.pk, key, frame_id) for key, frame_id in zip(keys, frame_ids, strict=True)),
    )
    insert_annotations(
        (
            (frame_id, frame["annotations"])
            for frame_id, (_, frame) in zip(frame_ids, pairs, strict=True)
        ),
        version_id=version.pk,
    )
    count_labels(version.pk, labels_counted(a for frame in cleaned for a in frame["annotations"]))
    return keys


# Sent inside `frames_annotations_add`'s transaction once its rows are written, with `version`,
# `user`, `at` and `changes` (`FrameChanges`: FrameChange items, made as they are read). The
# history of saves (`FrameRevision`) belongs to the annotations app, a layer above; its receiver
# records these as a save would.
annotations_added = Signal()


@dataclass
class FrameChange:
    """One frame an annotation import changed, in the terms `frame_write` reports a save:
    `revision` is the one the write made; `change` says what was added; `state` holds the parts
    written (whole lists, in the API's shape); `before` the whole earlier state, given when the
    frame had never been saved (revision 1), as a first save records it."""

    key: str
    revision: int
    change: dict
    state: dict
    before: dict | None = None


class FrameChanges:
    """The FrameChange of each frame an import changed, made as it is iterated (any number of
    times): the history receiver streams them into its COPY, so Python builds the states while
    the database writes the rows before them (an import's history is mostly database time)."""

    def __init__(self, changed: list["_Addition"], note: dict):
        self._changed, self._note = changed, note

    def __len__(self) -> int:
        return len(self._changed)

    def __iter__(self):
        return (_frame_change(addition, self._note) for addition in self._changed)


@dataclass
class AnnotationsAdded:
    frames: int = 0  # frames that gained annotations
    copied: int = 0  # of them, rows another version owned: the Draft wrote its own copy first
    rois: int = 0
    frame_labels: int = 0
    # Annotations not added because the frame has one with the same id (imported before):
    # [{"index", "field", "reason"}], `index` counting the given frames.
    skipped: list[dict] = field(default_factory=list)


@dataclass
class _Addition:
    index: int
    key: str
    row: dict
    old: list[dict]
    new: list[dict]
    frame_id: int  # the row the Draft writes: its own, or its copy of another version's


@transaction.atomic
def frames_annotations_add(
    *, version: Version, frames: list[dict], user=None, note: dict | None = None
) -> AnnotationsAdded:
    """Add annotations to frames the version has: `frames` is [{"id": key, "rois": [...],
    "frame_labels": [...]}] in the bulk shape. All or none, checked as the bulk import checks
    (points inside the image, …); errors are [{"index", "field", "message"}].

    An annotation whose id the frame has already is skipped (so importing a file twice adds
    nothing the second time). A frame the Draft does not own is copied first (copy-on-write), so
    a Published parent never changes. Each changed frame gets the next revision and the caller
    as its saver, and `annotations_added` is sent so the history records it; `note` goes into
    each recorded change (e.g. {"import": "coco"}).
    """
    version = lock_version(version)
    with gc_paused():
        additions = _Additions(version, frames)
        _write_additions(version, additions, user)
        result = additions.result()
        changed = additions.changed
        written = result.rois + result.frame_labels
        upkeep_after_commit({Roi: written, RoiLabel: written, Frame: len(changed)})
        if changed:
            Version.objects.filter(pk=version.pk).update(updated_at=additions.now)
            changes = FrameChanges(changed, note or {})
            annotations_added.send(
                sender=frames_annotations_add,
                version=version,
                user=user,
                at=additions.now,
                changes=changes,
            )
    return result


def _keys(version: Version, frames: list) -> tuple[list[str], dict[str, dict]]:
    if not isinstance(frames, list):
        raise BulkImportError([{"index": 0, "field": "", "message": "Expected a list of frames."}])
    errors, keys, given = [], [], {}
    for index, data in enumerate(frames):
        key = data.get("id") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            errors.append({"index": index, "field": "id", "message": "Give the frame's key."})
        elif key in given:
            errors.append(
                {
                    "index": index,
                    "field": "id",
                    "message": f"Frame “{key}” is given twice (also at index {given[key]}).",
                }
            )
        else:
            given[key] = index
        keys.append(key)
    rows = frame_rows_under_keys(version.pk, list(given)) if not errors else {}
    if not errors:
        errors = [
            {
                "index": index,
                "field": "id",
                "message": f"Version “{version.name}” has no frame “{key}”.",
            }
            for key, index in given.items()
            if key not in rows
        ]
    if errors:
        raise BulkImportError(errors[:MAX_BULK_ERRORS])
    return keys, rows


class _Additions:
    """The given frames' new annotations, cleaned as their rows go in.

    A frame with annotations already is cleaned first: its rows are rewritten whole (old, then
    new, as a save stores them), so its old rows go before the new ones come. The others are
    cleaned as the ROI COPY reads them (`rows_to_insert`), so the database writes while Python checks:
    an error stops the rows, the rest is still checked for the report, and `raise_errors`
    then undoes the transaction's writes.
    """

    def __init__(self, version: Version, frames: list):
        self.frames = frames
        self.keys, self.rows = _keys(version, frames)
        with_annotations = [row["id"] for row in self.rows.values() if row["annotation_count"]]
        self.existing = annotations_of_frames(with_annotations) if with_annotations else {}
        self.now = timezone.now()
        self.skipped: list[dict] = []
        self.errors: list[dict] = []
        self.cleaned: dict[int, _Addition] = {}
        shared = [key for key, row in self.rows.items() if row["version_id"] != version.pk]
        # The Draft's own row id of each frame it does not own yet: taken before the rows
        # stream, as no other statement can run meanwhile.
        self.copy_ids = dict(zip(shared, allocate_ids(Frame, len(shared)), strict=True))
        self.rewritten = [
            index for index, key in enumerate(self.keys) if self.rows[key]["annotation_count"]
        ]
        for index in self.rewritten:
            self._clean(index)

    def _clean(self, index: int) -> "_Addition | None":
        if len(self.errors) >= MAX_BULK_ERRORS:
            return None
        key, data = self.keys[index], self.frames[index]
        row = self.rows[key]
        old = self.existing.get(row["id"], [])
        try:
            new = _clean_new(index, data, row, old, self.skipped)
        except FieldError as error:
            self.errors.append({"index": index, "field": error.field, "message": error.message})
            return None
        addition = _Addition(index, key, row, old, new, self.copy_ids.get(key, row["id"]))
        if new:
            self.cleaned[index] = addition
        return addition

    def owned_rewrites(self) -> list[int]:
        """Row ids of owned frames whose annotations are rewritten whole."""
        return [
            addition.frame_id
            for index in self.rewritten
            if (addition := self.cleaned.get(index)) and addition.frame_id == addition.row["id"]
        ]

    def at_most(self) -> int:
        """An upper bound of the ROI rows to come (ids are taken for it)."""
        count = sum(len(_merged(addition)) for addition in self.cleaned.values())
        for data in self.frames:
            for name in ("rois", "frame_labels"):
                items = data.get(name)
                count += len(items) if isinstance(items, list) else 0
        return count

    def rows_to_insert(self):
        """(frame id, annotations) of each changed frame, the unchecked ones checked on the way."""
        for index in self.rewritten:
            if not self.errors and (addition := self.cleaned.get(index)):
                yield addition.frame_id, _merged(addition)
        rewritten = set(self.rewritten)
        for index in range(len(self.frames)):
            if index in rewritten:
                continue
            addition = self._clean(index)
            if addition is not None and addition.new and not self.errors:
                yield addition.frame_id, addition.new

    def raise_errors(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda error: error["index"])
            raise BulkImportError(self.errors[:MAX_BULK_ERRORS])

    @property
    def changed(self) -> list["_Addition"]:
        return [self.cleaned[index] for index in sorted(self.cleaned)]

    def result(self) -> AnnotationsAdded:
        result = AnnotationsAdded(skipped=sorted(self.skipped, key=lambda s: s["index"]))
        changed = self.changed
        result.frames = len(changed)
        result.copied = sum(a.frame_id != a.row["id"] for a in changed)
        for addition in changed:
            labels = sum(a["type"] == Roi.Type.FRAME for a in addition.new)
            result.frame_labels += labels
            result.rois += len(addition.new) - labels
        return result


def _clean_new(index: int, data: dict, row: dict, old: list[dict], skipped: list) -> list[dict]:
    """The frame's new annotations, cleaned: ROIs first, then frame labels."""
    uids = {annotation["uid"] for annotation in old}
    seen = set(uids)
    sizes = source_sizes(row["sources"], row["width"], row["height"])
    new = []
    for name, roi_type in (("rois", None), ("frame_labels", Roi.Type.FRAME)):
        items = data.get(name)
        if items is None:
            continue
        if not isinstance(items, list):
            raise FieldError(name, "Expected a list.")
        for position, item in enumerate(items):
            place = f"{name}[{position}]"
            uid = item.get("id") if isinstance(item, dict) else None
            if uid is not None and uid in uids:
                skipped.append(
                    {
                        "index": index,
                        "field": place,
                        "reason": f"The frame has an annotation “{uid}” already.",
                    }
                )
                continue
            new.append(
                clean_annotation(
                    item,
                    roi_type=roi_type,
                    field=place,
                    seen=seen,
                    sizes=sizes,
                )
            )
    if len(old) + len(new) > MAX_ANNOTATIONS:
        raise FieldError(
            "rois",
            f"A frame has at most {MAX_ANNOTATIONS:,} annotations (ROIs and frame labels); "
            f"this one would have {len(old) + len(new):,}.",
            code="too_many_annotations",
        )
    return new


def _merged(addition: _Addition) -> list[dict]:
    """Shapes then frame labels, as a save stores them; the old ones first in each."""
    if not addition.old:
        return addition.new
    old_shapes, old_labels = split_parts(addition.old)
    new_shapes, new_labels = split_parts(addition.new)
    return old_shapes + new_shapes + old_labels + new_labels


def _write_additions(version: Version, additions: _Additions, user) -> None:
    if not additions.errors:
        rewritten = additions.owned_rewrites()
        if rewritten:  # a frame's annotations are stored whole, in order, as a save stores them
            delete_annotations(rewritten, version_ids=[version.pk])
    insert_annotations(
        additions.rows_to_insert(), version_id=version.pk, at_most=additions.at_most()
    )
    additions.raise_errors()
    changed = additions.changed
    count_labels(version.pk, labels_counted(a for addition in changed for a in addition.new))
    owned = [a for a in changed if a.frame_id == a.row["id"]]
    shared = [a for a in changed if a.frame_id != a.row["id"]]
    user_id = user.pk if user is not None else None
    if shared:
        insert_rows(
            Frame,
            ["id", "version_id", "revision", "updated_at", "updated_by_id", *FRAME_FIELDS],
            (
                [
                    a.frame_id,
                    version.pk,
                    a.row["revision"] + 1,
                    additions.now,
                    user_id,
                    *frame_values(a.key, a.row | {"annotations": _merged(a)}),
                ]
                for a in shared
            ),
        )
        memberships_repoint(version.pk, [(a.key, a.frame_id) for a in shared])
    if owned:
        frames_saved(
            [(a.frame_id, len(a.old) + len(a.new)) for a in owned],
            user_id=user_id,
            at=additions.now,
        )


def _frame_change(addition: _Addition, note: dict) -> FrameChange:
    old_shapes, old_labels = split_parts(addition.old)
    new_shapes, new_labels = split_parts(addition.new)
    change, state = dict(note), {}
    if new_shapes:
        change["rois"] = {"added": [a["uid"] for a in new_shapes], "changed": [], "removed": []}
        state["rois"] = [_shape_as_dict(a) for a in old_shapes + new_shapes]
    if new_labels:
        change["frame_labels"] = {
            "added": [a["uid"] for a in new_labels],
            "changed": [],
            "removed": [],
        }
        state["frame_labels"] = [annotation_values_as_dict(a) for a in old_labels + new_labels]
    before = None
    if addition.row["revision"] == 1:
        before = {
            "rois": [_shape_as_dict(a) for a in old_shapes],
            "frame_labels": [annotation_values_as_dict(a) for a in old_labels],
            "meta": addition.row["meta"],
        }
    return FrameChange(
        key=addition.key,
        revision=addition.row["revision"] + 1,
        change=change,
        state=state,
        before=before,
    )


def _shape_as_dict(a: dict) -> dict:
    """`annotation_values_as_dict` of a shape, in one literal: a history state holds every ROI
    of every frame an import changed."""
    return {
        "id": a["uid"],
        "type": a["type"],
        "labels": a["labels"],
        "points": a["points"],
        "confidence": a["confidence"],
        "meta": a["meta"],
        "color": a["color"],
        "locked": a["locked"],
        **shape_extras(a),
    }
