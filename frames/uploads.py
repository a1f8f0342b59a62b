"""Uploads: images and videos become frames, all or none, in a background job.

The request (`upload_start`) checks what it can at once (a Draft, sizes, options), stages the files
in storage under `incoming/<batch>/` and answers with a queued `Job`. The job (`upload_work`)
verifies and decodes every file, writes originals and thumbnails, then one short transaction locks
the version, picks keys and timestamps, inserts all frames through `frames_bulk_create` and marks
the job succeeded. Any failure, a cancel or a killed worker removes what the job wrote.
`frames_import_uploads` is the same work without a job, for the command line.

- Keys: an image's key is its file-name stem; a video frame's is `<stem>-<frame:06d>`. When a key
  is taken in the version (or earlier in the batch) the stem becomes `<stem>-2`, `<stem>-3`….
- Several sources (a FrameGroup): images named `<frame>__<source>.<ext>` (split at the last
  `__`) with the same `<frame>` and context are one frame of key `<frame>`, one source each with
  that id, in the order the files were given (the first is the frame's first source). Any other
  image is a frame of one source, "default"; a video's frames have one source each.
- Context: a video's frames have its file name (with extension). Images take `context_id` when
  given, else their folder's name (local files) or the batch name `upload-YYYYMMDD-HHMMSS`.
- Timestamps: images count 0, 1, 2… (one unit per image, in the order given) within their context,
  after the context's last timestamp in the version; video frames carry their time in ms.
- Storage: `frames/<version id>/<batch id>/<file name>`; a video's frames go to
  `…/<video name>/<frame:06d>.jpg`; each file's thumbnail is `<folder>/.thumbs/<file name>.jpg`.
  Frames point at them as `media:<name>` (see `frames.media`).
"""

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_tasks import task

from config.storage import delete_folder, local_path, remove_empty_dirs
from datasets.jobs import JobRun, job_create, job_enqueue, job_run
from datasets.models import Job, Version
from datasets.services import ensure_draft, lock_version

from .formats.names import SOURCE_SEPARATOR
from .media import (
    ImageInfo,
    VideoFrame,
    check_size,
    inspect_image,
    is_video_name,
    media_uri,
    png_bytes,
    read_video,
    thumb_name,
    thumbnail_of,
    video_frame_count,
)
from .pipeline import in_order
from .selectors import keys_taken, next_timestamps
from .services import frames_bulk_create
from .validation import MAX_SOURCE_ID_LENGTH, FieldError, clean_context_id

MAX_STEM_LENGTH = 200


def safe_file_name(name: str) -> str:
    """`name` as a file name every file system takes (Django's rules); "file" when none is left."""
    try:
        return get_valid_filename(name)
    except SuspiciousFileOperation:
        return "file"


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

    @classmethod
    def staged(cls, name: str, stored: str, size: int) -> "Source":
        """A file a request put in storage for a job; `name` is the name it was uploaded under."""
        return cls(
            name=name,
            size=size,
            folder=None,
            opener=lambda: default_storage.open(stored),
            path=local_path(stored),  # None on object storage: OpenCV gets a local copy
        )

    @property
    def is_video(self) -> bool:
        return is_video_name(self.name)

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
        """A path OpenCV or a reader can open: the file itself, or a temporary copy (of an
        in-memory upload, or of a file in object storage) under the same name."""
        if self.path:
            yield self.path
            return
        with tempfile.TemporaryDirectory(prefix="hl-") as folder:
            copy = Path(folder) / safe_file_name(self.name)
            with self.file() as file, copy.open("wb") as target:
                shutil.copyfileobj(file, target, 1024 * 1024)
            yield str(copy)


@dataclass
class Store:
    """Writes media files under one batch folder and can take them all back."""

    folder: str
    names: list[str] = field(default_factory=list)

    def save(self, path: str, content, *, thumbnail: bytes | None = None) -> str:
        """`path` is a/b/file under the batch folder; each part is made a safe file name. The
        thumbnail, when given, is stored beside the file."""
        parts = [safe_file_name(part) for part in path.split("/")]
        stored = default_storage.save("/".join([self.folder, *parts]), content)
        self.names.append(stored)
        if thumbnail is not None:
            self.names.append(default_storage.save(thumb_name(stored), ContentFile(thumbnail)))
        return stored

    def save_image(self, stem: str, file: BinaryIO, info: ImageInfo, thumbnail: bytes) -> str:
        """An image as it came, or as a PNG when a browser cannot show its format."""
        if info.needs_png:
            return self.save(f"{stem}.png", ContentFile(png_bytes(file)), thumbnail=thumbnail)
        file.seek(0)
        return self.save(f"{stem}.{info.extension}", File(file), thumbnail=thumbnail)

    def discard(self) -> None:
        for name in self.names:
            default_storage.delete(name)
        self.names.clear()
        remove_empty_dirs(self.folder)


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


