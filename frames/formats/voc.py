"""Pascal VOC: a zip of `Annotations/<stem>.xml`, `ImageSets/Main/train.txt` and, with images,
`JPEGImages/<stem>.<ext>`.

VOC holds boxes: a polygon, an ellipse, a rotated box, a polyline or a mask is written as its
bounds (converted; a rotated shape's exact bounds, a mask's bounding box); key points and frame
labels have no place (skipped). A frame of several sources is one XML (and image) per source,
`<key>__<source>`, with the shapes drawn on that source. A ROI with several labels is one `object` per label. `bndbox` is in VOC's
1-based pixel indices, the first and the last pixel column (row) the box covers:
`xmin = round(x0) + 1`, `xmax = round(x1)` (halves up), at least one pixel, inside
1..width. The reader takes a box back as `x0 = xmin - 1`, `x1 = xmax`, as the VOC devkit,
Detectron2 and supervision do, so a box on whole pixels comes back exactly and any other within
half a pixel. `truncated` is 1 when the box touches the image's edge; `difficult` is 1 when the
ROI's meta says `"difficult": true` (an import keeps it there).

The split is `train` (ImageSets/Main/train.txt lists every stem): the name loaders such as
torchvision's and Detectron2's take; CVAT's `default` is one none of them does.
"""

import math
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from os import PathLike
from pathlib import PurePosixPath
from typing import BinaryIO

from . import (
    ImportBatch,
    ImportItem,
    Output,
    Report,
    add_image,
    bounds,
    merge_labels,
    no_progress,
    record_sources,
    rois_by_source,
    source_record,
)
from .archives import (
    FormatError,
    archive_members,
    image_opener,
    image_size,
    is_image,
    open_archive,
    read_member,
)
from .names import UniqueNames, image_extension
from .shapes import extent

SPLIT = "train"
SKIP_FRAME_LABEL = "frame label: VOC has no image-level labels"
SKIP_KEYPOINTS = "keypoints: VOC holds boxes only"
LABEL_CLEANED = "label: characters XML cannot hold → U+FFFD"
# Control characters (but tab and line breaks), lone surrogates and two non-characters.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_XML_BYTES = 16 * 1024 * 1024
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
SEGMENTATION_FOLDERS = {"SegmentationClass", "SegmentationObject"}


# --- Export ---------------------------------------------------------------------------------


class VocWriter:
    """Records in, a zip of a Pascal VOC tree out, one XML file a frame as it comes."""

    extension = ".zip"
    uses_labels = False  # object names are free text: the export needs no label list

    def __init__(self, output: Output, *, labels: list[str], include_images: bool) -> None:
        self.output = output
        self.include_images = include_images
        self.names = UniqueNames()
        self.report = Report()
        self.stems = tempfile.TemporaryFile()  # noqa: SIM115 - copied and closed by close()

    def write(self, record: dict) -> None:
        self.report.frames += 1
        sources = record_sources(record)
        stems = self.names.source_stems(record["id"], [source["id"] for source in sources])
        by_source = rois_by_source(record, sources)
        several = len(sources) > 1
        for source, stem in zip(sources, stems, strict=True):
            file_name = f"{stem}{image_extension(source['uri'])}"
            if self.include_images:
                image = source_record(record, source, several=several)
                add_image(self.output, self.report, image, f"JPEGImages/{file_name}")
            root = self._annotation(source, by_source[source["id"]], file_name)
            _indent(root)
            with self.output.open(f"Annotations/{stem}.xml") as file:
                # As text first: ElementTree's own UTF-8 encoding is three times slower.
                file.write(XML_DECLARATION + ET.tostring(root, encoding="unicode").encode())
            self.stems.write(f"{stem}\n".encode())
        if frame_labels := record.get("frame_labels"):
            self.report.skipped[SKIP_FRAME_LABEL] += len(frame_labels)

    def close(self, progress=no_progress) -> Report:
        self.stems.seek(0)
        with self.output.open(f"ImageSets/Main/{SPLIT}.txt") as file:
            shutil.copyfileobj(self.stems, file)
        self.stems.close()
        return self.report

    def _annotation(self, source: dict, rois: list[dict], file_name: str) -> ET.Element:
        width, height = source["width"], source["height"]
        root = ET.Element("annotation")
        _add(root, "folder", "JPEGImages")
        _add(root, "filename", file_name)
        _add(_add(root, "source"), "database", "Hyperlabel")
        size = _add(root, "size")
        _add(size, "width", str(width))
        _add(size, "height", str(height))
        _add(size, "depth", "3")
        _add(root, "segmented", "0")
        for roi in rois:
            box = self._box(roi, (width, height))
            if box is not None:
                for label in roi["labels"]:
                    root.append(self._object(label, box, roi, width, height))
        return root

    def _box(self, roi: dict, size: tuple[int, int]) -> tuple[float, float, float, float] | None:
        """The ROI's box in pixels, counting what became of the shape: any shape but key points
        is its bounds (a rotated box's or an ellipse's exact ones, a mask's bounding box)."""
        kind = roi["type"]
        if kind == "keypoints":
            self.report.skipped[SKIP_KEYPOINTS] += 1
            return None
        if kind == "box" and not roi.get("rotation"):
            self.report.written[kind] += 1
            return bounds(roi["points"])
        what = "rotated box" if kind == "box" else kind
        self.report.converted[f"{what} → box"] += 1
        return extent(roi, size)

    def _object(self, label: str, box: tuple, roi: dict, width: int, height: int) -> ET.Element:
        x0, y0, x1, y1 = box
        cleaned = NOT_XML.sub("\ufffd", label)
        if cleaned != label:
            self.report.converted[LABEL_CLEANED] += 1
        meta = roi.get("meta") or {}
        element = ET.Element("object")
        _add(element, "name", cleaned)
        _add(element, "pose", "Unspecified")
        _add(
            element, "truncated", "1" if x0 <= 0 or y0 <= 0 or x1 >= width or y1 >= height else "0"
        )
        _add(element, "difficult", "1" if meta.get("difficult") in (True, 1, "1") else "0")
        bndbox = _add(element, "bndbox")
        for tag, value in zip(
            ("xmin", "ymin", "xmax", "ymax"), voc_box(box, width, height), strict=True
        ):
            _add(bndbox, tag, str(value))
        return element


