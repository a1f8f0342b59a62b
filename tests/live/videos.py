"""Media big enough to keep a real worker busy for seconds, made on the spot with OpenCV.

`tests/frames/media_files.write_clip` makes flat-grey clips that decode in no time; a worker test
needs 1280x720 frames with texture and motion, so decoding and JPEG-encoding each one costs what a
camera's would.
"""

from pathlib import Path

import cv2
import numpy

HD = (1280, 720)


def _background(width: int, height: int) -> numpy.ndarray:
    """Colour gradients with fixed grain: detail the encoders cannot skip."""
    y, x = numpy.mgrid[0:height, 0:width]
    gradient = numpy.dstack(
        [x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)]
    ).astype(numpy.uint8)
    grain = numpy.random.default_rng(7).integers(0, 40, (height, width, 3), dtype=numpy.uint8)
    return cv2.add(gradient, grain)


def _picture(background: numpy.ndarray, number: int) -> numpy.ndarray:
    """The background with a box that moves and the frame's number written on it."""
    height, width = background.shape[:2]
    picture = background.copy()
    left = number * 7 % max(width - width // 6, 1)
    top = height // 7
    cv2.rectangle(picture, (left, top), (left + width // 6, top + height // 4), (255, 255, 255), -1)
    scale = height / 180
    cv2.putText(
        picture, str(number), (width // 25, height * 5 // 6), cv2.FONT_HERSHEY_SIMPLEX, scale, 0, 8
    )
    return picture


def write_video(path: Path, *, frames: int, size=HD, fps: int = 25, fourcc="mp4v") -> Path:
    """An mp4 (mp4v) or avi (MJPG) of `frames` distinct textured frames."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"this OpenCV cannot write {fourcc} to {path.suffix}"
    background = _background(*size)
    try:
        for number in range(frames):
            writer.write(_picture(background, number))
    finally:
        writer.release()
    return path


def jpeg_images(count: int, *, size=(640, 480)) -> list[bytes]:
    """`count` different JPEGs (each shows its number)."""
    background = _background(*size)
    images = []
    for number in range(count):
        ok, data = cv2.imencode(
            ".jpg", _picture(background, number), [cv2.IMWRITE_JPEG_QUALITY, 85]
        )
        assert ok
        images.append(data.tobytes())
    return images
