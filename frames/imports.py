"""Import services: images and videos (uploaded or local files) and frames given as JSON.

Files are checked and written to storage first, outside any transaction (decoding a video takes a
while, and SQLite would block every other writer meanwhile); then one short transaction locks the
version, picks keys and timestamps and inserts all frames through `frames_bulk_create`. Any
failure deletes the files this import wrote, so a refused batch leaves nothing behind.

- Keys: an image's key is its file-name stem; a video frame's is `<stem>-<frame:06d>`. When a key
  is taken in the version (or earlier in the batch) the stem becomes `<stem>-2`, `<stem>-3`….
- Context: a video's frames have its file name (with extension). Images take `context_id` when
  given, else their folder's name (local files) or the batch name `upload-YYYYMMDD-HHMMSS`.
- Timestamps: images count 0, 1, 2… (one unit per image, in the order given) within their context,
  after the context's last timestamp in the version; video frames carry their time in ms.
- Storage: `frames/<version id>/<batch id>/<file name>`; a video's frames go to
  `…/<video name>/<frame:06d>.jpg`. Frames point at them as `media:<name>` (see `frames.media`).
"""

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename

from datasets.models import Version
from datasets.services import ensure_draft, lock_version

from .media import (
    check_size,
    inspect_image,
    is_video_name,
    media_name,
    media_uri,
    png_bytes,
    read_video,
)
from .models import Frame
from .selectors import keys_taken
from .services import MAX_BULK_ERRORS, BulkImportError, frames_bulk_create
from .validation import FieldError, clean_context_id

MAX_STEM_LENGTH = 200


@dataclass
class Source:
    """One input file, read the same way whether it came from a form or from disk."""

    name: str
    size: int
    folder: str | None
    opener: Callable[[], BinaryIO]
    path: str | None

    @classmethod
    def of(cls, item: UploadedFile | Path) -> "Source":
        if isinstance(item, UploadedFile):
            temporary = getattr(item, "temporary_file_path", None)
            return cls(
                name=Path(item.name or "upload").name,
                size=item.size or 0,
                folder=None,
                opener=lambda: item,
                path=temporary() if temporary else None,
            )
        path = Path(item)
        return cls(
            name=path.name,
            size=path.stat().st_size,
            folder=path.resolve().parent.name,
            opener=lambda: path.open("rb"),
            path=str(path),
        )

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem[:MAX_STEM_LENGTH] or "frame"

    @contextmanager
    def file(self) -> Iterator[BinaryIO]:
        file = self.opener()
        file.seek(0)
        try:
            yield file
        finally:
            if not isinstance(file, UploadedFile):  # uploads belong to the request
                file.close()

    @contextmanager
    def local_path(self) -> Iterator[str]:
        """A path OpenCV can open: the file itself, or a temporary copy of an in-memory upload."""
        if self.path:
            yield self.path
            return
        with (
            tempfile.NamedTemporaryFile(suffix=PurePosixPath(self.name).suffix) as copy,
            self.file() as file,
        ):
            for chunk in iter(lambda: file.read(1024 * 1024), b""):
                copy.write(chunk)
            copy.flush()
            yield copy.name


@dataclass
class Store:
    """Writes media files under one batch folder and can take them all back."""

    folder: str
    names: list[str] = field(default_factory=list)

    def save(self, path: str, content) -> str:
        """`path` is a/b/file under the batch folder; each part is made a safe file name."""
        parts = []
        for part in path.split("/"):
            try:
                parts.append(get_valid_filename(part))
            except SuspiciousFileOperation:
                parts.append("file")
        stored = default_storage.save("/".join([self.folder, *parts]), content)
        self.names.append(stored)
        return stored

    def discard(self) -> None:
        for name in self.names:
            default_storage.delete(name)
        self.names.clear()
        try:
            root = Path(default_storage.path(self.folder))
        except NotImplementedError:  # remote storage has no folders to tidy
            return
        for folder, _, _ in sorted(os.walk(root), reverse=True):  # deepest first
            with suppress(OSError):  # not empty: someone else's file
                os.rmdir(folder)


@dataclass
class Imported:
    """The frames one file gives, waiting for keys (and, for images, a timestamp)."""

    stem: str
    frames: list[dict]
    video_frame_numbers: list[int] | None = None

    def keys(self, stem: str) -> list[str]:
        if self.video_frame_numbers is None:
            return [stem]
        return [f"{stem}-{number:06d}" for number in self.video_frame_numbers]


def _read_image(source: Source, store: Store, context_id: str) -> Imported:
    with source.file() as file:
        info = inspect_image(source.name, file)
        if info.needs_png:
            stored = store.save(f"{source.stem}.png", ContentFile(png_bytes(file)))
        else:
            stored = store.save(f"{source.stem}.{info.extension}", File(file))
    frame = {
        "context_id": context_id,
        "source": {"uri": media_uri(stored), "width": info.width, "height": info.height},
    }
    return Imported(stem=source.stem, frames=[frame])


