"""Imports: frames given as JSON (a list in one request, or a JSON Lines file), and annotations
in COCO, YOLO or Pascal VOC, each imported all or none by a job.

JSON goes through `frames_bulk_create` (validation, then COPY-speed inserts). A frame's image is an
http(s) URL, a file in the media storage (`media:<name>`) or, with S3 storage, an object already in
an allowed bucket (`s3://bucket/key`), which is served without being copied.

COCO, YOLO and VOC files are read by `frames.formats` into one `ImportItem` per image; each item
is matched to a frame of the version (`FrameIndex`): by the key the file gives (Hyperlabel's own
COCO export), else a key equal to the file name's path or stem, else the file name equal to the
last part of the frame's image URI. A matched item's annotations are added to its frame
(`frames_annotations_add`: copy-on-write, history); an unmatched item whose image is in the
archive becomes a new frame (stored as uploads store images, key = its stem); any other item is
skipped, with the reason, in the job's report `{frames_created, frames_matched, rois_created,
skipped: [{file, index, reason}]}`.
"""

import importlib
import io
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from django_tasks import task

from config.bulk import gc_paused
from config.storage import delete_folder
from datasets.jobs import JobRun, job_create, job_enqueue, job_run
from datasets.models import Job, Version
from datasets.services import ensure_draft, lock_version

from .formats import MAX_REPORTED_SKIPS, ImportBatch, ImportItem
from .formats.coco_reader import SOURCE_INDEX
from .media import check_size, inspect_image, media_name, media_uri, png_bytes, thumbnail_of
from .models import Frame
from .pipeline import in_order
from .selectors import keys_taken
from .services import (
    MAX_BULK_ERRORS,
    BulkImportError,
    frames_annotations_add,
    frames_bulk_create,
)
from .sql import frame_files, frame_rows_under_keys
from .uploads import Store

S3_SCHEME = "s3://"
# Frames a JSON Lines import writes per statement batch (all in one transaction).
IMPORT_CHUNK = 5_000
MAX_LINE_BYTES = 8 * 1024 * 1024
IMPORT_FORMATS = ("hyperlabel", "coco", "yolo", "voc")
# The files each format takes (the JSON Lines import reads any name).
EXTENSIONS = {"coco": (".json", ".zip"), "yolo": (".zip",), "voc": (".zip",)}
# Readers other modules provide: `read_<format>(path) -> ImportBatch`.
READERS = {
    "coco": "frames.formats.coco_reader",
    "yolo": "frames.formats.yolo",
    "voc": "frames.formats.voc",
}
MAX_STEM = 200  # of a new frame's key, as uploads cut it
LEADING = re.compile(r"^(?:\.?/)+")  # of a file name in an archive: "./a.jpg", "/a.jpg"
# An archive with images is bigger than one upload (UPLOAD_MAX_BYTES bounds each file in it).
ARCHIVE_MAX_BYTES = 20 * 1024**3


