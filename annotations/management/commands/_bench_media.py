"""Synthetic camera-like media for `bench_jobs`: 1280x720 JPEGs and an mp4 video.

Not a command (the leading underscore). The pictures are a colour gradient with blobs and a fine
grain, shifted a little from one picture to the next, so a JPEG at quality 90 weighs what a 720p
camera frame does (about 200 KB) and a video has motion to code. The video is MPEG-4 Part 2
(`mp4v`), the one codec OpenCV's wheels can write; a camera's H.264 costs more to decode, so the
command also takes a real video file (`--video`).
"""

from pathlib import Path

import cv2
import numpy

SIZE = (1280, 720)
FPS = 25


def _scene(width: int, height: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A picture twice as wide as the frame (frames are windows sliding over it), and grain."""
    rng = numpy.random.default_rng(12)
    y, x = numpy.mgrid[0:height, 0 : 2 * width]
    picture = numpy.dstack(
        [x * 255 // (2 * width), y * 255 // height, (x + y) * 255 // (2 * width + height)]
    ).astype(numpy.uint8)
    blotches = rng.integers(0, 60, (height // 4, width // 2, 3), dtype=numpy.uint8)
    picture = cv2.add(picture, cv2.resize(blotches, (2 * width, height)))
    for _ in range(60):
        centre = (int(rng.integers(0, 2 * width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(picture, centre, int(rng.integers(10, 120)), colour, -1)
    grain = rng.integers(0, 12, (height, width, 3), dtype=numpy.uint8)
    return picture, grain


def _frames(count: int, size: tuple[int, int]):
    width, height = size
    picture, grain = _scene(width, height)
    for number in range(count):
        left = (number * 4) % width
        frame = cv2.add(picture[:, left : left + width], grain)
        cv2.putText(frame, f"{number:06d}", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255,) * 3, 3)
        yield frame


def write_images(folder: Path, count: int, size: tuple[int, int] = SIZE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, frame in enumerate(_frames(count, size)):
        _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        path = folder / f"image-{number:05d}.jpg"
        path.write_bytes(data.tobytes())
        paths.append(path)
    return paths


def write_video(path: Path, frames: int, size: tuple[int, int] = SIZE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, size)
    if not writer.isOpened():
        raise RuntimeError("This OpenCV cannot write mp4v video.")
    try:
        for frame in _frames(frames, size):
            writer.write(frame)
    finally:
        writer.release()
    return path