def voc_box(box: tuple, width: int, height: int) -> tuple[int, int, int, int]:
    """1-based pixel indices of the first and last column and row the box covers."""
    x0, y0, x1, y1 = box
    xmin = min(max(_round(x0) + 1, 1), width)
    ymin = min(max(_round(y0) + 1, 1), height)
    return xmin, ymin, min(max(_round(x1), xmin), width), min(max(_round(y1), ymin), height)


def _round(value: float) -> int:
    return math.floor(value + 0.5)  # halves up, not to even: the same pixel for x and x + w


def _indent(element: ET.Element, level: int = 0) -> None:
    """Two spaces a level, as `ET.indent` lays it out. Not `ET.indent` itself: each call makes
    a reference cycle (a nested function), and an export pauses collection, so a million files
    kept ~650 MB of them."""
    if not len(element):
        return
    inner = "\n" + "  " * (level + 1)
    if not (element.text or "").strip():
        element.text = inner
    for child in element:
        _indent(child, level + 1)
        if not (child.tail or "").strip():
            child.tail = inner
    child.tail = "\n" + "  " * level


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


# --- Import ---------------------------------------------------------------------------------


def read_voc(path: str | PathLike | BinaryIO) -> ImportBatch:
    """A VOC zip as items: one per annotation XML (with its image when the zip has it), then
    one per image no XML names. Items come lazily; a bad file raises FormatError then.

    Boxes are pixels (`xmin - 1`, `ymin - 1`, `xmax`, `ymax`, inside the image); a CVAT or
    supervision `<polygon>` (x1, y1, x2, y2, … 1-based) is a polygon; `difficult` goes to meta.
    Segmentation masks (SegmentationClass/, SegmentationObject/) are not read: skipped.
    """
    archive = open_archive(path)
    members = archive_members(archive)
    xmls = sorted(p for p in members if PurePosixPath(p).suffix.lower() == ".xml")
    xmls = [p for p in xmls if "Annotations" in PurePosixPath(p).parts[:-1]] or xmls
    images = _images(members)
    skipped = []
    masks = [p for p in members if SEGMENTATION_FOLDERS & set(PurePosixPath(p).parts[:-1])]
    if masks:
        reason = "VOC segmentation masks are not imported; the boxes of Annotations/ are"
        skipped.append(
            {"file": masks[0], "index": None, "reason": f"{reason} ({len(masks)} files)"}
        )
    return ImportBatch(items=_items(archive, members, xmls, images), skipped=skipped)


def _images(members) -> list[str]:
    images = [
        p
        for p in sorted(members)
        if is_image(p) and not SEGMENTATION_FOLDERS & set(PurePosixPath(p).parts[:-1])
    ]
    in_folder = [p for p in images if "JPEGImages" in PurePosixPath(p).parts[:-1]]
    return in_folder or images


