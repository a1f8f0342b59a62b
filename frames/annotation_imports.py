"""Annotations in COCO, YOLO or Pascal VOC, imported into a Draft all or none.

Items read by `frames.formats` are matched to frames (`frames.matching`); a matched item's
annotations are added to its frame (`frames_annotations_add`: copy-on-write, history); an
unmatched item whose image is in the archive becomes a new frame (stored as uploads store
images); any other item is skipped, with the reason, in the job's report.
"""

import io
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from config.bulk import gc_paused
from datasets.jobs import JobRun
from datasets.models import Version
from datasets.services import ensure_draft, lock_version

from .formats import MAX_REPORTED_SKIPS, ImportItem
from .formats.coco_reader import SOURCE_INDEX, read_coco
from .formats.voc import read_voc
from .formats.yolo import read_yolo
from .matching import Plan, Target, item_path, plan_matches, skipped
from .media import check_size, inspect_image, media_uri, thumbnail_of
from .pipeline import in_order
from .services import (
    MAX_BULK_ERRORS,
    BulkImportError,
    frames_annotations_add,
    frames_bulk_create,
)
from .uploads import (
    MAX_STEM_LENGTH,
    Imported,
    Store,
    assign_keys,
    assign_timestamps,
    batch_folder,
)

READERS = {"coco": read_coco, "yolo": read_yolo, "voc": read_voc}


def report_progress(run: JobRun | None, done: int, message: str, total: int | None = None) -> None:
    if run is not None:
        run.progress(done, total, message=message)


def _in_pixels(annotations: list[dict], width: int, height: int) -> list[dict]:
    """Normalised points (YOLO without images) in the pixels of the image they land on."""
    converted = []
    for annotation in annotations:
        points = annotation.get("points") if isinstance(annotation, dict) else None
        if isinstance(points, list) and all(_is_pair(p) for p in points):
            annotation = annotation | {"points": [[x * width, y * height] for x, y in points]}
        converted.append(annotation)
    return converted


def _is_pair(point) -> bool:
    return (
        isinstance(point, list | tuple)
        and len(point) == 2
        and all(type(v) in (int, float) for v in point)
    )


# --- COCO, YOLO, VOC: new frames from the archive's images --------------------------------------


@dataclass
class Prepared:
    """An item's image, stored, and the frame it becomes (key and timestamp still to choose)."""

    number: int
    frame: dict
    mismatch: str = ""  # why the file's annotations cannot be drawn on this image


def _decode(item: ImportItem):
    """Read and check one image and make its thumbnail; runs in a pipeline thread."""
    name = item_path(item).name
    limit = settings.UPLOAD_MAX_BYTES
    with item.image() as file:
        content = io.BytesIO(file.read(limit + 1))
    check_size(name, len(content.getbuffer()))
    info, image = inspect_image(name, content)
    return content, info, thumbnail_of(image)


def _prepare_new(
    items: list[ImportItem], numbers: list[int], store: Store, run: JobRun | None
) -> dict[int, Prepared]:
    """Every new frame's image decoded, checked and stored with its thumbnail (before the
    transaction, as uploads do: the version is not locked while images decode)."""
    prepared = {}
    with in_order(_decode, [items[n] for n in numbers]) as decoded:
        for done, (number, (content, info, thumbnail)) in enumerate(
            zip(numbers, decoded, strict=True), start=1
        ):
            item = items[number]
            path = item_path(item)
            stored = store.save_image(path.stem, content, info, thumbnail)
            frame = {
                "context_id": getattr(item, "context_id", None),
                "timestamp": getattr(item, "timestamp", None),
                "source": {"uri": media_uri(stored), "width": info.width, "height": info.height},
                "meta": item.meta,
                "rois": _annotations(item, info.width, info.height),
                "frame_labels": item.frame_labels,
            }
            prepared[number] = Prepared(number, frame, _mismatch(item, info.width, info.height))
            report_progress(run, done, f"Stored {path.name}", total=len(numbers))
    return prepared


def _mismatch(item: ImportItem, width: int, height: int) -> str:
    if item.normalized or item.width is None or item.height is None:
        return ""
    if (item.width, item.height) == (width, height):
        return ""
    return f"The file says the image is {item.width} × {item.height}; it is {width} × {height}."


def _annotations(item: ImportItem, width: int, height: int) -> list[dict]:
    return _in_pixels(item.rois, width, height) if item.normalized else item.rois


