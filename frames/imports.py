"""Imports: frames given as JSON (a list in one request, or a JSON Lines file), and annotations
in COCO, YOLO or Pascal VOC, each imported all or none by a job.

JSON goes through `frames_bulk_create` (validation, then COPY-speed inserts). A frame's image is an
http(s) URL, a file in the media storage (`media:<name>`) or, with S3 storage, an object already in
an allowed bucket (`s3://bucket/key`), which is served without being copied.

COCO, YOLO and VOC files go to `frames.annotation_imports` (reading, matching images to frames
with `frames.matching`, adding annotations or new frames); this module stages them and runs the
job.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django_tasks import task

from config.storage import delete_folder
from datasets.jobs import JobRun, job_create, job_enqueue, job_run
from datasets.models import Job, Version
from datasets.services import ensure_draft, lock_version

from .annotation_imports import annotations_import, report_progress
from .media import check_size, media_name
from .services import (
    MAX_BULK_ERRORS,
    BulkImportError,
    frames_bulk_create,
)
from .uploads import Source, safe_file_name

S3_SCHEME = "s3://"
# A JSON Lines line (one frame) may be at most this long.
MAX_LINE_BYTES = 8 * 1024 * 1024
IMPORT_FORMATS = ("hyperlabel", "coco", "yolo", "voc")
# The files each format takes (the JSON Lines import reads any name).
EXTENSIONS = {"coco": (".json", ".zip"), "yolo": (".zip",), "voc": (".zip",)}


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
    stored = default_storage.save(f"{staging}/{safe_file_name(name)}", file)
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


def _check_file(format: str, name: str, size: int) -> None:
    """A file the format cannot take is refused at once."""
    if format == "hyperlabel":
        check_size(name, size)
        return
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in EXTENSIONS[format]:
        raise ValidationError(
            "A %(format)s import takes %(kinds)s; got “%(name)s”.",
            code="invalid_file_type",
            params={"format": format, "kinds": " or ".join(EXTENSIONS[format]), "name": name},
        )
    if suffix == ".zip":
        limit = settings.IMPORT_ARCHIVE_MAX_BYTES
        if size > limit:
            raise ValidationError(
                "“%(name)s” is %(size)s bytes; an archive may be at most %(limit)s.",
                code="file_too_large",
                params={"name": name, "size": f"{size:,}", "limit": f"{limit:,}"},
            )
    else:
        check_size(name, size)


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
            if len(frames) >= settings.JOB_IMPORT_CHUNK:
                rois += _write_chunk(version, frames, lines)
                created += len(frames)
                frames, lines = [], []
                report_progress(run, created, f"Wrote {created:,} frames")
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
        with Source.staged(PurePosixPath(stored).name, stored, 0).local_path() as path:
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
