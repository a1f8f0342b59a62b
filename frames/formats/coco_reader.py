"""COCO instances JSON in: `read_coco(path)` turns a COCO file (or a zip holding one, with images)
into `ImportItem`s, one per COCO image, with its annotations in the bulk shape.

Mapping (the README's format section says the same):
- `categories` → labels (the category's `name`); `supercategory` is not kept.
- An annotation gives one ROI per shape it holds:
  - polygon `segmentation` (`[[x0, y0, x1, y1, …], …]`) → one polygon per list;
  - `keypoints` (`[x, y, v, …]`) → one key-points ROI of the labelled points: `v` 1 (labelled, not
    visible) and 2 (visible) are kept, `v` 0 (not labelled, its x and y mean nothing) is left
    out; when a point left out is followed by a kept one, the ROI's meta `keypoints` names the
    kept ones (the category's `keypoints` names, else their 1-based numbers), so the layout is
    not lost (points missing at the end, as Hyperlabel's export pads them, need no names);
  - neither → `bbox` `[x, y, w, h]` → box `[[x, y], [x + w, y + h]]` (the sums without their
    float noise: `10.1 + 5.3` is 15.4). A `bbox` beside a polygon or key points is their extent
    and gives no ROI of its own;
  - RLE `segmentation` (`{"size": [h, w], "counts": …}`, the compressed string or the list of
    runs, as COCO's crowd annotations have it) → a mask, whatever `iscrowd` says; `iscrowd` 1
    puts `"is_crowd": true` in its meta (CVAT's attribute), so an export gives it back as it
    was. Its `bbox` is not read: the server computes a mask's bounds;
  - a polygon whose `attributes.shape` is an ellipse or a box (`{"type", "points",
    "rotation"}`: Hyperlabel's export of ellipses and rotated boxes) → that shape again.
- `score` → confidence; `attributes` → the ROI's meta (CVAT's and Hyperlabel's exports put them
  there). Annotations of one image that share a ROI id (`attributes.roi_id`, or `roi_id` beside
  `attributes`: Hyperlabel's own export of a ROI with several labels) become one ROI with those
  labels, in file order; the first one's shape, confidence and meta stand for the ROI.
- Extra image fields of Hyperlabel's export (`key`, `context_id`, `timestamp`, `meta`,
  `frame_labels`) are read when present; other tools' extra fields are ignored.

Each ROI dict carries `SOURCE_INDEX`, the annotation's index in `annotations`, so an error or a
skip names it; the bulk validation ignores the extra key.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError

from . import ImportBatch, ImportItem
from .archives import LEADING, archive_members, image_opener, open_archive, read_member

SOURCE_INDEX = "_index"  # in a ROI dict: where in the file it came from, for errors and skips
ROI_ID = "roi_id"
MAX_LISTED = 5
NUMBERS = (int, float)
FLOAT_NOISE = 1e-7  # pixels; a float sum of coordinates below 10⁵ is off by under 10⁻¹¹
EDGE_SLACK = 1e-6
SHAPE = "shape"  # in attributes: the exact ellipse or rotated box a polygon was traced from
SHAPE_TYPES = ("ellipse", "box")
IS_CROWD = "is_crowd"


@dataclass
class CocoItem(ImportItem):
    """An image of a COCO file, with the frame fields Hyperlabel's own export adds, if any."""

    key: str | None = None
    source: str | None = None  # the id of the FrameGroup source the image is
    context_id: str | None = None
    timestamp: int | None = None


class FileError(ValidationError):
    """The file cannot be read as COCO; `errors` is [{"file", "index", "field", "message"}]."""

    def __init__(self, message: str, *, file: str = "", index: int | None = None, field=""):
        super().__init__(message, code="invalid_file")
        self.errors = [{"file": file, "index": index, "field": field, "message": message}]


