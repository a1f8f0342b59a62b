"""Checks frame and annotation input (bulk import, API, editor) before anything is written.

Plain Python rather than `full_clean()` per row: a bulk import validates hundreds of thousands of
ROIs, and every error must name its place (`rois[2].points`). Every check is cheap (a length, a
type, `"\\x00" in text`): bulk import must stay above 10,000 frames a second.

Bounds (the README and the API schema list them):
- a frame has at most MAX_ANNOTATIONS annotations (ROIs and frame labels together);
- an ROI has at most MAX_POINTS points, an annotation at most MAX_LABELS labels of at most
  MAX_LABEL_LENGTH characters;
- `meta` (of a frame or an annotation) is a JSON object of at most MAX_META_BYTES bytes as compact
  JSON, nesting at most MAX_META_DEPTH objects or lists deep (the object itself is level 1);
- no text anywhere holds NUL (PostgreSQL cannot store it);
- numbers fit their columns: timestamp 64-bit, width and height up to MAX_DIMENSION, coordinates
  finite and inside the image of the shape's source, confidence 0..1, rotation -360..360;
- a frame has at most MAX_SOURCES sources with ids of at most MAX_SOURCE_ID_LENGTH characters;
- a mask's RLE has at most MAX_RLE_COUNTS runs and the size of its source.
"""

import math
import random
import re
from dataclasses import dataclass

import orjson
from django.core.exceptions import ValidationError

from config.errors import NUL_TEXT

from .colors import label_color
from .masks import MaskError, clean_rle
from .models import ROTATABLE_TYPES, SHAPE_TYPES, Roi
from .sources import DEFAULT_SOURCE

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_KEY_LENGTH = 255
MAX_CONTEXT_LENGTH = 255
MAX_URI_LENGTH = 2048
MAX_UID_LENGTH = 64
MAX_ANNOTATIONS = 5_000
MAX_POINTS = 10_000
MAX_LABELS = 50
MAX_LABEL_LENGTH = 255
MAX_META_BYTES = 64 * 1024
MAX_META_DEPTH = 10
MAX_DIMENSION = 2**31 - 1  # PositiveIntegerField
MIN_TIMESTAMP, MAX_TIMESTAMP = -(2**63), 2**63 - 1  # BigIntegerField
MAX_SOURCES = 16
MAX_SOURCE_ID_LENGTH = 64
MIN_POINTS = {
    Roi.Type.BOX: 2,
    Roi.Type.ELLIPSE: 2,
    Roi.Type.POLYGON: 3,
    Roi.Type.POLYLINE: 2,
    Roi.Type.KEYPOINTS: 1,
}
NUL = "\x00"
NESTING_OR_ESCAPES = b"[{\\"
ESCAPED_NUL = "\\u0000"


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


def clean_context_id(value) -> str:
    """A frame's `context_id`: a string (may be empty), bounded, without NUL."""
    # The common case in one cheap test: imports check it for every frame.
    if type(value) is not str or len(value) > MAX_CONTEXT_LENGTH or NUL in value:
        clean_text(
            value, "context_id", max_length=MAX_CONTEXT_LENGTH, what="context_id", required=False
        )
    return value


def clean_text(value, field: str, *, max_length: int, what: str, required: bool = True) -> str:
    """A string of at most `max_length` characters without NUL (empty only when not required)."""
    if not isinstance(value, str) or (required and not value):
        kind = "a non-empty string" if required else "a string"
        raise FieldError(field, f"{what} is {kind} of at most {max_length} characters.")
    if len(value) > max_length:
        raise FieldError(
            field,
            f"{what} has at most {max_length:,} characters; this one has {len(value):,}.",
            code="too_long",
        )
    if NUL in value:
        raise FieldError(field, NUL_TEXT, code="nul_character")
    return value


