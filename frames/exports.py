"""Exports: a scope's frames as records, streamed in order, and the files they are written into.

A version of a million frames never sits in memory. Frame rows come from one ordered query read a
chunk at a time (on PostgreSQL a server-side cursor: Django's `.iterator(chunk_size=…)` inside a
transaction), and each chunk's annotations from one more query; no model instance is built (a
million frames with five boxes each: six million instances would cost more than the export may
take). On PostgreSQL the database builds each frame's annotations as JSON and a second
connection reads chunk n + 1 while this one writes chunk n; on SQLite the rows are read as
tuples, their JSON columns parsed by orjson.

On PostgreSQL the export reads one snapshot (`read_snapshot`: REPEATABLE READ, read only, shared
with the read-ahead connection), so a save made meanwhile is in the file entirely or not at all.
On SQLite there is no transaction (one would take its write lock for the whole export): each
chunk's reads see the last commit.

The file goes straight into the media storage as it is written, never seeked (an S3 multipart
upload): `FileOutput` for a single file, `ZipOutput` (`frames.archive`) for an archive; images are
copied from the media storage (or an allowed bucket) into the archive.
"""

import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from itertools import islice
from typing import BinaryIO

import orjson
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from config.storage import local_path
from datasets.models import Version

from .archive import ZipArchive
from .imports import readable_buckets, s3_location
from .media import media_name
from .models import Roi, VersionFrame
from .selectors import annotation_values_as_dict
from .sources import sources_or_one
from .sql import annotations_as_json, annotations_of_frames

FRAME_CHUNK = 2000  # frames a query; their ROIs are read in one more
WRITE_BUFFER = 1 << 20
FRAME_LABEL = Roi.Type.FRAME.value
FRAME_VALUES = (
    "frame_id",
    "key",
    "frame__context_id",
    "frame__timestamp",
    "frame__uri",
    "frame__width",
    "frame__height",
    "meta_text",
    "sources_text",
)
SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")
# JSON columns read as text and parsed by orjson: faster than the JSON field's own decoding.
AS_TEXT = {
    "meta_text": Cast("frame__meta", TextField()),
    "sources_text": Cast("frame__sources", TextField()),
}


# --- reading ----------------------------------------------------------------------------------


class Snapshot:
    """What `read_snapshot` reads: `shared` names a PostgreSQL snapshot other connections may
    read too (None when the export runs inside someone else's transaction, or on SQLite)."""

    def __init__(self, shared: str | None = None):
        self.shared = shared


def read_snapshot():
    """A transaction reading one snapshot, on PostgreSQL; none on SQLite (see the module)."""
    if connection.vendor != "postgresql":
        return nullcontext(Snapshot())
    return _snapshot()


@contextmanager
def _snapshot() -> Iterator[Snapshot]:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if not outermost:  # a caller's transaction (a test's): its own isolation holds
            yield Snapshot()
            return
        with connection.cursor() as cursor:  # only a transaction's first statement sets this
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            yield Snapshot(cursor.fetchone()[0])


def version_records(
    memberships: QuerySet[VersionFrame],
    *,
    snapshot: Snapshot | None = None,
    chunk: int = FRAME_CHUNK,
) -> Iterator[dict]:
    """The records of these memberships' frames, in the queryset's order (the caller orders it).

    Run it inside `read_snapshot()` and pass its snapshot: on PostgreSQL the frame rows then come
    from a server-side cursor, and each chunk's annotations are read ahead on a second connection.
    """
    rows = memberships.annotate(**AS_TEXT).values_list(*FRAME_VALUES).iterator(chunk_size=chunk)
    return _pipelined(_batches(rows, chunk), snapshot)


def records_by_keys(
    version: Version,
    keys: Iterable[str],
    *,
    snapshot: Snapshot | None = None,
    chunk: int = FRAME_CHUNK,
) -> Iterator[dict]:
    """The records of the version's frames under `keys`, in that order; keys it lacks (frames
    deleted since a task was made) are passed over."""
    memberships = VersionFrame.objects.of(version).annotate(**AS_TEXT)

    def batches() -> Iterator[list[tuple]]:
        for batch in _batches(iter(keys), chunk):
            rows = memberships.filter(key__in=batch).values_list(*FRAME_VALUES)
            found = {row[1]: row for row in rows}
            if found:
                yield [found[key] for key in batch if key in found]

    return _pipelined(batches(), snapshot)


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(rows, size)):
        yield batch


def _pipelined(batches: Iterator[list[tuple]], snapshot: Snapshot | None) -> Iterator[dict]:
    """Records of each batch of frame rows, the annotations of the next read meanwhile."""
    with _annotation_reader(snapshot) as read:
        pending = None
        for rows in batches:
            ahead = (rows, read([row[0] for row in rows]))
            if pending is not None:
                yield from _records(*pending)
            pending = ahead
        if pending is not None:
            yield from _records(*pending)


@contextmanager
def _annotation_reader(snapshot: Snapshot | None) -> Iterator[Callable[[list[int]], Future]]:
    """`read(frame_ids)` → a future of their annotations.

    With a shared snapshot (PostgreSQL) a thread reads them on its own connection in the same
    snapshot, so the database builds chunk n + 1's JSON while this thread writes chunk n (about
    half the CPU time of an export is the database's). Else they are read at once, here.
    """
    if snapshot is None or snapshot.shared is None:
        yield _read_now
        return
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read")
    try:
        reader.submit(_join_snapshot, snapshot.shared).result()
        yield lambda frame_ids: reader.submit(_annotations, frame_ids)
    finally:
        reader.submit(_close_connection)
        reader.shutdown(wait=True)


