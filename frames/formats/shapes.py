"""The shapes of issue 15 as formats without them hold them: outlines, extents, traced masks.

- A box or an ellipse is its box before `rotation` (degrees, clockwise on screen, y down, about
  the box's centre). A rotated box's outline is its four corners, clockwise from the corner that
  was the top left; an ellipse's is ELLIPSE_POINTS points on it, from the end of its first axis
  (the box's right edge before rotation), clockwise.
- `extent` is the exact axis-aligned bounds of any shape: a rotated ellipse's from its half axes,
  a mask's its bounding box (pixel edges, as the server computes it into `points`).
- A mask is COCO RLE (`frames.masks`); pycocotools decodes it and measures its area, OpenCV traces
  its outlines (`cv2.findContours` on the decoded pixels: the outer boundary of each separate
  region, through the centres of its edge pixels; holes are not traced).

Coordinates written out are rounded to DECIMALS places: a thousandth of a pixel.
"""

import math

import cv2
import numpy as np

from frames.masks import decode

from . import bounds

ELLIPSE_POINTS = 64
DECIMALS = 3
ROTATABLE = ("box", "ellipse")


def is_rotated(roi: dict) -> bool:
    return bool(roi.get("rotation")) and roi["type"] in ROTATABLE


def _turn(rotation: float):
    """(cx, cy, dx, dy) → the point (dx, dy) from the centre, turned `rotation` degrees
    clockwise on screen (y points down)."""
    radians = math.radians(rotation or 0.0)
    cos, sin = math.cos(radians), math.sin(radians)

    def turn(cx: float, cy: float, dx: float, dy: float) -> list[float]:
        return [
            round(cx + dx * cos - dy * sin, DECIMALS),
            round(cy + dx * sin + dy * cos, DECIMALS),
        ]

    return turn


def box_corners(points: list[list[float]], rotation: float = 0.0) -> list[list[float]]:
    """The box's four corners after its rotation, clockwise from the one that was top left."""
    (x0, y0), (x1, y1) = points
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    turn = _turn(rotation)
    return [
        turn(cx, cy, -rx, -ry),
        turn(cx, cy, rx, -ry),
        turn(cx, cy, rx, ry),
        turn(cx, cy, -rx, ry),
    ]


def ellipse_outline(
    points: list[list[float]], rotation: float = 0.0, count: int = ELLIPSE_POINTS
) -> list[list[float]]:
    """`count` points on the ellipse inscribed in the box, after its rotation."""
    (x0, y0), (x1, y1) = points
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    turn = _turn(rotation)
    steps = [2 * math.pi * step / count for step in range(count)]
    return [turn(cx, cy, rx * math.cos(t), ry * math.sin(t)) for t in steps]


def outline(roi: dict, size: tuple[int, int]) -> list[list[float]]:
    """The closed outline of a box, ellipse or polygon (a box's four corners, rotated or not),
    inside the image of `size` (width, height): only a shape's box before rotation must lie in
    the image, so a rotated box or ellipse may reach past its edges, which formats refuse."""
    kind = roi["type"]
    if kind == "ellipse":
        points = ellipse_outline(roi["points"], roi.get("rotation") or 0.0)
    elif kind == "box":
        points = box_corners(roi["points"], roi.get("rotation") or 0.0)
    else:
        return roi["points"]
    return _inside(points, size) if is_rotated(roi) else points


def _inside(points: list[list[float]], size: tuple[int, int]) -> list[list[float]]:
    """A convex outline cut to the image (OpenCV's convex intersection) when it leaves it."""
    width, height = size
    if all(0 <= x <= width and 0 <= y <= height for x, y in points):
        return points
    image = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    _, cut = cv2.intersectConvexConvex(np.array(points, dtype=np.float32), image)
    if cut is None:
        return []
    return [[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in cut.reshape(-1, 2)]


def extent(roi: dict, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The smallest axis-aligned box holding the shape, cut to the image of `size`: x0, y0, x1,
    y1 (a rotated ellipse's from its half axes)."""
    x0, y0, x1, y1 = _exact_extent(roi)
    width, height = size
    return max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)


def _exact_extent(roi: dict) -> tuple[float, float, float, float]:
    kind, points = roi["type"], roi["points"]
    if kind in ROTATABLE and roi.get("rotation"):
        (x0, y0), (x1, y1) = points
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        radians = math.radians(roi["rotation"])
        cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
        if kind == "box":
            half_width, half_height = rx * cos + ry * sin, rx * sin + ry * cos
        else:
            half_width = math.hypot(rx * cos, ry * sin)
            half_height = math.hypot(rx * sin, ry * cos)
        return (
            round(cx - half_width, DECIMALS),
            round(cy - half_height, DECIMALS),
            round(cx + half_width, DECIMALS),
            round(cy + half_height, DECIMALS),
        )
    return bounds(points)


def mask_outlines(mask: dict) -> list[list[list[int]]]:
    """The outer outline of each separate region of the mask, as [x, y] pixel indices, largest
    region first; regions too thin to outline (fewer than 3 corners) are left out."""
    pixels = decode(mask)
    contours, _ = cv2.findContours(
        np.ascontiguousarray(pixels), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    contours = sorted(contours, key=cv2.contourArea, reverse=True)
    return [contour.reshape(-1, 2).tolist() for contour in contours if len(contour) >= 3]