def read_coco(path) -> ImportBatch:
    """A COCO instances file, or a zip with one COCO JSON and the images (in any folder)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        archive = open_archive(path)
        members = archive_members(archive)
        member = _coco_member(members)
        content = read_member(archive, member, members[member], settings.UPLOAD_MAX_BYTES)
        return _batch(_load(content, member), member, ArchiveImages(archive, members))
    return _batch(_load(path.read_bytes(), path.name), path.name, None)


def _coco_member(members: dict[str, zipfile.ZipInfo]) -> str:
    names = [path for path in members if path.lower().endswith(".json")]
    if len(names) > 1:  # CVAT: annotations/instances_default.json beside other files
        instances = [n for n in names if PurePosixPath(n).name.startswith("instances")]
        names = instances or names
    if len(names) != 1:
        found = ", ".join(names[:MAX_LISTED]) if names else "none"
        raise FileError(
            f"The zip holds one COCO JSON file and its images; JSON files found: {found}."
        )
    return names[0]


def _load(content: bytes, name: str) -> dict:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise FileError(f"“{name}” is not JSON: {error}.", file=name) from None
    if isinstance(data, list):
        raise FileError(
            f"“{name}” is a list (COCO detection results?); import takes COCO instances JSON: "
            "an object with images, annotations and categories.",
            file=name,
        )
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise FileError(
            f"“{name}” is not COCO instances JSON: an object with an images list.", file=name
        )
    for part in ("annotations", "categories"):
        if not isinstance(data.get(part, []), list):
            raise FileError(f"“{name}”: {part} is a list.", file=name, field=part)
    return data


class ArchiveImages:
    """The images of a zip, found by file name: the COCO `file_name` as a path inside the zip (in
    any folder, e.g. `images/`), else the one member with that last part."""

    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]):
        self.archive = archive
        self.by_name: dict[str, list[str]] = {}
        self.members = members
        for path in members:
            self.by_name.setdefault(PurePosixPath(path).name, []).append(path)

    def opener(self, file_name: str):
        """What opens the image `file_name` names, or None when the zip has not that one."""
        path = LEADING.sub("", file_name.replace("\\", "/"))
        found = self.by_name.get(PurePosixPath(path).name, [])
        if len(found) > 1:
            found = [member for member in found if member == path or member.endswith("/" + path)]
        if len(found) != 1:
            return None
        return image_opener(self.archive, self.members[found[0]])


def _batch(data: dict, name: str, images: ArchiveImages | None) -> ImportBatch:
    categories = _categories(data.get("categories", []), name)
    by_image = _annotations_by_image(data, name)
    skipped: list[dict] = []
    items = list(_items(data["images"], by_image, categories, images, skipped, name))
    if by_image:  # annotations naming an image id the file does not have
        for index, annotation in sorted(
            (index, annotation) for pairs in by_image.values() for index, annotation in pairs
        ):
            skipped.append(
                {
                    "file": name,
                    "index": index,
                    "reason": f"image_id {annotation.get('image_id')!r} is not in images "
                    f"(annotation id {annotation.get('id')!r}).",
                }
            )
    return ImportBatch(items=items, skipped=skipped)


@dataclass
class Category:
    label: str
    keypoint_names: list | None


def _categories(categories: list, name: str) -> dict:
    found = {}
    for index, category in enumerate(categories):
        label = category.get("name") if isinstance(category, dict) else None
        if not isinstance(label, str) or not label.strip():
            raise FileError(
                f"categories[{index}] has no name; a category's name is its label.",
                file=name,
                index=index,
                field="name",
            )
        names = category.get("keypoints")
        found[category.get("id")] = Category(label, names if isinstance(names, list) else None)
    return found


def _annotations_by_image(data: dict, name: str) -> dict:
    by_image: dict = {}
    for index, annotation in enumerate(data.get("annotations", [])):
        if not isinstance(annotation, dict):
            raise FileError(
                f"annotations[{index}] is not an object.", file=name, index=index, field=""
            )
        by_image.setdefault(annotation.get("image_id"), []).append((index, annotation))
    # From here only `by_image` holds them: each image's are freed once its ROIs are made.
    data["annotations"] = []
    return by_image


def _items(
    images: list, by_image: dict, categories: dict, archive, skipped: list[dict], name: str
) -> Iterator[CocoItem]:
    seen_ids = set()
    for index, image in enumerate(images):
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str):
            raise FileError(
                f"images[{index}] has no file_name.", file=name, index=index, field="file_name"
            )
        image_id = image.get("id")
        if image_id in seen_ids:
            raise FileError(
                f"images[{index}]: image id {image_id!r} is given twice.",
                file=image["file_name"],
                index=index,
                field="id",
            )
        seen_ids.add(image_id)
        annotations = by_image.pop(image_id, [])
        item = _item(image, annotations, categories, skipped)
        if archive is not None:
            item.image = archive.opener(item.file_name)
        yield item


def _item(image: dict, annotations: list, categories: dict, skipped: list[dict]) -> CocoItem:
    file_name = image["file_name"]
    item = CocoItem(
        file_name=file_name,
        width=_whole(image.get("width")),
        height=_whole(image.get("height")),
        meta=image["meta"] if isinstance(image.get("meta"), dict) else {},
        key=image["key"] if isinstance(image.get("key"), str) and image["key"] else None,
        source=image["source"] if isinstance(image.get("source"), str) else None,
        context_id=image["context_id"] if isinstance(image.get("context_id"), str) else None,
        timestamp=image["timestamp"] if type(image.get("timestamp")) is int else None,
    )
    labels = image.get("frame_labels")
    if isinstance(labels, list):
        item.frame_labels = labels
    if all(type(a.get("id")) is int for _, a in annotations):
        # Drawing order: ids count up as shapes were drawn (Hyperlabel's export writes key
        # points after the other shapes, with the ids of their places).
        annotations = sorted(annotations, key=lambda pair: pair[1]["id"])
    size = (item.width, item.height)
    by_roi_id: dict[str, dict] = {}
    for index, annotation in annotations:
        category = categories.get(annotation.get("category_id"))
        if category is None:
            raise FileError(
                f"{file_name}, annotations[{index}] (id {annotation.get('id')!r}): category_id "
                f"{annotation.get('category_id')!r} is not in categories.",
                file=file_name,
                index=index,
                field="category_id",
            )
        roi_id = _roi_id(annotation)
        if roi_id is not None and roi_id in by_roi_id:
            roi = by_roi_id[roi_id]
            if category.label not in roi["labels"]:
                roi["labels"].append(category.label)
            continue
        try:
            rois, reason = _shapes(annotation, index, category, size)
        except FileError as error:
            problem = error.errors[0]
            raise FileError(
                f"{file_name}, annotations[{index}]: {problem['message']}",
                file=file_name,
                index=index,
                field=problem["field"],
            ) from None
        if reason:
            skipped.append({"file": file_name, "index": index, "reason": reason})
        if rois and roi_id is not None:
            rois[0]["id"] = roi_id
            by_roi_id[roi_id] = rois[0]
        item.rois.extend(rois)
    return item


def _whole(value) -> int | None:
    return value if type(value) is int else None


def _roi_id(annotation: dict) -> str | None:
    attributes = annotation.get("attributes")
    value = attributes.get(ROI_ID) if isinstance(attributes, dict) else None
    if value is None:
        value = annotation.get(ROI_ID)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and value else None


def _roi(annotation: dict, index: int, category: Category, kind: str, points) -> dict:
    """One ROI in the bulk shape; built in one literal, as this runs for every annotation."""
    roi = {"type": kind, "labels": [category.label], "points": points, SOURCE_INDEX: index}
    score = annotation.get("score")
    if score is not None:
        roi["confidence"] = score
    attributes = annotation.get("attributes")
    if type(attributes) is dict:
        if ROI_ID in attributes:
            attributes = {k: v for k, v in attributes.items() if k != ROI_ID}
        roi["meta"] = attributes
    if "color" in annotation:  # Hyperlabel's own fields, should a file carry them
        roi["color"] = annotation["color"]
    if "locked" in annotation:
        roi["locked"] = annotation["locked"]
    return roi


def _mask(annotation: dict, index: int, category: Category, rle: dict) -> dict:
    """A mask of an RLE segmentation; the validation checks its runs and size."""
    roi = _roi(annotation, index, category, "mask", None)
    del roi["points"]  # the server computes a mask's bounds
    roi["mask"] = {"size": rle.get("size"), "counts": rle.get("counts")}
    if annotation.get("iscrowd") == 1:
        roi["meta"] = roi.get("meta", {}) | {IS_CROWD: True}
    return roi


def _exact_shape(annotation: dict, index: int, category: Category) -> dict | None:
    """The ellipse or rotated box a polygon was traced from, when its attributes keep it."""
    attributes = annotation.get("attributes")
    shape = attributes.get(SHAPE) if type(attributes) is dict else None
    if type(shape) is not dict or shape.get("type") not in SHAPE_TYPES:
        return None
    roi = _roi(annotation, index, category, shape["type"], shape.get("points"))
    roi["rotation"] = shape.get("rotation", 0)
    roi["meta"] = {k: v for k, v in roi["meta"].items() if k != SHAPE}
    return roi


def _shapes(
    annotation: dict, index: int, category: Category, size: tuple
) -> tuple[list[dict], str]:
    """The ROIs an annotation gives, and why part of it was skipped ("" when nothing was)."""
    segmentation = annotation.get("segmentation")
    keypoints = annotation.get("keypoints")
    if not segmentation and not keypoints:  # a box: most annotations, so first and short
        return [_roi(annotation, index, category, "box", _box(annotation, size))], ""
    if isinstance(segmentation, dict):
        return [_mask(annotation, index, category, segmentation)], ""
    rois = []
    if isinstance(segmentation, list):
        exact = _exact_shape(annotation, index, category)
        if exact is not None:
            rois.append(exact)
        else:
            for polygon in segmentation:
                points = _pairs(polygon) if isinstance(polygon, list) else polygon
                rois.append(_roi(annotation, index, category, "polygon", points))
    reason = ""
    if isinstance(keypoints, list) and keypoints:
        roi, reason = _keypoints(annotation, index, category, keypoints)
        if roi is not None:
            rois.append(roi)
    if rois:
        return rois, reason
    if reason:  # key points none of which is labelled, and no other shape
        return [], reason
    return [_roi(annotation, index, category, "box", _box(annotation, size))], reason


def _pairs(values: list) -> list:
    """[x0, y0, x1, y1, …] → [[x0, y0], …]; an odd count leaves a one-number point, which the
    validation names."""
    return [values[i : i + 2] for i in range(0, len(values), 2)]


def _box(annotation: dict, size: tuple):
    bbox = annotation.get("bbox")
    if type(bbox) is list and len(bbox) == 4:
        x, y, w, h = bbox
        if type(x) in NUMBERS and type(y) in NUMBERS and type(w) in NUMBERS and type(h) in NUMBERS:
            return [[x, y], [_end(x, w, size[0]), _end(y, h, size[1])]]
    raise FileError(
        f"Annotation id {annotation.get('id')!r}: bbox is [x, y, width, height] in pixels; "
        f"got {str(bbox)[:60]}.",
        field="bbox",
    )


def _end(start, length, limit):
    """The far edge `start + length`, without the float noise of the sum.

    `10.1 + 5.3` is 15.399999999999999: a sum within FLOAT_NOISE of a six-decimal value is that
    value (a writer's `x1 - x0` and back gives its x1 within a unit in the last place; a writer
    of decimals gives the decimal). A sum up to EDGE_SLACK past the image (float error on an
    edge) is the edge.
    """
    end = start + length
    if type(end) is float:
        rounded = round(end, 6)
        if -FLOAT_NOISE < rounded - end < FLOAT_NOISE:
            end = rounded
    if limit is not None and limit < end <= limit + EDGE_SLACK:
        return limit
    return end


def _keypoints(
    annotation: dict, index: int, category: Category, values: list
) -> tuple[dict | None, str]:
    triples = [values[i : i + 3] for i in range(0, len(values), 3)]
    points, kept = [], []
    for number, triple in enumerate(triples):
        if len(triple) == 3 and triple[2] == 0:
            continue  # not labelled: x and y are placeholders
        points.append(triple[:2])
        kept.append(number)
    if not points:
        return (
            None,
            f"No labelled key point (every v is 0; annotation id {annotation.get('id')!r}).",
        )
    roi = _roi(annotation, index, category, "keypoints", points)
    if kept != list(range(len(kept))):  # a gap, not just missing points at the end (padding)
        names = category.keypoint_names or []
        roi["meta"] = roi.get("meta", {}) | {
            "keypoints": [names[n] if n < len(names) else str(n + 1) for n in kept]
        }
    return roi, ""
