"""Bulk import: every frame is checked before one is written; a bad one names its index and field."""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.bulk import allocate_ids, gc_paused, insert_rows
from config.errors import ValidationError
from datasets.models import Version
from datasets.services import lock_version
from frames.models import Frame, VersionFrame
from frames.selectors import keys_taken
from frames.validation import FieldError, clean_frame

from .rows import FRAME_FIELDS, frame_values, insert_annotations

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
        (frame_id, frame["annotations"])
        for frame_id, (_, frame) in zip(frame_ids, pairs, strict=True)
    )
    return keys