class Progress:
    """Frames decoded so far, told to the job (if any) that runs the import."""

    def __init__(self, run: JobRun | None, total: int | None):
        self.run, self.done, self.total = run, 0, total

    def step(self, message: str) -> None:
        self.done += 1
        if self.run is not None:
            self.run.progress(self.done, self.total, unit="frames", message=message)


@dataclass(frozen=True)
class CheckedImage:
    info: ImageInfo
    thumbnail: bytes


def _check_image(source: Source) -> CheckedImage | None:
    """Decode and check one image and make its thumbnail; pure work, run in a pipeline thread.
    Videos are read later, in order, by the caller."""
    check_size(source.name, source.size)
    if source.is_video:
        return None
    with source.file() as file:
        info, image = inspect_image(source.name, file)
        return CheckedImage(info=info, thumbnail=thumbnail_of(image))


def _store_image(source: Source, checked: CheckedImage, store: Store, progress: Progress) -> dict:
    """The image stored with its thumbnail: its {"uri", "width", "height"}."""
    info, thumbnail = checked.info, checked.thumbnail
    with source.file() as file:
        stored = store.save_image(source.stem, file, info, thumbnail)
    progress.step(f"Checked {source.name}")
    return {"uri": media_uri(stored), "width": info.width, "height": info.height}


def source_name(name: str) -> tuple[str, str] | None:
    """(frame, source id) of a file named `<frame>__<source>.<ext>`; None for any other name."""
    frame, separator, source = PurePosixPath(name).stem.rpartition(SOURCE_SEPARATOR)
    if not separator or not frame.strip("_") or not source.strip():
        return None
    return frame[:MAX_STEM_LENGTH], source


@dataclass
class Group:
    """The images of one frame of several sources, as they come: {source id: file name}."""

    imported: Imported
    files: dict[str, str] = field(default_factory=dict)

    def add(self, source: Source, source_id: str, stored: dict) -> None:
        frame = self.imported.frames[0]
        if source_id in self.files:
            raise ValidationError(
                "“%(first)s” and “%(second)s” are both source “%(source)s” of frame "
                "“%(frame)s”; rename one (<frame>__<source>.<ext>).",
                code="duplicate_source",
                params={
                    "first": self.files[source_id],
                    "second": source.name,
                    "source": source_id,
                    "frame": self.imported.stem,
                },
            )
        if len(source_id) > MAX_SOURCE_ID_LENGTH:
            raise ValidationError(
                "“%(name)s”: a source id (the part after “__”) has at most %(limit)d "
                "characters; this one has %(length)d.",
                code="invalid_source",
                params={
                    "name": source.name,
                    "limit": MAX_SOURCE_ID_LENGTH,
                    "length": len(source_id),
                },
            )
        self.files[source_id] = source.name
        frame["sources"].append({"id": source_id, **stored, "meta": {}})


def _read_video(source: Source, store: Store, step: int, progress: Progress) -> Imported:
    frames, numbers = [], []

    def save(video_frame: VideoFrame) -> tuple[VideoFrame, str]:
        """In an encoding thread: no two frames of a video share a name, so no save races."""
        stored = store.save(
            f"{source.name}/{video_frame.number:06d}.jpg",
            ContentFile(video_frame.jpeg),
            thumbnail=video_frame.thumbnail,
        )
        return video_frame, stored

    with (
        source.local_path() as path,
        closing(read_video(source.name, path, step=step, then=save)) as saved,
    ):
        for video_frame, stored in saved:  # closing: no thread still saves once this ends
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
            progress.step(f"Decoding {source.name}: frame {video_frame.number + 1}")
    return Imported(stem=source.stem, frames=frames, video_frame_numbers=numbers)


def _read_all(
    sources: list[Source], store: Store, progress: Progress, *, step: int, context_id: str | None
) -> list[Imported]:
    """Every file in order; images are decoded a few ahead in threads while this one stores.
    Images named `<frame>__<source>` join their frame (`Group`), which stands where its first
    file did."""
    imported: list[Imported] = []
    groups: dict[tuple[str, str], Group] = {}
    with in_order(_check_image, sources) as checked_images:
        for source, checked in zip(sources, checked_images, strict=True):
            if checked is None:
                imported.append(_read_video(source, store, step, progress))
                continue
            folder_context = (source.folder or "") if context_id is None else context_id
            stored = _store_image(source, checked, store, progress)
            named = source_name(source.name)
            if named is None:
                frame = {"context_id": folder_context, "source": stored}
                imported.append(Imported(stem=source.stem, frames=[frame]))
                continue
            frame_stem, source_id = named
            group = groups.get((folder_context, frame_stem))
            if group is None:
                frame = {"context_id": folder_context, "sources": []}
                group = groups[folder_context, frame_stem] = Group(Imported(frame_stem, [frame]))
                imported.append(group.imported)
            group.add(source, source_id, stored)
    return imported


