"""Checks frame and annotation input (bulk import, API, editor) before anything is written.

Plain Python rather than `full_clean()` per row: a bulk import validates hundreds of thousands of
ROIs, and every error must name its place (`rois[2].points`).
"""

import math
import random
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .colors import label_color
from .models import SHAPE_TYPES, Roi

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_KEY_LENGTH = 255
MIN_POINTS = {Roi.Type.BOX: 2, Roi.Type.POLYGON: 3, Roi.Type.KEYPOINTS: 1}


@dataclass
class FieldError(Exception):
    field: str
    message: str
    code: str = "invalid"

    def as_validation_error(self) -> ValidationError:
        return ValidationError({self.field: ValidationError(self.message, code=self.code)})


def _is_number(value) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def clean_meta(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(field, f"Metadata must be a JSON object, not {type(value).__name__}.")
    return value


def clean_labels(value, field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise FieldError(field, "Give at least one label.")
    labels = []
    for index, label in enumerate(value):
        if not isinstance(label, str) or not label.strip():
            raise FieldError(f"{field}[{index}]", "A label is a non-empty string.")
        if len(label) > 255:
            raise FieldError(f"{field}[{index}]", "A label has at most 255 characters.")
        if label.strip() not in labels:
            labels.append(label.strip())
    return labels


def clean_points(value, roi_type: str, width: int, height: int, field: str) -> list[list[float]]:
    if not isinstance(value, list):
        raise FieldError(field, "Points are a list of [x, y] pairs.")
    points = []
    for index, point in enumerate(value):
        kind = type(point)
        if not ((kind is list or kind is tuple) and len(point) == 2):
            raise FieldError(f"{field}[{index}]", "A point is a pair of numbers [x, y].")
        x, y = point
        if not (_is_number(x) and _is_number(y)):
            raise FieldError(f"{field}[{index}]", "A point is a pair of numbers [x, y].")
        if not (0 <= x <= width and 0 <= y <= height):
            raise FieldError(
                f"{field}[{index}]",
                f"Point ({x}, {y}) lies outside the image (0..{width} × 0..{height}).",
                code="out_of_image",
            )
        points.append([x, y])
    if roi_type == Roi.Type.BOX:
        if len(points) != 2:
            raise FieldError(field, f"A box needs exactly 2 points; it has {len(points)}.")
        (x0, y0), (x1, y1) = points
        if x0 > x1 or y0 > y1:
            points = [[min(x0, x1), min(y0, y1)], [max(x0, x1), max(y0, y1)]]
    elif len(points) < MIN_POINTS[roi_type]:
        raise FieldError(
            field,
            f"A {Roi.Type(roi_type).label.lower()} needs at least {MIN_POINTS[roi_type]} points; "
            f"it has {len(points)}.",
        )
    return points


def _clean_confidence(value, field: str) -> float:
    if value is None:
        return 1.0
    if not _is_number(value) or not 0 <= value <= 1:
        raise FieldError(field, f"Confidence is a number from 0 to 1; got {value!r}.")
    return float(value)


def _clean_color(value, labels: list[str], field: str) -> str:
    if value in (None, ""):
        return label_color(labels[0])
    if not isinstance(value, str) or not COLOR_RE.match(value):
        raise FieldError(field, f"Colour is #rrggbb; got {value!r}.")
    return value.lower()


def _clean_uid(value, field: str, seen: set[str]) -> str:
    if value in (None, ""):
        # Unique, not secret: the fast generator (reseeded after fork) instead of os.urandom.
        value = f"{random.getrandbits(128):032x}"
    if not isinstance(value, str) or len(value) > 64:
        raise FieldError(field, "An annotation id is a string of at most 64 characters.")
    if value in seen:
        raise FieldError(field, f"Annotation id {value!r} is used twice in this frame.")
    seen.add(value)
    return value


def clean_annotation(
    data, *, roi_type: str | None, width: int, height: int, field: str, seen: set[str]
) -> dict:
    """One ROI (`roi_type` None: read it from data) or frame label (`roi_type` "frame")."""
    try:
        return _clean_annotation(data, roi_type, width, height, seen)
    except FieldError as error:
        # Field names are built only for an error: a bulk import checks ~50,000 annotations.
        error.field = f"{field}.{error.field}" if error.field else field
        raise


def _clean_annotation(data, roi_type: str | None, width: int, height: int, seen) -> dict:
    if not isinstance(data, dict):
        raise FieldError("", "An annotation is a JSON object.")
    if roi_type is None:
        roi_type = data.get("type")
        if roi_type not in SHAPE_TYPES:
            kinds = ", ".join(SHAPE_TYPES)
            raise FieldError("type", f"Type is one of {kinds}; got {roi_type!r}.")
    labels = clean_labels(data.get("labels", data.get("label")), "labels")
    cleaned = {
        "uid": _clean_uid(data.get("id"), "id", seen),
        "type": roi_type,
        "labels": labels,
        "points": [],
        "confidence": _clean_confidence(data.get("confidence"), "confidence"),
        "meta": clean_meta(data.get("meta"), "meta"),
        "color": _clean_color(data.get("color"), labels, "color"),
        "locked": bool(data.get("locked", False)),
    }
    if roi_type != Roi.Type.FRAME:
        cleaned["points"] = clean_points(data.get("points"), roi_type, width, height, "points")
    return cleaned


def clean_annotations(
    rois, frame_labels, *, width: int, height: int, prefix: str = ""
) -> list[dict]:
    """ROIs then frame labels, as one ordered list of cleaned annotation dicts."""
    seen: set[str] = set()
    cleaned = []
    for name, items, roi_type in (
        ("rois", rois, None),
        ("frame_labels", frame_labels, Roi.Type.FRAME),
    ):
        if items is None:
            continue
        if not isinstance(items, list):
            raise FieldError(f"{prefix}{name}", "Expected a list.")
        for index, item in enumerate(items):
            cleaned.append(
                clean_annotation(
                    item,
                    roi_type=roi_type,
                    width=width,
                    height=height,
                    field=f"{prefix}{name}[{index}]",
                    seen=seen,
                )
            )
    return cleaned


def _clean_dimension(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FieldError(field, f"A size in pixels is a positive whole number; got {value!r}.")
    return value


def clean_frame(data) -> dict:
    """A whole frame for import: key, context, timestamp, source, meta and annotations."""
    if not isinstance(data, dict):
        raise FieldError("", "A frame is a JSON object.")
    key = data.get("id")
    if key is not None and (not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH):
        raise FieldError("id", "A frame id is a non-empty string of at most 255 characters.")
    context_id = data.get("context_id", "")
    if not isinstance(context_id, str) or len(context_id) > 255:
        raise FieldError("context_id", "context_id is a string of at most 255 characters.")
    timestamp = data.get("timestamp", 0)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise FieldError("timestamp", f"timestamp is whole milliseconds; got {timestamp!r}.")
    source = data.get("source")
    if not isinstance(source, dict):
        raise FieldError("source", "source is an object with uri, width and height.")
    uri = source.get("uri")
    if not isinstance(uri, str) or not uri or len(uri) > 2048:
        raise FieldError("source.uri", "source.uri is the image's URL or media path.")
    width = _clean_dimension(source.get("width"), "source.width")
    height = _clean_dimension(source.get("height"), "source.height")
    return {
        "key": key,
        "context_id": context_id,
        "timestamp": timestamp,
        "uri": uri,
        "width": width,
        "height": height,
        "meta": clean_meta(data.get("meta"), "meta"),
        "annotations": clean_annotations(
            data.get("rois"), data.get("frame_labels"), width=width, height=height
        ),
    }
