"""Decode and check media files: images with Pillow, videos with OpenCV, thumbnails.

Every check raises `ValidationError` naming the file, so an import can refuse the whole batch.
Media files live in Django's default storage (MEDIA_ROOT in development); a frame points at one
with the URI `media:<name in storage>`, e.g. `media:frames/12/3f9a…/street-001.jpg`.
"""

import io
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import cv2
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

from .pipeline import in_order

MEDIA_SCHEME = "media:"
IMAGE_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "GIF"}
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif"}
VIDEO_EXTENSIONS = {".mp4", ".webm", ".avi", ".mov"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
THUMB_SIZE = 256
# EXIF orientations that turn the picture a quarter: browsers show it with width and height swapped.
QUARTER_TURNS = {5, 6, 7, 8}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    # Browsers cannot show TIFF, and would animate a GIF: such files are stored as a PNG of frame 1.
    needs_png: bool
    # The extension the detected format is stored under, whatever the uploaded name said, so a
    # file named .html or .svg is never served as one.
    extension: str = "png"


@dataclass(frozen=True)
class VideoFrame:
    number: int  # as decoded, counting from 0
    timestamp: int  # milliseconds from the start, strictly increasing
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    fps: float | None  # as the container states it; None when missing or absurd


def media_uri(name: str) -> str:
    return MEDIA_SCHEME + name


def media_name(uri: str) -> str | None:
    """The storage name a `media:` URI points at; None for other URIs or paths leaving the media."""
    if not uri.startswith(MEDIA_SCHEME):
        return None
    name = uri.removeprefix(MEDIA_SCHEME)
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        return None
    return name


def is_video_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in VIDEO_EXTENSIONS


def is_media_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in VIDEO_EXTENSIONS | IMAGE_EXTENSIONS


def check_size(name: str, size: int) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            "“%(name)s” is %(size)s; files may be at most %(limit)s.",
            code="file_too_large",
            params={"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_pixels(name: str, width: int, height: int) -> None:
    limit = settings.UPLOAD_MAX_PIXELS
    if width * height > limit:
        raise ValidationError(
            "“%(name)s” is %(width)s × %(height)s = %(pixels)s pixels; the limit is %(limit)s.",
            code="too_many_pixels",
            params={
                "name": name,
                "width": width,
                "height": height,
                "pixels": f"{width * height:,}",
                "limit": f"{limit:,}",
            },
        )


def _open_image(name: str, file: BinaryIO) -> Image.Image:
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit decides; Pillow's bomb error still stops absurd headers early.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file)
    except Image.DecompressionBombError:
        raise ValidationError(
            "“%(name)s” claims over %(pillow)s pixels, more than Pillow opens safely "
            "(a decompression bomb?); the limit is %(limit)s.",
            code="too_many_pixels",
            params={
                "name": name,
                "pillow": f"{2 * (Image.MAX_IMAGE_PIXELS or 0):,}",
                "limit": f"{settings.UPLOAD_MAX_PIXELS:,}",
            },
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(
            "“%(name)s” is not an image Pillow can read; use JPEG, PNG, WebP, BMP, TIFF or GIF.",
            code="not_an_image",
            params={"name": name},
        ) from None
    if image.format not in IMAGE_FORMATS:
        raise ValidationError(
            "“%(name)s” is a %(format)s image; use JPEG, PNG, WebP, BMP, TIFF or GIF.",
            code="unsupported_format",
            params={"name": name, "format": image.format},
        )
    return image


def _decode_fully(name: str, file: BinaryIO) -> Image.Image:
    """verify() checks structure and checksums, load() decodes every pixel of the first frame.

    A big JPEG decodes in draft mode, scaled by its DCT to no less than twice the thumbnail: every
    block is still read and checked, at a fraction of the work, and the thumbnail is made from it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            _open_image(name, file).verify()
            image = _open_image(name, file)
            if image.format == "JPEG":
                image.draft("RGB", _draft_size(*image.size))
            image.load()
            image.getexif()  # PNG keeps EXIF after the pixels: read it while errors are caught
            return image
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises OSError, SyntaxError, struct.error…
        raise ValidationError(
            "“%(name)s” is damaged or truncated: %(error)s.",
            code="corrupt_image",
            params={"name": name, "error": str(error).rstrip(".") or type(error).__name__},
        ) from None


def _draft_size(width: int, height: int) -> tuple[int, int]:
    """Twice the thumbnail's own size (same shape as the image): a 1280x720 JPEG then decodes at
    640x360, where a square box would have kept it at full size."""
    scale = 2 * THUMB_SIZE / max(width, height, 1)
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _needs_png(image: Image.Image) -> bool:
    animated = image.format != "MPO" and getattr(image, "is_animated", False)
    return image.format == "TIFF" or animated


# Every PNG ends with this IEND chunk (its CRC is fixed). Bytes after it are how PNG/HTML and
# PNG/ZIP polyglots are made; a PNG editor never writes them.
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _check_png_end(name: str, file: BinaryIO) -> None:
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(max(0, size - len(PNG_END)))
    if file.read(len(PNG_END)) != PNG_END:
        raise ValidationError(
            "“%(name)s” has data after the end of its PNG image (a polyglot file?); "
            "export it again from an image editor.",
            code="trailing_data",
            params={"name": name},
        )


def inspect_image(name: str, file: BinaryIO) -> tuple[ImageInfo, Image.Image]:
    """Check one image file; its size is as a browser shows it (EXIF rotation applied). Also gives
    the decoded first frame (perhaps scaled down), for the thumbnail."""
    opened = _open_image(name, file)
    width, height = opened.size
    check_pixels(name, width, height)
    image = _decode_fully(name, file)
    if opened.format == "PNG":  # after decoding: a truncated file is "damaged", not a polyglot
        _check_png_end(name, file)
    if image.getexif().get(ImageOps.ExifTags.Base.Orientation) in QUARTER_TURNS:
        width, height = height, width
    needs_png = _needs_png(image)
    extension = "png" if needs_png else EXTENSIONS[image.format]
    info = ImageInfo(width=width, height=height, needs_png=needs_png, extension=extension)
    return info, image


# What Pillow raises for a file it cannot read as an image (`header_size`).
UNREADABLE_IMAGE = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
)


def header_size(file: BinaryIO) -> tuple[int, int]:
    """Width and height from the image's header (nothing decoded), turned as a browser shows
    it, as `inspect_image` records a frame's size; raises one of UNREADABLE_IMAGE."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(file) as image:
            width, height = image.size
            orientation = _header_orientation(image)
    return (height, width) if orientation in QUARTER_TURNS else (width, height)


def _header_orientation(image: Image.Image) -> int | None:
    if image.format == "PNG":  # Pillow decodes a PNG to find EXIF after the pixels: header only
        raw = image.info.get("exif")
        if not raw:
            return None
        exif = Image.Exif()
        exif.load(raw)
    else:
        exif = image.getexif()
    return exif.get(ImageOps.ExifTags.Base.Orientation)


def _first_frame_upright(file: BinaryIO) -> Image.Image:
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(file)
        image.seek(0)
        image = ImageOps.exif_transpose(image)
    if image.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image


def png_bytes(file: BinaryIO) -> bytes:
    """The first frame as a PNG, turned upright, for files a browser cannot show as they are."""
    output = io.BytesIO()
    _first_frame_upright(file).save(output, format="PNG")
    return output.getvalue()


def thumbnail_of(image: Image.Image) -> bytes:
    """A JPEG at most THUMB_SIZE pixels on its long side, upright, of an image.

    Shrinks `image` itself first (callers are done with it), then turns the small copy upright:
    turning the full-size image would copy every pixel. The box is square, so the order does not
    change the result."""
    image.thumbnail((THUMB_SIZE, THUMB_SIZE))
    image = ImageOps.exif_transpose(image)
    if image.mode not in {"RGB", "L"}:
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return output.getvalue()


def thumb_name(name: str) -> str:
    """Where a media file's thumbnail is stored: beside it, in a `.thumbs` folder no import makes."""
    path = PurePosixPath(name)
    return str(path.parent / ".thumbs" / f"{path.name}.jpg")


def _sane_fps(fps: float) -> float | None:
    return fps if math.isfinite(fps) and 0 < fps < 1000 else None


def _frame_time(capture, number: int, fps: float | None, previous: int) -> int:
    """The decoder's position when it is sane, else number / fps; always after `previous`."""
    position = capture.get(cv2.CAP_PROP_POS_MSEC)
    if not math.isfinite(position) or position < 0 or (number > 0 and position == 0):
        position = number / fps * 1000 if fps else number * 40.0
    return max(round(position), previous + 1)


def _unreadable(name: str, why: str) -> ValidationError:
    return ValidationError(
        "“%(name)s” could not be read as a video (%(why)s); use a complete mp4, webm, avi or mov file.",
        code="unreadable_video",
        params={"name": name, "why": why},
    )


def video_frame_count(path: str) -> int | None:
    """How many frames the container says it holds (an estimate some formats get wrong)."""
    capture = cv2.VideoCapture(path)
    try:
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT) if capture.isOpened() else 0
    finally:
        capture.release()
    return int(count) if math.isfinite(count) and 0 < count < 10_000_000 else None


def read_video(
    name: str, path: str, *, step: int = 1, then: Callable[[VideoFrame], Any] | None = None
) -> Iterator:
    """Every `step`-th frame (0, step, 2·step…) as a JPEG; frame numbers are counted, not computed.

    This thread decodes while two others encode the JPEGs (OpenCV lets go of the GIL) and, when
    given, pass each frame to `then` (storing it, say); yields frames, or what `then` returned,
    in order."""
    capture = cv2.VideoCapture(path)

    def encoded(decoded: tuple):
        frame = _encoded(name, *decoded, fps)
        return frame if then is None else then(frame)

    try:
        if not capture.isOpened():
            raise _unreadable(name, "no video stream found")
        fps = _sane_fps(capture.get(cv2.CAP_PROP_FPS))
        with in_order(encoded, _decoded(name, capture, step, fps)) as frames:
            yield from frames
    finally:
        capture.release()


def _decoded(name: str, capture, step: int, fps: float | None) -> Iterator[tuple]:
    """(number, timestamp, pixels) of every `step`-th frame."""
    number, previous = 0, -1
    while capture.grab():
        previous = _frame_time(capture, number, fps, previous)
        if number % step == 0:
            ok, pixels = capture.retrieve()
            if not ok or pixels is None:
                raise _unreadable(name, f"frame {number} could not be decoded")
            yield number, previous, pixels
        number += 1
    if number == 0:
        raise _unreadable(name, "no frame could be decoded")


def _shrunk(pixels):
    """At most THUMB_SIZE on the long side. Pixel-area averaging of a big frame is slow (0.7 ms at
    720p): a bilinear step down to twice the size first, then averaging, looks the same (within
    42 dB) at a third of the work."""
    height, width = pixels.shape[:2]
    scale = THUMB_SIZE / max(width, height)
    if scale >= 1:
        return pixels
    if scale < 0.5:
        twice = (max(1, round(2 * width * scale)), max(1, round(2 * height * scale)))
        pixels = cv2.resize(pixels, twice, interpolation=cv2.INTER_LINEAR)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _encoded(name: str, number: int, timestamp: int, pixels, fps: float | None) -> VideoFrame:
    height, width = pixels.shape[:2]
    check_pixels(name, width, height)
    ok, jpeg = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise _unreadable(name, f"frame {number} could not be encoded as JPEG")
    _, thumbnail = cv2.imencode(".jpg", _shrunk(pixels), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return VideoFrame(
        number=number,
        timestamp=timestamp,
        jpeg=jpeg.tobytes(),
        thumbnail=thumbnail.tobytes(),
        width=width,
        height=height,
        fps=fps,
    )