def _estimated_frames(sources: list[Source], step: int) -> int | None:
    """Images count one each; videos what their container says, read without decoding."""
    total = 0
    for source in sources:
        if not source.is_video:
            total += 1
            continue
        with source.local_path() as path:
            count = video_frame_count(path)
        if count is None:
            return None
        total += -(-count // step)
    return total


def assign_keys(version: Version, imported: list[Imported]) -> None:
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


def assign_timestamps(version: Version, frames: list[dict]) -> None:
    """0, 1, 2… after the last timestamp each frame's context has in the version."""
    contexts = {frame["context_id"] for frame in frames}
    next_timestamp = next_timestamps(version=version, contexts=contexts)
    for frame in frames:
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
    files: list[UploadedFile | Path | Source],
    context_id: str | None = None,
    step: int = 1,
    run: JobRun | None = None,
    folder: str | None = None,
) -> list[str]:
    """Images and videos become frames, all or none; a bad file is named and nothing is kept.

    With `run`, progress goes to that job, and the job is marked succeeded in the transaction that
    adds the frames.
    """
    _check_request(version, files, step, context_id)
    if context_id is None and any(isinstance(item, UploadedFile) for item in files):
        context_id = batch_context_id()
    sources = [item if isinstance(item, Source) else Source.of(item) for item in files]
    store = Store(folder=folder or batch_folder(version))
    try:
        total = _estimated_frames(sources, step) if run is not None else None
        progress = Progress(run, total)
        imported = _read_all(sources, store, progress, step=step, context_id=context_id)
        if run is not None:
            run.progress(progress.done, progress.done, message="Adding the frames")
        with transaction.atomic():
            version = lock_version(version)
            assign_keys(version, imported)
            assign_timestamps(
                version,
                [f for item in imported if item.video_frame_numbers is None for f in item.frames],
            )
            keys = frames_bulk_create(
                version=version, frames=[frame for item in imported for frame in item.frames]
            )
            if run is not None:
                run.succeed({"created": len(keys), "frames": keys}, _imported_message(len(keys)))
            return keys
    except BaseException:
        store.discard()
        raise


def batch_context_id() -> str:
    return f"upload-{timezone.now():%Y%m%d-%H%M%S}"


def batch_folder(version: Version) -> str:
    return f"frames/{version.pk}/{uuid.uuid4().hex[:12]}"


def _imported_message(count: int) -> str:
    return f"Added {count} frame{'s' if count != 1 else ''}."


def upload_start(
    *,
    version: Version,
    user,
    files: list[UploadedFile],
    context_id: str | None = None,
    step: int = 1,
) -> Job:
    """Stage the files and queue the job that imports them; refuses at once what it can."""
    _check_request(version, files, step, context_id)
    for item in files:
        check_size(Path(item.name or "upload").name, item.size or 0)
    batch = uuid.uuid4().hex[:12]
    staging, folder = f"incoming/{batch}", f"frames/{version.pk}/{batch}"
    staged = []
    try:
        for index, item in enumerate(files):
            name = Path(item.name or "upload").name
            stored = default_storage.save(f"{staging}/{index:05d}", item)
            staged.append({"name": name, "stored": stored, "size": item.size or 0})
    except BaseException:
        for entry in staged:
            default_storage.delete(entry["stored"])
        raise
    videos = sum(is_video_name(entry["name"]) for entry in staged)
    with transaction.atomic():
        job = job_create(
            kind=Job.Kind.VIDEO if videos else Job.Kind.UPLOAD,
            title=_upload_title(staged, videos, version),
            user=user,
            version=version,
            params={
                "files": staged,
                "context_id": context_id or batch_context_id(),
                "step": step,
                "staging": staging,
                "folder": folder,
            },
            scratch=[staging, folder],
            unit="frames",
        )
        job_enqueue(job, run_upload)
    return job


def _upload_title(staged: list[dict], videos: int, version: Version) -> str:
    if len(staged) == 1:
        what = f"“{staged[0]['name']}”"
    else:
        images = len(staged) - videos
        parts = [f"{images} image{'s' if images != 1 else ''}"] if images else []
        parts += [f"{videos} video{'s' if videos != 1 else ''}"] if videos else []
        what = " and ".join(parts)
    return f"Upload of {what} to {version.dataset.name} / {version.name}"


def upload_work(run: JobRun) -> None:
    """The job's side of `upload_start`: import the staged files, then drop them."""
    job = run.job
    params = job.params
    if job.version is None:
        raise ValidationError("The version was deleted before its upload ran.", code="no_version")
    sources = [Source.staged(f["name"], f["stored"], f["size"]) for f in params["files"]]
    frames_import_uploads(
        version=job.version,
        files=sources,
        context_id=params["context_id"],
        step=params["step"],
        run=run,
        folder=params["folder"],
    )
    delete_folder(params["staging"])


@task()
def run_upload(job_id: int) -> str:
    return job_run(job_id, upload_work)