def _read_now(frame_ids: list[int]) -> Future:
    future: Future = Future()
    future.set_result(_annotations(frame_ids))
    return future


def _join_snapshot(shared: str) -> None:
    if not SNAPSHOT_ID.fullmatch(shared):  # written into the statement: it takes no parameter
        raise ValueError(f"Unexpected snapshot id {shared!r}.")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{shared}'")


def _close_connection() -> None:
    connection.close()  # this thread's: the snapshot's transaction ends with it


def _records(rows: list[tuple], annotations: Future) -> Iterator[dict]:
    found = annotations.result()
    loads = orjson.loads
    for frame_id, key, context_id, timestamp, uri, width, height, meta, sources in rows:
        rois, frame_labels = found.get(frame_id) or ([], [])
        yield {
            "id": key,
            "context_id": context_id,
            "timestamp": timestamp,
            # Every source, as the bulk import takes them (not the `source` shorthand beside).
            "sources": sources_or_one(loads(sources), uri, width, height),
            "meta": loads(meta),
            "rois": rois,
            "frame_labels": frame_labels,
        }


def _annotations(frame_ids: list[int]) -> dict[int, tuple[list[dict], list[dict]]]:
    """{frame id: (ROIs, frame labels)} in drawing order, in the API's shape (`frame_as_dict`)."""
    if connection.vendor == "postgresql":
        return annotations_as_json(frame_ids)
    found: dict[int, tuple[list[dict], list[dict]]] = {}
    for frame_id, annotations in annotations_of_frames(frame_ids).items():
        lists = found[frame_id] = ([], [])
        for annotation in annotations:
            lists[annotation["type"] == FRAME_LABEL].append(annotation_values_as_dict(annotation))
    return found


# --- writing ----------------------------------------------------------------------------------


class _Buffered:
    """Writes gathered into large ones: a storage file (an S3 multipart upload) gets few calls."""

    def __init__(self, target: BinaryIO):
        self.target = target
        self.pending: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.pending.append(bytes(data))
        self.size += len(data)
        if self.size >= WRITE_BUFFER:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.pending:
            self.target.write(b"".join(self.pending))
            self.pending, self.size = [], 0

    def close(self) -> None:
        self.flush()
        self.target.close()


def open_for_writing(name: str) -> BinaryIO:
    """The media storage file `name`, new, for writing front to back (never seeked)."""
    path = local_path(name)
    if path is None:  # object storage: a multipart upload as the bytes come
        return _Buffered(default_storage.open(name, "wb"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return open(path, "wb", buffering=WRITE_BUFFER)


class _OneFile:
    """The single file of a `FileOutput`, handed to the writer; closing it is a no-op, the
    output closes the storage file."""

    def __init__(self, target: BinaryIO):
        self.write = target.write

    def close(self) -> None:
        pass

    def __enter__(self) -> "_OneFile":
        return self

    def __exit__(self, *exc) -> None:
        pass


class FileOutput:
    """An export that is one file (`.jsonl`, `.json`), opened by `opener` when the writer opens
    its member (`storage_output` / `local_output` make one)."""

    def __init__(self, opener: Callable[[], BinaryIO]):
        self.opener = opener
        self.target: BinaryIO | None = None

    def open(self, name: str) -> BinaryIO:
        if self.target is not None:
            raise RuntimeError("A single-file export writes one file; an archive holds more.")
        self.target = self.opener()
        return _OneFile(self.target)

    def add_image(self, record: dict, name: str) -> bool:
        return False

    def close(self) -> None:
        if self.target is None:  # the writer wrote nothing: the file exists all the same
            self.target = self.opener()
        self.target.close()


class ZipOutput:
    """An export that is a ZIP archive, written into `target` (closed with the output).

    A member the writer opens enters the archive when the writer closes it, so a writer may add
    images while its annotation file is open. Images are stored as they are (no compression).
    """

    def __init__(self, target: BinaryIO):
        self.target = target
        self.archive = ZipArchive(target)

    def open(self, name: str) -> BinaryIO:
        return self.archive.open(name)

    def add_image(self, record: dict, name: str) -> bool:
        source = open_image(record["source"]["uri"])
        if source is None:
            return False
        with source:
            self.archive.write_file(name, source)
        return True

    def close(self) -> None:
        self.archive.close()
        self.target.close()


def storage_output(name: str, *, zipped: bool) -> FileOutput | ZipOutput:
    """An output writing the media storage file `name`."""
    return (
        ZipOutput(open_for_writing(name)) if zipped else FileOutput(lambda: open_for_writing(name))
    )


def local_output(path: str, *, zipped: bool) -> FileOutput | ZipOutput:
    """An output writing the local file `path` (the command line's `--out`)."""

    def opener() -> BinaryIO:
        return open(path, "wb", buffering=WRITE_BUFFER)

    return ZipOutput(opener()) if zipped else FileOutput(opener)


def open_image(uri: str) -> BinaryIO | None:
    """The image's bytes: a file of the media storage, or an object of a bucket this server
    reads; None for a URL (an export fetches nothing from the web) or a missing file."""
    name = media_name(uri)
    if name is not None:
        try:
            return default_storage.open(name, "rb")
        except (OSError, BotoCoreError, ClientError):  # missing, here or in the bucket
            return None
    location = s3_location(uri)
    s3 = getattr(default_storage, "connection", None)
    if location is None or s3 is None or location[0] not in readable_buckets():
        return None
    bucket, key = location
    try:
        return s3.meta.client.get_object(Bucket=bucket, Key=key)["Body"]
    except (BotoCoreError, ClientError):
        return None