def clean_meta(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(field, f"Metadata must be a JSON object, not {type(value).__name__}.")
    if not value:
        return value
    try:
        # orjson also refuses integers beyond 64 bits, keys that are not text and nesting deeper
        # than 254; one C call measures the size and finds NUL (escaped as \\u0000).
        encoded = orjson.dumps(value)
    except (orjson.JSONEncodeError, RecursionError) as error:
        raise FieldError(field, f"Metadata must be plain JSON: {error}.") from None
    if len(encoded) > MAX_META_BYTES:
        raise FieldError(
            field,
            f"Metadata is {len(encoded):,} bytes as JSON; at most {MAX_META_BYTES:,} are allowed.",
            code="meta_too_large",
        )
    # Nearly all metadata is flat and plain: one "{", no "[" and no backslash escape. Only other
    # metadata is walked, for NUL (written \\u0000) and depth. One translate() counts all three.
    if len(encoded) - len(encoded.translate(None, NESTING_OR_ESCAPES)) > 1:
        if b"\\u0000" in encoded:
            _find_nul(value, field)
        _check_depth(value, field)
    return value


def _find_nul(value, field: str) -> None:
    """Names the key or value holding NUL (the encoded text held a \\u0000 somewhere)."""
    stack = [(field, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise FieldError(path, NUL_TEXT, code="nul_character")
        elif isinstance(item, dict):
            for key, inner in item.items():
                where = path + "." + key.replace(NUL, ESCAPED_NUL)
                if NUL in key:
                    raise FieldError(where, NUL_TEXT, code="nul_character")
                stack.append((where, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", inner) for index, inner in enumerate(item))


def _check_depth(value, field: str) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_META_DEPTH:
            raise FieldError(
                field,
                f"Metadata nests objects and lists at most {MAX_META_DEPTH} deep.",
                code="meta_too_deep",
            )
        inner = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in inner if isinstance(child, dict | list))


def clean_labels(value, field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise FieldError(field, "Give at least one label.")
    if len(value) > MAX_LABELS:
        raise FieldError(
            field,
            f"An annotation has at most {MAX_LABELS} labels; this one has {len(value):,}.",
            code="too_many_labels",
        )
    labels = []
    for index, label in enumerate(value):
        if not isinstance(label, str) or not label.strip():
            raise FieldError(f"{field}[{index}]", "A label is a non-empty string.")
        if len(label) > MAX_LABEL_LENGTH:
            raise FieldError(
                f"{field}[{index}]",
                f"A label has at most {MAX_LABEL_LENGTH} characters; this one has {len(label):,}.",
                code="too_long",
            )
        if NUL in label:
            raise FieldError(f"{field}[{index}]", NUL_TEXT, code="nul_character")
        if label.strip() not in labels:
            labels.append(label.strip())
    return labels


def clean_points(value, roi_type: str, width: int, height: int, field: str) -> list[list[float]]:
    if not isinstance(value, list):
        raise FieldError(field, "Points are a list of [x, y] pairs.")
    if len(value) > MAX_POINTS:
        raise FieldError(
            field,
            f"An ROI has at most {MAX_POINTS:,} points; this one has {len(value):,}.",
            code="too_many_points",
        )
    points = []
    for index, point in enumerate(value):
        kind = type(point)
        if not ((kind is list or kind is tuple) and len(point) == 2):
            raise FieldError(f"{field}[{index}]", "A point is a pair of numbers [x, y].")
        x, y = point
        if not (_is_number(x) and _is_number(y)):
            raise FieldError(
                f"{field}[{index}]",
                "A point is a pair of finite numbers [x, y] (no NaN, Infinity).",
            )
        if not (0 <= x <= width and 0 <= y <= height):
            raise FieldError(
                f"{field}[{index}]",
                f"Point ({short(x)}, {short(y)}) lies outside the image "
                f"(0..{width} × 0..{height}).",
                code="out_of_image",
            )
        points.append([x, y])
    if roi_type in ROTATABLE_TYPES:
        if len(points) != 2:
            what = "An ellipse" if roi_type == Roi.Type.ELLIPSE else "A box"
            raise FieldError(field, f"{what} needs exactly 2 points; it has {len(points)}.")
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
        raise FieldError(field, f"Confidence is a number from 0 to 1; got {short(value)}.")
    return float(value)


def _clean_color(value, labels: list[str], field: str) -> str:
    if value in (None, ""):
        return label_color(labels[0])
    if not isinstance(value, str) or not COLOR_RE.match(value):
        raise FieldError(field, f"Colour is #rrggbb; got {short(value)}.")
    return value.lower()


def _clean_uid(value, field: str, seen: set[str]) -> str:
    if value in (None, ""):
        # Unique, not secret: the fast generator (reseeded after fork) instead of os.urandom.
        value = f"{random.getrandbits(128):032x}"
    if not isinstance(value, str) or len(value) > MAX_UID_LENGTH:
        raise FieldError(
            field, f"An annotation id is a string of at most {MAX_UID_LENGTH} characters."
        )
    if NUL in value:
        raise FieldError(field, NUL_TEXT, code="nul_character")
    if value in seen:
        raise FieldError(field, f"Annotation id {value!r} is used twice in this frame.")
    seen.add(value)
    return value


def _clean_rotation(value, roi_type: str, field: str) -> float:
    """Degrees clockwise about the shape's centre, normalised to (-180, 180]; boxes and ellipses."""
    if value in (None, 0):
        return 0.0
    if not _is_number(value) or not -360 <= value <= 360:
        raise FieldError(field, f"Rotation is degrees from -360 to 360; got {short(value)}.")
    if roi_type not in ROTATABLE_TYPES:
        raise FieldError(field, f"Only boxes and ellipses rotate; a {roi_type} has no rotation.")
    turned = float(value) % 360
    return turned - 360 if turned > 180 else turned


def _clean_source(value, sizes: dict[str, tuple[int, int]], field: str) -> str:
    if value in (None, ""):
        return next(iter(sizes))
    if not isinstance(value, str) or value not in sizes:
        known = ", ".join(repr(source) for source in sizes)
        raise FieldError(field, f"The frame has no source {short(value)}; its sources: {known}.")
    return value


def _clean_mask(value, size: tuple[int, int]) -> tuple[dict, list[list[int]]]:
    try:
        return clean_rle(value, height=size[1], width=size[0])
    except MaskError as error:
        raise FieldError("mask" + error.where, error.message, code=error.code) from None


def clean_annotation(
    data,
    *,
    roi_type: str | None,
    field: str,
    seen: set[str],
    sizes: dict[str, tuple[int, int]],
) -> dict:
    """One ROI (`roi_type` None: read it from data) or frame label (`roi_type` "frame").

    `sizes`: {source id: (width, height)} of the frame's sources, the first one first
    (`source_sizes`); a shape's points must lie inside its source's image.
    """
    try:
        return _clean_annotation(data, roi_type, sizes, seen)
    except FieldError as error:
        # Field names are built only for an error: a bulk import checks ~50,000 annotations.
        error.field = f"{field}.{error.field}" if error.field else field
        raise


def _clean_annotation(data, roi_type: str | None, sizes: dict, seen) -> dict:
    if not isinstance(data, dict):
        raise FieldError("", "An annotation is a JSON object.")
    if roi_type is None:
        roi_type = data.get("type")
        if roi_type not in SHAPE_TYPES:
            kinds = ", ".join(SHAPE_TYPES)
            raise FieldError("type", f"Type is one of {kinds}; got {short(roi_type)}.")
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
        "source": "",
        "rotation": 0.0,
        "mask": None,
    }
    if roi_type == Roi.Type.FRAME:
        return cleaned
    source = _clean_source(data.get("source"), sizes, "source")
    cleaned["source"] = source
    cleaned["rotation"] = _clean_rotation(data.get("rotation"), roi_type, "rotation")
    if roi_type == Roi.Type.MASK:
        cleaned["mask"], cleaned["points"] = _clean_mask(data.get("mask"), sizes[source])
        return cleaned
    width, height = sizes[source]
    cleaned["points"] = clean_points(data.get("points"), roi_type, width, height, "points")
    return cleaned


def source_sizes(sources: list[dict] | None, width: int, height: int) -> dict:
    """{source id: (width, height)} of a frame, its first source first: what its shapes may be
    drawn on. `sources` as `Frame.sources` holds them (empty: one source, "default")."""
    if not sources:
        return {DEFAULT_SOURCE: (width, height)}
    return {source["id"]: (source["width"], source["height"]) for source in sources}


def clean_annotations(
    rois, frame_labels, *, sizes: dict[str, tuple[int, int]], prefix: str = ""
) -> list[dict]:
    """ROIs then frame labels, as one ordered list of cleaned annotation dicts."""
    seen: set[str] = set()
    cleaned = []
    count = (len(rois) if isinstance(rois, list) else 0) + (
        len(frame_labels) if isinstance(frame_labels, list) else 0
    )
    if count > MAX_ANNOTATIONS:
        field = f"{prefix}rois" if isinstance(rois, list) and rois else f"{prefix}frame_labels"
        raise FieldError(
            field,
            f"A frame has at most {MAX_ANNOTATIONS:,} annotations (ROIs and frame labels); "
            f"this one has {count:,}.",
            code="too_many_annotations",
        )
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
                    field=f"{prefix}{name}[{index}]",
                    seen=seen,
                    sizes=sizes,
                )
            )
    return cleaned


def _clean_dimension(value, field: str) -> int:
    if type(value) is not int or not 1 <= value <= MAX_DIMENSION:
        raise FieldError(
            field,
            f"A size in pixels is a whole number from 1 to {MAX_DIMENSION:,}; got {short(value)}.",
            code="out_of_range",
        )
    return value


def short(value) -> str:
    """A value for a message, cut short: Python refuses even to print a 4,400-digit integer."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"a number of about {math.ceil(value.bit_length() * math.log10(2)):,} digits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"


def clean_frame(data) -> dict:
    """A whole frame for import: key, context, timestamp, source, meta and annotations."""
    if not isinstance(data, dict):
        raise FieldError("", "A frame is a JSON object.")
    # Each text is checked inline first (three calls a frame show in a 100,000-frame import);
    # clean_text runs only to name what is wrong.
    key = data.get("id")
    if key is not None and (
        type(key) is not str or not key or len(key) > MAX_KEY_LENGTH or NUL in key
    ):
        clean_text(key, "id", max_length=MAX_KEY_LENGTH, what="A frame id")
    context_id = clean_context_id(data.get("context_id", ""))
    timestamp = data.get("timestamp", 0)
    if type(timestamp) is not int:
        raise FieldError("timestamp", f"timestamp is whole milliseconds; got {short(timestamp)}.")
    if not MIN_TIMESTAMP <= timestamp <= MAX_TIMESTAMP:
        raise FieldError(
            "timestamp",
            f"timestamp is whole milliseconds within ±2⁶³; got {short(timestamp)}.",
            code="out_of_range",
        )
    sources = _clean_sources(data)
    first = sources[0]
    sizes = source_sizes(sources, first["width"], first["height"])
    return {
        "key": key,
        "context_id": context_id,
        "timestamp": timestamp,
        "uri": first["uri"],
        "width": first["width"],
        "height": first["height"],
        "sources": sources,
        "meta": clean_meta(data.get("meta"), "meta"),
        "annotations": clean_annotations(data.get("rois"), data.get("frame_labels"), sizes=sizes),
    }


def _clean_sources(data: dict) -> list[dict]:
    """A frame's `sources`, or its one `source` (id "default"): the full list, cleaned."""
    if data.get("sources") is None:
        return [_clean_source_fields(data.get("source"), "source", DEFAULT_SOURCE)]
    if data.get("source") is not None:
        raise FieldError("source", "Give sources or source (one source), not both.")
    sources = data["sources"]
    if not isinstance(sources, list) or not sources:
        raise FieldError("sources", "sources is a non-empty list of {id, uri, width, height}.")
    if len(sources) > MAX_SOURCES:
        raise FieldError(
            "sources",
            f"A frame has at most {MAX_SOURCES} sources; this one has {len(sources):,}.",
            code="too_many_sources",
        )
    cleaned, seen = [], set()
    for index, source in enumerate(sources):
        where = f"sources[{index}]"
        if not isinstance(source, dict):
            raise FieldError(where, "A source is an object with id, uri, width and height.")
        source_id = clean_text(
            source.get("id"), f"{where}.id", max_length=MAX_SOURCE_ID_LENGTH, what="A source id"
        )
        if source_id in seen:
            raise FieldError(f"{where}.id", f"Source id {source_id!r} is used twice in this frame.")
        seen.add(source_id)
        cleaned.append(_clean_source_fields(source, where, source_id))
    return cleaned


def _clean_source_fields(source, where: str, source_id: str) -> dict:
    if not isinstance(source, dict):
        raise FieldError(where, f"{where} is an object with uri, width and height.")
    uri = source.get("uri")
    if not isinstance(uri, str) or not uri:
        raise FieldError(f"{where}.uri", f"{where}.uri is the image's URL or media path.")
    if len(uri) > MAX_URI_LENGTH or NUL in uri:
        clean_text(uri, f"{where}.uri", max_length=MAX_URI_LENGTH, what=f"{where}.uri")
    return {
        "id": source_id,
        "uri": uri,
        "width": _clean_dimension(source.get("width"), f"{where}.width"),
        "height": _clean_dimension(source.get("height"), f"{where}.height"),
        "meta": clean_meta(source.get("meta"), f"{where}.meta"),
    }