def _keys_for_new(version: Version, items: list[ImportItem], prepared: list[Prepared]) -> None:
    """The file's key when it gives one, else the stem; `-2`, `-3`… when taken (as uploads do)."""
    assign_keys(
        version,
        [
            Imported(
                stem=getattr(items[p.number], "key", None)
                or item_path(items[p.number]).stem[:MAX_STEM_LENGTH],
                frames=[p.frame],
            )
            for p in prepared
        ],
    )


def _timestamps_for_new(version: Version, prepared: list[Prepared], context_id: str) -> None:
    """The file's context and timestamp when it gives them, else the archive's name as context
    and 0, 1, 2… after the context's last timestamp in the version."""
    for entry in prepared:
        if entry.frame["context_id"] is None:
            entry.frame["context_id"] = context_id
    assign_timestamps(version, [e.frame for e in prepared if e.frame["timestamp"] is None])


# --- COCO, YOLO, VOC: the import -----------------------------------------------------------------


class AnnotationImportError(ValidationError):
    """Annotations that failed their checks, each naming its file and annotation: `errors` is
    [{"file", "index", "field", "message"}] (`index`: the annotation's place in the file, as
    the format counts it: COCO's `annotations[i]`, a YOLO line, a VOC object)."""

    def __init__(self, errors: list[dict]):
        first = errors[0]
        where = first["file"]
        if first.get("index") is not None:
            where += f", annotation {first['index']}"
        if first.get("field"):
            where += f", {first['field']}"
        super().__init__(f"{where}: {first['message']}", code="invalid_annotations")
        self.errors = errors


def _named(error: BulkImportError, items: list[ImportItem], numbers: list[int]) -> Exception:
    """A bulk error (frames counted in the batch, fields like `rois[2].points[1]`) in the file's
    terms: the item's file name and the annotation's index in the file."""
    named = []
    for problem in error.errors:
        item = items[numbers[problem["index"]]]
        index, field_name = _annotation_at(item, problem["field"])
        named.append(
            {
                "file": item.file_name,
                "index": index,
                "field": field_name,
                "message": problem["message"],
            }
        )
    return AnnotationImportError(named)


def _annotation_at(item: ImportItem, field: str) -> tuple[int | None, str]:
    """Which annotation of the file a bulk field (`rois[2].points[1]`) is about, and the rest of
    the field: its index in the file where the reader kept it, else its place among the item's
    ROIs; None for a field about no ROI."""
    head, _, rest = field.partition(".")
    if not (head.startswith("rois[") and head.endswith("]")):
        return None, field
    position = int(head[5:-1])
    roi = item.rois[position] if position < len(item.rois) else None
    return (roi.get(SOURCE_INDEX, position) if isinstance(roi, dict) else position), rest


def _create_frames(
    version: Version, items: list[ImportItem], prepared: list[Prepared], report: dict
) -> None:
    for start in range(0, len(prepared), settings.JOB_IMPORT_CHUNK):
        chunk = prepared[start : start + settings.JOB_IMPORT_CHUNK]
        numbers = [entry.number for entry in chunk]
        try:
            frames_bulk_create(version=version, frames=[entry.frame for entry in chunk])
        except BulkImportError as error:
            raise _named(error, items, numbers) from None
        report["frames_created"] += len(chunk)
        report["rois_created"] += sum(len(entry.frame["rois"]) for entry in chunk)
        report["frame_labels_created"] += sum(len(e.frame["frame_labels"]) for e in chunk)


def _add_annotations(
    version: Version,
    items: list[ImportItem],
    matched: dict[int, Target],
    report: dict,
    *,
    user,
    note: dict,
    run: JobRun | None,
) -> None:
    numbers = [n for n, _ in sorted(matched.items()) if items[n].rois or items[n].frame_labels]
    report_progress(run, 0, "Adding annotations", total=len(numbers))
    done = 0
    chunks = (
        one_round[start : start + settings.JOB_IMPORT_CHUNK]
        for one_round in _rounds(numbers, matched)
        for start in range(0, len(one_round), settings.JOB_IMPORT_CHUNK)
    )
    for chunk in chunks:
        frames = []
        for number in chunk:
            item, target = items[number], matched[number]
            rois = _annotations(item, target.width, target.height)
            if target.source:
                rois = [roi | {"source": target.source} for roi in rois]
            frames.append({"id": target.key, "rois": rois, "frame_labels": item.frame_labels})
        try:
            added = frames_annotations_add(version=version, frames=frames, user=user, note=note)
        except BulkImportError as error:
            raise _named(error, items, chunk) from None
        report["rois_created"] += added.rois
        report["frame_labels_created"] += added.frame_labels
        for skip in added.skipped:
            item = items[chunk[skip["index"]]]
            index, _ = _annotation_at(item, skip["field"])
            report["skipped"].append(
                {"file": item.file_name, "index": index, "reason": skip["reason"]}
            )
        done += len(chunk)
        report_progress(run, done, f"Added annotations to {done:,} frames")


