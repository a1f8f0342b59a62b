"""Frames given as JSON: a list in one request, or a JSON Lines file imported by a job.

Both go through `frames_bulk_create` (validation, then COPY-speed inserts), all or none. A frame's
image is an http(s) URL, a file in the media storage (`media:<name>`) or, with S3 storage, an
object already in an allowed bucket (`s3://bucket/key`), which is served without being copied.
"""

import uuid
from collections.abc import Iterator
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

from .media import check_size, media_name
from .services import MAX_BULK_ERRORS, BulkImportError, frames_bulk_create

S3_SCHEME = "s3://"
# Frames a JSON Lines import writes per statement batch (all in one transaction).
IMPORT_CHUNK = 5_000
MAX_LINE_BYTES = 8 * 1024 * 1024
IMPORT_FORMATS = ("hyperlabel",)


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
    """Stage a JSON Lines file and queue the job that imports it."""
    ensure_draft(Version.objects.get(pk=version.pk))
    if format not in IMPORT_FORMATS:
        raise ValidationError(
            "format is one of %(formats)s; got %(format)r.",
            code="invalid_format",
            params={"formats": ", ".join(IMPORT_FORMATS), "format": format},
        )
    name = (file.name or "import.jsonl").rsplit("/", 1)[-1]
    check_size(name, file.size or 0)
    staging = f"incoming/{uuid.uuid4().hex[:12]}"
    stored = default_storage.save(f"{staging}/import.jsonl", file)
    with transaction.atomic():
        job = job_create(
            kind=Job.Kind.IMPORT,
            title=f"Import of “{name}” into {version.dataset.name} / {version.name}",
            user=user,
            version=version,
            params={"file": stored, "name": name, "format": format, "staging": staging},
            scratch=[staging],
            unit="frames",
        )
        job_enqueue(job, run_import)
    return job


def _read_lines(stored: str) -> Iterator[tuple[int, bytes]]:
    with default_storage.open(stored, "rb") as file:
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


def _write_chunk(version: Version, frames: list[dict], lines: list[int]) -> list[str]:
    errors = _first_errors(_uri_errors(frames, lines))
    if errors:
        raise BulkImportError(errors)
    try:
        return frames_bulk_create(version=version, frames=frames)
    except BulkImportError as error:
        raise _by_line(error, lines) from None


def import_work(run: JobRun) -> dict:
    """Every line a frame, written in chunks inside one transaction: all of the file or none."""
    job = run.job
    if job.version is None:
        raise ValidationError("The version was deleted before its import ran.", code="no_version")
    stored = job.params["file"]
    total = sum(1 for _ in _read_lines(stored))
    run.progress(0, total, unit="frames", message="Reading the file")
    created = 0
    with transaction.atomic():
        version = lock_version(job.version)
        frames, lines = [], []
        for number, line in _read_lines(stored):
            frames.append(_parse(number, line))
            lines.append(number)
            if len(frames) >= getattr(settings, "JOB_IMPORT_CHUNK", IMPORT_CHUNK):
                created += len(_write_chunk(version, frames, lines))
                frames, lines = [], []
                run.progress(created, message=f"Wrote {created:,} frames")
        if frames:
            created += len(_write_chunk(version, frames, lines))
        if not created:
            raise ValidationError("The file holds no frames.", code="empty_import")
        run.progress(created)
        run.succeed({"created": created}, f"Added {created:,} frames.")
    delete_folder(job.params["staging"])
    return {"created": created}


@task()
def run_import(job_id: int) -> str:
    return job_run(job_id, import_work)
