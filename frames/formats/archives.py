"""Zip archives an import reads (YOLO, VOC, COCO with its images): the members by path, read
within a limit, their images' sizes and bytes, and the error that names a file of one."""

import re
import zipfile
from functools import partial
from os import PathLike
from pathlib import PurePosixPath
from typing import BinaryIO

from django.core.exceptions import ValidationError

from frames.media import IMAGE_EXTENSIONS, UNREADABLE_IMAGE, header_size

LEADING = re.compile(r"^(?:\.?/)+")  # of a file name in an archive: "./a.jpg", "/a.jpg"
# What uploads take, and MPO (a camera's JPEG with a second picture) as Pillow names it.
IMAGE_SUFFIXES = IMAGE_EXTENSIONS | {".mpo"}


class FormatError(ValidationError):
    """A file of an imported archive that is not what its format says. The job shows the message
    and `errors`: one {"file", "line" or "index", "field", "message"}."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        index: int | None = None,
        field: str = "",
    ):
        where = file
        if line is not None:
            where += f", line {line}"
        if index is not None:
            where += f", object {index + 1}"
        super().__init__(f"{where}: {message}", code="invalid_file")
        error: dict = {"file": file}
        if line is not None:
            error["line"] = line
        if index is not None:
            error["index"] = index
        self.errors = [error | {"field": field, "message": message}]


def open_archive(path: str | PathLike | BinaryIO) -> zipfile.ZipFile:
    """The zip, or a FormatError; stays open while its items' images may be read."""
    name = PurePosixPath(str(getattr(path, "name", path))).name or "archive"
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise FormatError(name, "This is not a zip file.") from None


def archive_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Files of the zip by path (`/` separated, no `./`), without folders and macOS droppings."""
    members = {}
    for info in archive.infolist():
        path = info.filename.replace("\\", "/").lstrip("/")
        while path.startswith("./"):
            path = path[2:]
        parts = PurePosixPath(path).parts
        if info.is_dir() or not parts or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
            continue
        members.setdefault(path, info)
    return members


def read_member(archive: zipfile.ZipFile, path: str, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise FormatError(path, f"The file is over {limit:,} bytes.")
    try:
        with archive.open(info) as file:
            data = file.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise FormatError(path, f"The zip member cannot be read ({error}).") from None
    if len(data) > limit:
        raise FormatError(path, f"The file is over {limit:,} bytes.")
    return data


def member_text(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(path, "The file is not UTF-8 text.", line=line) from None


def is_image(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in IMAGE_SUFFIXES


def image_size(archive: zipfile.ZipFile, path: str, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Width and height as a browser shows the image, from its header (`media.header_size`)."""
    try:
        with archive.open(info) as file:
            return header_size(file)
    except (zipfile.BadZipFile, *UNREADABLE_IMAGE):
        raise FormatError(path, "This is not an image Pillow can read.") from None


def image_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The member's bytes, opened when the import reads them (it checks their size then)."""
    return partial(archive.open, info)