def _read_video(source: Source, store: Store, step: int) -> Imported:
    frames, numbers = [], []
    with source.local_path() as path:
        for video_frame in read_video(source.name, path, step=step):
            stored = store.save(
                f"{source.name}/{video_frame.number:06d}.jpg", ContentFile(video_frame.jpeg)
            )
            numbers.append(video_frame.number)
            frames.append(
                {
                    "context_id": source.name,
                    "timestamp": video_frame.timestamp,
                    "source": {
                        "uri": media_uri(stored),
                        "width": video_frame.width,
                        "height": video_frame.height,
                    },
                    "meta": {"frame": video_frame.number, "fps": video_frame.fps},
                }
            )
    return Imported(stem=source.stem, frames=frames, video_frame_numbers=numbers)


def _read(source: Source, store: Store, *, step: int, context_id: str | None) -> Imported:
    check_size(source.name, source.size)
    if is_video_name(source.name):
        return _read_video(source, store, step)
    return _read_image(source, store, (source.folder or "") if context_id is None else context_id)


def _assign_keys(version: Version, imported: list[Imported]) -> None:
    """Stem, then stem-2, stem-3…: each round asks the database once about every open file."""
    used: set[str] = set()
    waiting, attempt = imported, 1
    while waiting:
        wanted = {
            id(item): item.keys(item.stem if attempt == 1 else f"{item.stem}-{attempt}")
            for item in waiting
        }
        taken = used | keys_taken(
            version=version, keys=[k for keys in wanted.values() for k in keys]
        )
        still_waiting = []
        for item in waiting:
            keys = wanted[id(item)]
            if taken.isdisjoint(keys):
                for frame, key in zip(item.frames, keys, strict=True):
                    frame["id"] = key
                used.update(keys)
                taken.update(keys)
            else:
                still_waiting.append(item)
        waiting, attempt = still_waiting, attempt + 1


def _assign_timestamps(version: Version, imported: list[Imported]) -> None:
    image_frames = [
        frame for item in imported if item.video_frame_numbers is None for frame in item.frames
    ]
    contexts = {frame["context_id"] for frame in image_frames}
    next_timestamp = {
        row["context_id"]: row["last"] + 1
        for row in Frame.objects.in_version(version)
        .filter(context_id__in=contexts)
        .values("context_id")
        .annotate(last=Max("timestamp"))
    }
    for frame in image_frames:
        frame["timestamp"] = next_timestamp.get(frame["context_id"], 0)
        next_timestamp[frame["context_id"]] = frame["timestamp"] + 1


def _check_request(version: Version, files: list, step: int, context_id: str | None) -> None:
    ensure_draft(Version.objects.get(pk=version.pk))
    if context_id is not None:
        try:
            clean_context_id(context_id)
        except FieldError as error:
            raise error.as_validation_error() from None
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise ValidationError(
            "step is a whole number of at least 1; got %(step)r.",
            code="invalid_step",
            params={"step": step},
        )
    if not files:
        raise ValidationError("Choose at least one image or video file.", code="no_files")


def frames_import_uploads(
    *,
    version: Version,
    files: list[UploadedFile | Path],
    context_id: str | None = None,
    step: int = 1,
) -> list[str]:
    """Images and videos become frames, all or none; a bad file is named and nothing is kept."""
    _check_request(version, files, step, context_id)
    if context_id is None and any(isinstance(item, UploadedFile) for item in files):
        context_id = f"upload-{timezone.now():%Y%m%d-%H%M%S}"  # one name for the whole batch
    store = Store(folder=f"frames/{version.pk}/{uuid.uuid4().hex[:12]}")
    try:
        imported = [
            _read(Source.of(item), store, step=step, context_id=context_id) for item in files
        ]
        with transaction.atomic():
            version = lock_version(version)
            _assign_keys(version, imported)
            _assign_timestamps(version, imported)
            return frames_bulk_create(
                version=version, frames=[frame for item in imported for frame in item.frames]
            )
    except BaseException:
        store.discard()
        raise


def uri_problem(uri: str) -> str | None:
    """Why a frame's `source.uri` cannot be served, or None when it can."""
    if uri.startswith("http://") or uri.startswith("https://"):
        return None if urlsplit(uri).netloc else f"URL {uri!r} names no host."
    name = media_name(uri)
    if name is not None:
        if default_storage.exists(name):
            return None
        return f"No media file “{name}”; copy it under the media folder first."
    if uri.startswith("media:"):
        return f"{uri!r} leaves the media folder; give a path inside it."
    return f"source.uri is an http(s) URL or media:<path in the media folder>; got {uri!r}."


def _uri_errors(frames: list) -> Iterator[dict]:
    for index, data in enumerate(frames):
        source = data.get("source") if isinstance(data, dict) else None
        uri = source.get("uri") if isinstance(source, dict) else None
        problem = uri_problem(uri) if isinstance(uri, str) and uri else None
        if problem:
            yield {"index": index, "field": "source.uri", "message": problem}


def frames_import_json(*, version: Version, frames: list[dict]) -> list[str]:
    """Frames with their annotations, checked as a whole: the bulk service plus URI checks."""
    ensure_draft(Version.objects.get(pk=version.pk))
    if not isinstance(frames, list):
        raise ValidationError(
            "Give a JSON list of frames, not %(kind)s.",
            code="not_a_list",
            params={"kind": type(frames).__name__},
        )
    errors = []
    for error in _uri_errors(frames):
        errors.append(error)
        if len(errors) >= MAX_BULK_ERRORS:
            break
    if errors:
        raise BulkImportError(errors)
    return frames_bulk_create(version=version, frames=frames)