def _items(archive, members, xmls, images) -> Iterator[ImportItem]:
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for image in images:
        by_name.setdefault(PurePosixPath(image).name, []).append(image)
        by_stem.setdefault(PurePosixPath(image).stem, []).append(image)
    used = set()
    for path in xmls:
        root = _root(path, read_member(archive, path, members[path], MAX_XML_BYTES))
        file_name = (_text(root, "filename") or "").replace("\\", "/").rsplit("/", 1)[-1]
        image = _image_for(path, by_name.get(file_name) or by_stem.get(PurePosixPath(path).stem))
        if image:
            used.add(image)
            width, height = image_size(archive, image, members[image])
        else:
            width, height = _size(path, root)
        yield ImportItem(
            file_name=file_name
            or (PurePosixPath(image).name if image else PurePosixPath(path).stem),
            width=width,
            height=height,
            rois=_rois(path, root, width, height),
            image=image_opener(archive, members[image]) if image else None,
        )
    for image in images:
        if image not in used:
            width, height = image_size(archive, image, members[image])
            yield ImportItem(
                file_name=PurePosixPath(image).name,
                width=width,
                height=height,
                image=image_opener(archive, members[image]),
            )


def _root(path: str, data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormatError(path, "Annotation files with a DTD or entities are not accepted.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise FormatError(path, f"This is not well-formed XML ({error}).", line=line) from None
    if root.tag != "annotation":
        raise FormatError(path, f"The root element is <{root.tag}>; VOC's is <annotation>.")
    return root


def _image_for(path: str, found: list[str] | None) -> str | None:
    """The image the XML names (by `filename`, else by its own stem); of several, the one in
    the XML's own VOC folder."""
    home = str(PurePosixPath(path).parent.parent)
    for image in found or ():
        if home in ("", ".") or image.startswith(f"{home}/"):
            return image
    return found[0] if found else None


def _text(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _size(path: str, root: ET.Element) -> tuple[int | None, int | None]:
    size = root.find("size")
    if size is None:
        return None, None
    values = []
    for tag in ("width", "height"):
        text = _text(size, tag)
        try:
            value = int(float(text)) if text else 0
        except ValueError:
            raise FormatError(
                path, f"<{tag}> {text!r} is not a number.", field=f"size.{tag}"
            ) from None
        values.append(value if value > 0 else None)  # 0: the tool did not know
    return values[0], values[1]


def _rois(path: str, root: ET.Element, width: int | None, height: int | None) -> list[dict]:
    rois: dict[tuple, dict] = {}
    for index, obj in enumerate(root.findall("object")):
        name = _text(obj, "name")
        if not name:
            raise FormatError(path, "An object needs a <name>.", index=index, field="name")
        polygon = obj.find("polygon")
        if polygon is not None and len(polygon):
            roi = {"type": "polygon", "labels": [name], "points": _polygon(path, index, polygon)}
        else:
            roi = {
                "type": "box",
                "labels": [name],
                "points": _bndbox(path, index, obj, width, height),
            }
        if _text(obj, "difficult") in ("1", "true", "True"):
            roi["meta"] = {"difficult": True}
        merge_labels(rois, (roi["type"], repr(roi["points"]), "meta" in roi), roi)
    return list(rois.values())


def _bndbox(path, index, obj, width, height) -> list[list[float]]:
    bndbox = obj.find("bndbox")
    if bndbox is None:
        raise FormatError(path, "An object needs a <bndbox>.", index=index, field="bndbox")
    xmin, ymin, xmax, ymax = (
        _coordinate(path, index, bndbox, tag) for tag in ("xmin", "ymin", "xmax", "ymax")
    )
    xmin, xmax = min(xmin, xmax), max(xmin, xmax)
    ymin, ymax = min(ymin, ymax), max(ymin, ymax)
    return [
        [max(xmin - 1, 0.0), max(ymin - 1, 0.0)],
        [_inside(xmax, width), _inside(ymax, height)],
    ]


def _inside(value: float, limit: int | None) -> float:
    """A last pixel one past the image is a 0-based writer's; it is the image's edge."""
    return limit if limit is not None and limit < value <= limit + 1 else value


def _coordinate(path: str, index: int, parent: ET.Element, tag: str) -> float:
    text = _text(parent, tag)
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        field = f"{parent.tag}.{tag}"
        raise FormatError(path, f"<{tag}> {text!r} is not a number.", index=index, field=field)
    return value


def _polygon(path: str, index: int, polygon: ET.Element) -> list[list[float]]:
    values = [_coordinate(path, index, polygon, child.tag) for child in polygon]
    if len(values) % 2 or len(values) < 6:
        raise FormatError(
            path,
            "A <polygon> is x1, y1, x2, y2, … of at least 3 points.",
            index=index,
            field="polygon",
        )
    return [
        [max(x - 1, 0.0), max(y - 1, 0.0)] for x, y in zip(values[::2], values[1::2], strict=True)
    ]
