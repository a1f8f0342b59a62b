"""Media files made on the spot for the import tests: images, clips and broken files."""

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(format="PNG", size=(40, 30), color=(200, 30, 30), **options) -> bytes:
    output = io.BytesIO()
    mode = "P" if format == "GIF" else "RGB"
    Image.new("RGB", size, color).convert(mode).save(output, format=format, **options)
    return output.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def browser_png(name: str, color: tuple) -> dict:
    """A small PNG as Playwright's `set_input_files` takes a file."""
    return {
        "name": name,
        "mimeType": "image/png",
        "buffer": image_bytes(size=(64, 48), color=color),
    }


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in a few bytes: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def write_clip(path: Path, *, frames=10, fps=25, size=(64, 48), fourcc="mp4v") -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"this OpenCV cannot write {fourcc} to {path.suffix}"
    for number in range(frames):
        writer.write(numpy.full((size[1], size[0], 3), number * 20 % 256, numpy.uint8))
    writer.release()
    return path


def opencv_frame_count(path: Path) -> int:
    """How many frames OpenCV itself decodes from the file."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]