def s3_location(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of an `s3://bucket/key` URI; None for other URIs."""
    if not uri.startswith(S3_SCHEME):
        return None
    bucket, _, key = uri.removeprefix(S3_SCHEME).partition("/")
    return (bucket, key) if bucket and key else None


def readable_buckets() -> set[str]:
    if not settings.S3_BUCKET:
        return set()
    return {settings.S3_BUCKET, *settings.S3_READ_BUCKETS}


def uri_problem(uri: str) -> str | None:
    """Why a frame's `source.uri` cannot be served, or None when it can."""
    if uri.startswith("http://") or uri.startswith("https://"):
        return None if urlsplit(uri).netloc else f"URL {uri!r} names no host."
    if uri.startswith(S3_SCHEME):
        return _s3_problem(uri)
    name = media_name(uri)
    if name is not None:
        if default_storage.exists(name):
            return None
        return f"No media file “{name}”; copy it under the media folder first."
    if uri.startswith("media:"):
        return f"{uri!r} leaves the media folder; give a path inside it."
    return (
        "source.uri is an http(s) URL, media:<path in the media storage> or "
        f"s3://bucket/key; got {uri!r}."
    )


def _s3_problem(uri: str) -> str | None:
    location = s3_location(uri)
    if location is None:
        return f"{uri!r} is not s3://bucket/key."
    buckets = readable_buckets()
    if not buckets:
        return "s3:// URIs need S3 storage (set S3_BUCKET)."
    if location[0] not in buckets:
        allowed = ", ".join(sorted(buckets))
        return f"Bucket “{location[0]}” is not one this server reads ({allowed})."
    return None


def _uri_errors(frames: list, lines: list[int] | None = None) -> Iterator[dict]:
    for index, data in enumerate(frames):
        source = data.get("source") if isinstance(data, dict) else None
        uri = source.get("uri") if isinstance(source, dict) else None
        problem = uri_problem(uri) if isinstance(uri, str) and uri else None
        if problem:
            where = {"line": lines[index]} if lines else {"index": index}
            yield {**where, "field": "source.uri", "message": problem}


def _first_errors(errors: Iterator[dict]) -> list[dict]:
    found = []
    for error in errors:
        found.append(error)
        if len(found) >= MAX_BULK_ERRORS:
            break
    return found


def frames_import_json(*, version: Version, frames: list[dict]) -> list[str]:
    """Frames with their annotations, checked as a whole: the bulk service plus URI checks."""
    ensure_draft(Version.objects.get(pk=version.pk))
    if not isinstance(frames, list):
        raise ValidationError(
            "Give a JSON list of frames, not %(kind)s.",
            code="not_a_list",
            params={"kind": type(frames).__name__},
        )
    errors = _first_errors(_uri_errors(frames))
    if errors:
        raise BulkImportError(errors)
    return frames_bulk_create(version=version, frames=frames)


def import_start(*, version: Version, user, file: UploadedFile, format: str) -> Job:
    """Stage the file and queue the job that imports it; refuses at once what it can."""
    ensure_draft(Version.objects.get(pk=version.pk))
    if format not in IMPORT_FORMATS:
        raise ValidationError(
            "format is one of %(formats)s; got %(format)r.",
            code="invalid_format",
            params={"formats": ", ".join(IMPORT_FORMATS), "format": format},
        )
    name = PurePosixPath((file.name or "import").replace("\\", "/")).name or "import"
    _check_file(format, name, file.size or 0)
    staging = f"incoming/{uuid.uuid4().hex[:12]}"
    # Under its own name: the readers name the file in their errors and skips.
    stored = default_storage.save(f"{staging}/{_safe_name(name)}", file)
    folder = f"frames/{version.pk}/{uuid.uuid4().hex[:12]}"  # images of new frames
    with transaction.atomic():
        job = job_create(
            kind=Job.Kind.IMPORT,
            title=f"Import of “{name}” into {version.dataset.name} / {version.name}",
            user=user,
            version=version,
            params={
                "file": stored,
                "name": name,
                "format": format,
                "staging": staging,
                "folder": folder,
            },
            scratch=[staging, folder],
            unit="frames",
        )
        job_enqueue(job, run_import)
    return job


def _safe_name(name: str) -> str:
    try:
        return get_valid_filename(name)
    except SuspiciousFileOperation:
        return "import"


def _check_file(format: str, name: str, size: int) -> None:
    """A file the format cannot take is refused at once."""
    if format == "hyperlabel":
        check_size(name, size)
        return
    reader(format)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in EXTENSIONS[format]:
        raise ValidationError(
            "A %(format)s import takes %(kinds)s; got “%(name)s”.",
            code="invalid_file_type",
            params={"format": format, "kinds": " or ".join(EXTENSIONS[format]), "name": name},
        )
    if suffix == ".zip":
        limit = getattr(settings, "IMPORT_ARCHIVE_MAX_BYTES", ARCHIVE_MAX_BYTES)
        if size > limit:
            raise ValidationError(
                "“%(name)s” is %(size)s bytes; an archive may be at most %(limit)s.",
                code="file_too_large",
                params={"name": name, "size": f"{size:,}", "limit": f"{limit:,}"},
            )
    else:
        check_size(name, size)


def reader(format: str) -> Callable[[str], ImportBatch]:
    """`read_<format>` of the format's module; a clear refusal while a reader is missing."""
    try:
        module = importlib.import_module(READERS[format])
        return getattr(module, f"read_{format}")
    except (ImportError, AttributeError):
        raise ValidationError(
            "Importing %(format)s is not available in this release.",
            code="format_unavailable",
            params={"format": format},
        ) from None


# --- JSON Lines -------------------------------------------------------------------------------


def _read_lines(open_file: Callable) -> Iterator[tuple[int, bytes]]:
    with open_file() as file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                yield number, line


def _parse(number: int, line: bytes) -> dict:
    if len(line) > MAX_LINE_BYTES:
        raise BulkImportError(
            [
                {
                    "line": number,
                    "field": "",
                    "message": f"The line is over {MAX_LINE_BYTES:,} bytes; one frame a line.",
                }
            ]
        )
    try:
        frame = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise BulkImportError(
            [{"line": number, "field": "", "message": f"Not JSON: {error}."}]
        ) from None
    if not isinstance(frame, dict):
        raise BulkImportError(
            [{"line": number, "field": "", "message": "Each line is one frame, a JSON object."}]
        )
    return frame


def _by_line(error: BulkImportError, lines: list[int]) -> BulkImportError:
    """The bulk service counts frames from 0 in its batch; a file's user counts lines."""
    return BulkImportError(
        [
            {"line": lines[e["index"]], "field": e["field"], "message": e["message"]}
            if "index" in e
            else e
            for e in error.errors
        ]
    )


def _write_chunk(version: Version, frames: list[dict], lines: list[int]) -> int:
    """Frames written; answers their ROIs (shapes) counted."""
    errors = _first_errors(_uri_errors(frames, lines))
    if errors:
        raise BulkImportError(errors)
    try:
        frames_bulk_create(version=version, frames=frames)
    except BulkImportError as error:
        raise _by_line(error, lines) from None
    return sum(len(frame.get("rois") or ()) for frame in frames)


def jsonl_import(*, version: Version, open_file: Callable, run: JobRun | None = None) -> dict:
    """Every line a frame, written in chunks inside one transaction: all of the file or none."""
    total = sum(1 for _ in _read_lines(open_file))
    if run is not None:
        run.progress(0, total, unit="frames", message="Reading the file")
    created = rois = 0
    with transaction.atomic():
        version = lock_version(version)
        frames, lines = [], []
        for number, line in _read_lines(open_file):
            frames.append(_parse(number, line))
            lines.append(number)
            if len(frames) >= _chunk():
                rois += _write_chunk(version, frames, lines)
                created += len(frames)
                frames, lines = [], []
                _progress(run, created, f"Wrote {created:,} frames")
        if frames:
            rois += _write_chunk(version, frames, lines)
            created += len(frames)
        if not created:
            raise ValidationError("The file holds no frames.", code="empty_import")
        result = {
            "created": created,
            "frames_created": created,
            "frames_matched": 0,
            "rois_created": rois,
            "skipped": [],
        }
        if run is not None:
            run.progress(created)
            run.succeed(result, f"Added {created:,} frames.")
    return result


def _chunk() -> int:
    return getattr(settings, "JOB_IMPORT_CHUNK", IMPORT_CHUNK)


def _progress(run: JobRun | None, done: int, message: str, total: int | None = None) -> None:
    if run is not None:
        run.progress(done, total, message=message)


# --- COCO, YOLO, VOC: matching items to frames --------------------------------------------------


def uri_file_name(uri: str) -> str:
    """The last part of a frame image's path: `media:frames/1/ab/0001.jpg` → `0001.jpg`."""
    if uri.startswith(("http://", "https://")):
        path = unquote(urlsplit(uri).path)
    else:
        path = uri.split(":", 1)[-1]
    return path.rstrip("/").rsplit("/", 1)[-1]


def _clean_path(file_name: str) -> str:
    return LEADING.sub("", file_name.replace("\\", "/")) or "image"


def _path(item: ImportItem) -> PurePosixPath:
    return PurePosixPath(_clean_path(item.file_name))


def _candidate_keys(item: ImportItem) -> list[str]:
    """Keys the item may name, most specific first: the key the file gives (Hyperlabel's export),
    the file name's path without extension (`cam1/0001`), its stem (`0001`), the name itself.

    String operations, not PurePosixPath: this runs for every image of a 100,000-image file."""
    path = _clean_path(item.file_name)
    folder, _, name = path.rpartition("/")
    stem, _, _ = name.rpartition(".")
    if not stem:  # no extension, or a name like ".hidden"
        stem = name
    keys = [getattr(item, "key", None)]
    if folder:
        keys.append(f"{folder}/{stem}")
    keys += [stem, name]
    return list(dict.fromkeys(key for key in keys if key)) or ["image"]


@dataclass
class Target:
    """The frame an item goes to: its key and size."""

    key: str
    width: int
    height: int


class FrameIndex:
    """The version's frames as items find them: by key (the membership's primary key), else by
    the last part of the image URI (every frame's URI read once, only when some item needs it)."""

    def __init__(self, version: Version, items: list[ImportItem]):
        self.version = version
        self.candidates = [_candidate_keys(item) for item in items]
        # Each item's first key, then the others of the items that first one missed: a file of
        # frame keys (the usual case) asks for each key once.
        self.by_key: dict[str, Target] = {}
        self._look_up({keys[0] for keys in self.candidates})
        self._look_up({k for keys in self.candidates if keys[0] not in self.by_key for k in keys})
        self.by_name: dict[str, list[tuple[str, str, int, int]]] | None = None

    def _look_up(self, keys: set[str]) -> None:
        if keys:
            rows = frame_rows_under_keys(self.version.pk, list(keys), ("width", "height"))
            for key, row in rows.items():
                self.by_key[key] = Target(key, row["width"], row["height"])

    def find(self, number: int, item: ImportItem) -> tuple[Target | None, str]:
        """The item's frame, or None and why not ("" when no frame has its name or key)."""
        for key in self.candidates[number]:
            if key in self.by_key:
                return self.by_key[key], ""
        if self.by_name is None:
            self.by_name = {}
            for row in frame_files(self.version.pk):
                name = uri_file_name(row[1])
                self.by_name.setdefault(name, []).append(row)
                stem = PurePosixPath(name).stem
                if stem != name:  # a YOLO label file without its image names only the stem
                    self.by_name.setdefault(stem, []).append(row)
        path = _path(item)
        # The name, else the stem: an image converted to another format keeps its stem.
        found = self.by_name.get(path.name) or self.by_name.get(path.stem, [])
        if len(found) > 1 and len(path.parts) > 1:  # a folder in the file name narrows it
            suffix = "/" + str(path)
            found = [row for row in found if uri_path(row[1]).endswith(suffix)] or found
        if len(found) == 1:
            key, _, width, height = found[0]
            return Target(key, width, height), ""
        if found:
            keys = ", ".join(f"“{row[0]}”" for row in found[:5])
            return None, (
                f"{len(found)} frames have an image named “{path.name}” ({keys}); give the "
                "frame's key as the file name (its stem) to say which."
            )
        return None, ""


def uri_path(uri: str) -> str:
    if uri.startswith(("http://", "https://")):
        return unquote(urlsplit(uri).path)
    return "/" + uri.split(":", 1)[-1].lstrip("/")


@dataclass
class Plan:
    """What happens to each item: matched to a frame, a new frame, or skipped."""

    matched: dict[int, Target] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def _plan(version: Version, items: list[ImportItem]) -> Plan:
    index = FrameIndex(version, items)
    plan = Plan()
    claimed: dict[str, str] = {}
    for number, item in enumerate(items):
        target, why = index.find(number, item)
        if target is None:
            if why:
                plan.skipped.append(_skip(item, why))
            elif item.image is not None:
                plan.new.append(number)
            else:
                plan.skipped.append(_skip(item, _no_frame(item)))
        elif target.key in claimed:
            plan.skipped.append(
                _skip(
                    item,
                    f"Frame “{target.key}” was matched by “{claimed[target.key]}” earlier in the "
                    "file; each frame takes one image's annotations.",
                )
            )
        elif _size_differs(item, target):
            plan.skipped.append(
                _skip(
                    item,
                    f"The file says the image is {item.width} × {item.height}; frame "
                    f"“{target.key}” is {target.width} × {target.height}.",
                )
            )
        else:
            claimed[target.key] = item.file_name
            plan.matched[number] = target
    return plan


def _skip(item: ImportItem, reason: str) -> dict:
    return {"file": item.file_name, "index": None, "reason": reason}


def _no_frame(item: ImportItem) -> str:
    count = len(item.rois) + len(item.frame_labels)
    if count == 0:
        lost = "it has no annotations"
    else:
        lost = "its annotation was" if count == 1 else f"its {count} annotations were"
        lost += " not imported"
    return (
        "No frame of the version has this file name or key, and the file holds no image to "
        f"create one from; {lost}."
    )


def _size_differs(item: ImportItem, target: Target) -> bool:
    if item.normalized or item.width is None or item.height is None:
        return False
    return (item.width, item.height) != (target.width, target.height)


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
    name = _path(item).name
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
            path = _path(item)
            if info.needs_png:
                stored = store.save(
                    f"{path.stem}.png", ContentFile(png_bytes(content)), thumbnail=thumbnail
                )
            else:
                content.seek(0)
                stored = store.save(
                    f"{path.stem}.{info.extension}", File(content), thumbnail=thumbnail
                )
            frame = {
                "context_id": getattr(item, "context_id", None),
                "timestamp": getattr(item, "timestamp", None),
                "source": {"uri": media_uri(stored), "width": info.width, "height": info.height},
                "meta": item.meta,
                "rois": _annotations(item, info.width, info.height),
                "frame_labels": item.frame_labels,
            }
            prepared[number] = Prepared(number, frame, _mismatch(item, info.width, info.height))
            _progress(run, done, f"Stored {path.name}", total=len(numbers))
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
    wanted = {
        p.number: getattr(items[p.number], "key", None) or _path(items[p.number]).stem[:MAX_STEM]
        for p in prepared
    }
    taken = keys_taken(version=version, keys=list(set(wanted.values())))
    for entry in prepared:
        base = wanted[entry.number]
        key, attempt = base, 1
        while key in taken:
            attempt += 1
            key = f"{base}-{attempt}"
        taken.add(key)
        entry.frame["id"] = key


def _timestamps_for_new(version: Version, prepared: list[Prepared], context_id: str) -> None:
    """The file's context and timestamp when it gives them, else the archive's name as context
    and 0, 1, 2… after the context's last timestamp in the version."""
    for entry in prepared:
        if entry.frame["context_id"] is None:
            entry.frame["context_id"] = context_id
    counting = [e.frame for e in prepared if e.frame["timestamp"] is None]
    contexts = {frame["context_id"] for frame in counting}
    following = {
        row["context_id"]: row["last"] + 1
        for row in Frame.objects.in_version(version)
        .filter(context_id__in=contexts)
        .values("context_id")
        .annotate(last=Max("timestamp"))
    }
    for frame in counting:
        frame["timestamp"] = following.get(frame["context_id"], 0)
        following[frame["context_id"]] = frame["timestamp"] + 1


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
        field_name, index = problem["field"], None
        head, _, rest = field_name.partition(".")
        if head.startswith("rois[") and head.endswith("]"):
            position = int(head[5:-1])
            roi = item.rois[position] if position < len(item.rois) else {}
            index = roi.get(SOURCE_INDEX, position) if isinstance(roi, dict) else position
            field_name = rest
        named.append(
            {
                "file": item.file_name,
                "index": index,
                "field": field_name,
                "message": problem["message"],
            }
        )
    return AnnotationImportError(named)


def _create_frames(
    version: Version, items: list[ImportItem], prepared: list[Prepared], report: dict
) -> None:
    for start in range(0, len(prepared), _chunk()):
        chunk = prepared[start : start + _chunk()]
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
    _progress(run, 0, "Adding annotations", total=len(numbers))
    done = 0
    for start in range(0, len(numbers), _chunk()):
        chunk = numbers[start : start + _chunk()]
        frames = []
        for number in chunk:
            item, target = items[number], matched[number]
            rois = _annotations(item, target.width, target.height)
            frames.append({"id": target.key, "rois": rois, "frame_labels": item.frame_labels})
        try:
            added = frames_annotations_add(version=version, frames=frames, user=user, note=note)
        except BulkImportError as error:
            raise _named(error, items, chunk) from None
        report["rois_created"] += added.rois
        report["frame_labels_created"] += added.frame_labels
        for skip in added.skipped:
            item = items[chunk[skip["index"]]]
            _, _, position = skip["field"].partition("[")
            roi = item.rois[int(position.rstrip("]"))] if skip["field"].startswith("rois") else {}
            report["skipped"].append(
                {"file": item.file_name, "index": roi.get(SOURCE_INDEX), "reason": skip["reason"]}
            )
        done += len(chunk)
        _progress(run, done, f"Added annotations to {done:,} frames")


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
    read = reader(format)
    _progress(run, 0, "Reading the file")
    store = Store(folder=folder or f"frames/{version.pk}/{uuid.uuid4().hex[:12]}")
    # Millions of small objects and no cycles among them: collection passes would only cost.
    with gc_paused():
        return _import(version, read(path), store, format=format, name=name, user=user, run=run)


def _import(version, batch, store, *, format, name, user, run) -> dict:
    items = list(batch.items)
    try:
        plan = _plan(version, items)
        prepared = _prepare_new(items, plan.new, store, run) if plan.new else {}
        with transaction.atomic():
            version = lock_version(version)
            if prepared:  # frames may have come or gone while the images were stored
                plan = _plan(version, items)
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
            report["skipped"].append(_skip(items[number], prepared[number].mismatch))
        elif number in prepared:
            new.append(prepared[number])
        else:
            report["skipped"].append(
                _skip(items[number], "Its frame was removed while the import ran.")
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


@contextmanager
def local_file(stored: str) -> Iterator[str]:
    """A local path of a staged file: the file itself, or a temporary copy from object storage."""
    try:
        path = default_storage.path(stored)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hl-import-") as folder:
        copy = Path(folder) / PurePosixPath(stored).name
        with default_storage.open(stored, "rb") as source, copy.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        yield str(copy)


def import_work(run: JobRun) -> dict:
    """The job's side of `import_start`: the staged file imported, then dropped."""
    job = run.job
    if job.version is None:
        raise ValidationError("The version was deleted before its import ran.", code="no_version")
    params = job.params
    stored, format = params["file"], params.get("format", "hyperlabel")
    if format == "hyperlabel":
        result = jsonl_import(
            version=job.version, open_file=lambda: default_storage.open(stored, "rb"), run=run
        )
    else:
        with local_file(stored) as path:
            result = annotations_import(
                version=job.version,
                path=path,
                format=format,
                name=params["name"],
                user=job.created_by,
                run=run,
                folder=params["folder"],
            )
    delete_folder(params["staging"])
    return result


@task()
def run_import(job_id: int) -> str:
    return job_run(job_id, import_work)