def _rounds(numbers: list[int], matched: dict[int, Target]) -> list[list[int]]:
    """The items in rounds holding each frame once: the sources of a FrameGroup are several
    items of one frame, and one call adds to a frame once."""
    rounds: list[list[int]] = []
    seen: Counter = Counter()
    for number in numbers:
        key = matched[number].key
        if seen[key] == len(rounds):
            rounds.append([])
        rounds[seen[key]].append(number)
        seen[key] += 1
    return rounds


def annotations_import(
    *,
    version: Version,
    path: str,
    format: str,
    name: str,
    user=None,
    run: JobRun | None = None,
    folder: str | None = None,
) -> dict:
    """Import a COCO, YOLO or VOC file (`path`, a local file) into a Draft, all or none.

    Matched images add their annotations to their frames; unmatched ones with an image in the
    archive become frames (context: `name`, the file's name); the rest are skipped, each with its
    reason. With `run`, progress goes to the job, which succeeds in the writing transaction.
    """
    ensure_draft(Version.objects.get(pk=version.pk))
    read = READERS[format]
    report_progress(run, 0, "Reading the file")
    store = Store(folder=folder or batch_folder(version))
    # Millions of small objects and no cycles among them: collection passes would only cost.
    with gc_paused():
        return _import(version, read(path), store, format=format, name=name, user=user, run=run)


def _import(version, batch, store, *, format, name, user, run) -> dict:
    items = list(batch.items)
    try:
        plan = plan_matches(version, items)
        prepared = _prepare_new(items, plan.new, store, run) if plan.new else {}
        with transaction.atomic():
            version = lock_version(version)
            if prepared:  # frames may have come or gone while the images were stored
                plan = plan_matches(version, items)
            report = _write(
                version, items, plan, prepared, format=format, name=name, user=user, run=run
            )
            report["skipped"] = list(batch.skipped) + report["skipped"]
            if not report["frames_created"] and not report["frames_matched"]:
                _nothing_imported(report["skipped"])
            result = _final(report)
            if run is not None:
                run.succeed(result, _message(result))
        return result
    except BaseException:
        store.discard()
        raise


def _write(
    version: Version,
    items: list[ImportItem],
    plan: Plan,
    prepared: dict[int, Prepared],
    *,
    format: str,
    name: str,
    user,
    run: JobRun | None,
) -> dict:
    report = {
        "frames_created": 0,
        "frames_matched": len(plan.matched),
        "rois_created": 0,
        "frame_labels_created": 0,
        "skipped": list(plan.skipped),
    }
    new = []
    for number in plan.new:
        if number in prepared and prepared[number].mismatch:
            report["skipped"].append(skipped(items[number], prepared[number].mismatch))
        elif number in prepared:
            new.append(prepared[number])
        else:
            report["skipped"].append(
                skipped(items[number], "Its frame was removed while the import ran.")
            )
    if new:
        _keys_for_new(version, items, new)
        _timestamps_for_new(version, new, name)
        _create_frames(version, items, new, report)
    note = {"import": format}
    _add_annotations(version, items, plan.matched, report, user=user, note=note, run=run)
    return report


def _nothing_imported(skipped: list[dict]) -> None:
    errors = [
        {"file": s["file"], "index": s["index"], "field": "", "message": s["reason"]}
        for s in skipped[:MAX_BULK_ERRORS]
    ]
    message = (
        "Nothing was imported: no image of the file matched a frame of the version, and the file "
        "holds no image to create a frame from."
    )
    error = ValidationError(message, code="nothing_imported")
    error.errors = errors or [{"message": message}]
    raise error


def _final(report: dict) -> dict:
    skipped = report["skipped"]
    return report | {"skipped": skipped[:MAX_REPORTED_SKIPS], "skipped_count": len(skipped)}


def _message(report: dict) -> str:
    parts = []
    if report["frames_created"]:
        parts.append(f"created {report['frames_created']:,} frames")
    if report["frames_matched"]:
        parts.append(f"matched {report['frames_matched']:,} frames")
    parts.append(f"added {report['rois_created']:,} ROIs")
    if report["skipped_count"]:
        parts.append(f"skipped {report['skipped_count']:,}")
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."


# --- the job ------------------------------------------------------------------------------------
