"""COCO: instances JSON (`coco`) and detection results (`coco-results`), written as frames come.

Instances (`CocoWriter`), one JSON object:
- `images`: one per frame and source (a frame of several sources is several images), ids from 1
  in export order; `file_name` is the frame key made safe for file systems
  (`frames.formats.names`: `cam/0001` → `cam_0001`, a clash gets `-2`), `__<source id>` when the
  frame has several sources, plus the image's extension; `width`, `height` (the source's); extra
  fields `key`, `source` (the source's id), `context_id`, `timestamp`, `meta` and
  `frame_labels` (the frame's labels as in the bulk shape: id, labels, confidence, meta, colour,
  lock; they belong to the whole frame, so only its first source's image lists them).
- `categories`: one per label of the version, ids from 1 in label order (by code point), so
  exports of the same version, whatever their scope, share ids; `supercategory` is "". A label
  on key points lists point names `"1"`, `"2"`, … up to the most points one of its ROIs has (our
  key points are ordered and unnamed), with an empty `skeleton`.
- `annotations`, ids from 1, each on the image of its ROI's source: a box → `bbox` `[x, y, w, h]`
  in pixels, `area` w * h, `segmentation` []; a polygon → `segmentation` `[[x0, y0, x1, y1, …]]`,
  its bounding box, `area` the polygon's (shoelace); an ellipse → the polygon of 64 points on
  it, a rotated box → the polygon of its 4 corners (converted), each with the bounds of the
  shape and the polygon's area, and the exact shape in `attributes.shape` (`{"type", "points",
  "rotation"}`; the import draws it again); a mask → its RLE `segmentation` `{"size", "counts"}`
  (the compressed string, as stored) with pycocotools' `bbox` and `area`; key points →
  `keypoints` `[x, y, 2, …]` (all visible), padded with `0, 0, 0` to the category's count,
  `num_keypoints`, the points' bounding box and its area, `segmentation` []. A polyline is
  skipped (COCO has no open line; CVAT skips them too). Every annotation has `iscrowd` (0; 1 for
  a mask whose meta says `"is_crowd": true`, CVAT's attribute: COCO's crowd regions, which
  training loaders leave out), `score` (the ROI's confidence), `attributes` (the ROI's meta, as
  it is) and `roi_id` (the ROI's id). A ROI with several labels becomes one annotation per
  label, in label order, sharing `roi_id`.
- Frames without shapes are images without annotations. Colours and locks are not exported
  (Hyperlabel JSON keeps them).

Without images the download is this JSON; with images a zip of `annotations/instances_default.json`
and `images/<file_name>` (CVAT's layout). Image entries are written as frames come; annotations
go to a temporary file and are appended after the last image, so memory stays flat.

Results (`CocoResultsWriter`): `[{"image_id", "category_id", "bbox", "score"}, …]`, one per ROI
and label, with the image and category ids of the instances export of the same scope, for
`COCOeval`. Any other shape than a box gives its bounds (converted); polylines and frame labels
are skipped.
"""

import tempfile
from datetime import UTC, datetime

import orjson

from frames.masks import mask_area, mask_bbox

from . import (
    Output,
    Report,
    add_image,
    bounds,
    no_progress,
    record_sources,
    rois_by_source,
    source_record,
)
from .hyperlabel import FRAME_LABEL, LINE
from .names import UniqueNames, image_extension
from .shapes import ELLIPSE_POINTS, extent, outline

INSTANCES = "annotations/instances_default.json"
RESULTS = "results.json"
COPY_BUFFER = 1 << 20
PROGRESS_BYTES = 64 << 20  # of spooled annotations copied between progress notes
BATCH = 256  # frames whose entries are written together
NOT_A_SHAPE = "frame label: COCO results hold shapes only"
SKIP_POLYLINE = "polyline: COCO has no open lines (CVAT skips them too)"
AS_POLYGON = {
    "ellipse": f"ellipse → {ELLIPSE_POINTS}-point polygon (the ellipse in attributes.shape)",
    "box": "rotated box → 4-point polygon (the box and rotation in attributes.shape)",
}
SHAPE = "shape"  # the attribute keeping an ellipse's or a rotated box's exact shape
IS_CROWD = "is_crowd"
SEVERAL_LABELS = "{kind} with several labels → one annotation per label"


class CategoryIds(dict):
    """Label → category id: the version's labels from 1, in order; a label met later (none
    should be) gets the next id rather than being dropped. One lookup a label: this runs for
    every annotation."""

    def __missing__(self, label: str) -> int:
        number = self[label] = len(self) + 1
        return number


class Categories:
    """The export's categories: ids by label, and the key points each label's ROIs have."""

    def __init__(self, labels: list[str]):
        self.ids = CategoryIds((label, number) for number, label in enumerate(labels, start=1))
        self.points: dict[str, int] = {}  # label → most key points of one of its ROIs

    def as_json(self) -> list[dict]:
        categories = []
        for label, number in self.ids.items():
            category = {"id": number, "name": label, "supercategory": ""}
            if label in self.points:
                names = [str(n) for n in range(1, self.points[label] + 1)]
                category |= {"keypoints": names, "skeleton": []}
            categories.append(category)
        return categories


def bbox(points: list[list[float]]) -> list[float]:
    """COCO's box of the points: [x, y, width, height]."""
    x0, y0, x1, y1 = bounds(points)
    return [x0, y0, x1 - x0, y1 - y0]


def exact_shape(roi: dict) -> dict:
    """What `attributes.shape` keeps of an ellipse or a rotated box: enough to draw it again."""
    return {"type": roi["type"], "points": roi["points"], "rotation": roi.get("rotation") or 0.0}


def is_crowd(meta: dict) -> bool:
    """CVAT's `is_crowd` attribute (a COCO import of an `iscrowd` 1 RLE sets it)."""
    return meta.get(IS_CROWD) in (True, 1, "1", "true")


def polygon_area(points: list[list[float]]) -> float:
    area = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        area += x0 * y1 - x1 * y0
    return abs(area) / 2


def geometry(roi: dict, size: tuple[int, int]) -> dict:
    """bbox, area, segmentation (and key points) of a ROI, as COCO has them. An ellipse or a
    rotated box is the polygon of its outline (`shapes.outline`), its bbox the shape's bounds; a
    mask is its RLE, with pycocotools' bbox and area."""
    kind, points = roi["type"], roi["points"]
    if kind == "box" and not roi.get("rotation"):
        (x0, y0), (x1, y1) = points
        width, height = x1 - x0, y1 - y0
        return {"bbox": [x0, y0, width, height], "area": width * height, "segmentation": []}
    if kind == "mask":
        mask = roi["mask"]
        segmentation = {"size": mask["size"], "counts": mask["counts"]}
        return {"bbox": mask_bbox(mask), "area": mask_area(mask), "segmentation": segmentation}
    if kind in ("box", "ellipse"):
        corners = outline(roi, size)
        x0, y0, x1, y1 = extent(roi, size)
        flat = [c for point in corners for c in point]
        return {
            "bbox": [x0, y0, x1 - x0, y1 - y0],
            "area": polygon_area(corners),
            "segmentation": [flat],
        }
    box = bbox(points)
    if kind == "polygon":
        flat = [c for point in points for c in point]
        return {"bbox": box, "area": polygon_area(points), "segmentation": [flat]}
    keypoints = []
    for x, y in points:
        keypoints += (x, y, 2)
    return {
        "bbox": box,
        "area": box[2] * box[3],
        "segmentation": [],
        "keypoints": keypoints,
        "num_keypoints": len(points),
    }


class CocoWriter:
    extension = ".json"
    uses_labels = True  # category ids follow the scope's labels

    def __init__(self, output: Output, *, labels: list[str], include_images: bool) -> None:
        self.output = output
        self.include_images = include_images
        self.categories = Categories(labels)
        self.names = UniqueNames()
        self.report = Report()
        self.file = output.open(INSTANCES)
        self.annotations = tempfile.TemporaryFile(prefix="hl-coco-")  # noqa: SIM115
        self.keypoints = tempfile.TemporaryFile(prefix="hl-coco-kp-")  # noqa: SIM115
        self.annotation_id = 0
        self.image_id = 0
        # Written BATCH frames at a time: one orjson call and one write for many entries.
        self.pending_images: list[dict] = []
        self.pending_annotations: list[dict] = []
        self.image_separator = self.separator = b""  # before the next entries written
        info = {"description": "Exported by Hyperlabel", "date_created": _now()}
        self.file.write(b'{"info":' + orjson.dumps(info) + b',"licenses":[],"images":[')

    def write(self, record: dict) -> None:
        report = self.report
        report.frames += 1
        sources = record_sources(record)
        stems = self.names.source_stems(record["id"], [source["id"] for source in sources])
        by_source = rois_by_source(record, sources)
        several = len(sources) > 1
        frame_labels = record["frame_labels"]
        if frame_labels:
            report.written[FRAME_LABEL] += len(frame_labels)
        for source, stem in zip(sources, stems, strict=True):
            self.image_id += 1
            file_name = stem + image_extension(source["uri"])
            if self.include_images:
                image = source_record(record, source, several=several)
                add_image(self.output, report, image, f"images/{file_name}")
            self.pending_images.append(
                {
                    "id": self.image_id,
                    "file_name": file_name,
                    "width": source["width"],
                    "height": source["height"],
                    "key": record["id"],
                    "source": source["id"],
                    "context_id": record["context_id"],
                    "timestamp": record["timestamp"],
                    "meta": record["meta"],
                    # The frame's labels belong to the whole frame: on its first image only.
                    "frame_labels": frame_labels,
                }
            )
            frame_labels = []
            if rois := by_source[source["id"]]:
                self._annotate(self.image_id, rois, (source["width"], source["height"]))
        if len(self.pending_images) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """The pending entries, as the items of a JSON list without its brackets."""
        if self.pending_images:
            self.file.write(self.image_separator + orjson.dumps(self.pending_images)[1:-1])
            self.image_separator, self.pending_images = b",", []
        if self.pending_annotations:
            self.annotations.write(self.separator + orjson.dumps(self.pending_annotations)[1:-1])
            self.separator, self.pending_annotations = b",", []

    def _annotate(self, image_id: int, rois: list[dict], size: tuple[int, int]) -> None:
        """The ROIs' annotations; written per ROI and label (a million frames: 5 million)."""
        written, converted = self.report.written, self.report.converted
        ids, pending = self.categories.ids, self.pending_annotations
        for roi in rois:
            kind, labels = roi["type"], roi["labels"]
            if kind == "polyline":
                self.report.skipped[SKIP_POLYLINE] += 1
                continue
            if len(labels) > 1:
                converted[SEVERAL_LABELS.format(kind=kind)] += 1
            if kind == "keypoints":
                written[kind] += 1
                self._keypoints(image_id, roi, size)
                continue
            iscrowd, attributes = 0, roi["meta"]
            if kind == "box" and not roi.get("rotation"):  # most ROIs: geometry() inlined
                written[kind] += 1
                (x0, y0), (x1, y1) = roi["points"]
                width, height = x1 - x0, y1 - y0
                box, area, segmentation = [x0, y0, width, height], width * height, []
            else:
                shape = geometry(roi, size)
                box, area, segmentation = shape["bbox"], shape["area"], shape["segmentation"]
                if kind == "mask":
                    iscrowd = 1 if is_crowd(roi["meta"]) else 0
                if kind in ("ellipse", "box"):  # a polygon now; the exact shape in attributes
                    converted[AS_POLYGON[kind]] += 1
                    attributes = attributes | {SHAPE: exact_shape(roi)}
                else:
                    written[kind] += 1
            for label in labels:
                self.annotation_id += 1
                pending.append(
                    {
                        "id": self.annotation_id,
                        "image_id": image_id,
                        "category_id": ids[label],
                        "iscrowd": iscrowd,
                        "bbox": box,
                        "area": area,
                        "segmentation": segmentation,
                        "score": roi["confidence"],
                        "attributes": attributes,
                        "roi_id": roi["id"],
                    }
                )

    def _keypoints(self, image_id: int, roi: dict, size: tuple[int, int]) -> None:
        """Key points wait in their own file until every label's point count is known."""
        shape = geometry(roi, size)
        points = self.categories.points
        for label in roi["labels"]:
            self.annotation_id += 1
            annotation = {
                "id": self.annotation_id,
                "image_id": image_id,
                "category_id": self.categories.ids[label],
                "iscrowd": 0,
                **shape,
                "score": roi["confidence"],
                "attributes": roi["meta"],
                "roi_id": roi["id"],
            }
            points[label] = max(points.get(label, 0), shape["num_keypoints"])
            self.keypoints.write(orjson.dumps([label, annotation], option=LINE))

    def close(self, progress=no_progress) -> Report:
        self._flush()
        self.file.write(b'],"annotations":[')
        size = self.annotations.tell()
        self.annotations.seek(0)
        copied = 0  # the spooled annotations, after the images
        while chunk := self.annotations.read(COPY_BUFFER):
            if copied % PROGRESS_BYTES == 0:
                progress(f"Writing annotations ({copied >> 20:,} of {size >> 20:,} MB)")
            self.file.write(chunk)
            copied += len(chunk)
        self.annotations.close()
        self._write_keypoints(first=not self.separator)
        categories = orjson.dumps(self.categories.as_json())
        self.file.write(b'],"categories":' + categories + b"}")
        self.file.close()
        return self.report

    def _write_keypoints(self, *, first: bool) -> None:
        """Key-point annotations, padded to their category's point count."""
        self.keypoints.seek(0)
        for line in self.keypoints:
            label, annotation = orjson.loads(line)
            missing = self.categories.points[label] - annotation["num_keypoints"]
            annotation["keypoints"] += [0, 0, 0] * missing
            self.file.write((b"" if first else b",") + orjson.dumps(annotation))
            first = False
        self.keypoints.close()


class CocoResultsWriter:
    extension = ".json"
    uses_labels = True  # category ids as the instances export of the scope has them

    def __init__(self, output: Output, *, labels: list[str], include_images: bool) -> None:
        self.output = output
        self.include_images = include_images
        self.categories = Categories(labels)
        self.names = UniqueNames() if include_images else None
        self.report = Report()
        self.file = output.open(RESULTS)
        self.file.write(b"[")
        self.count = 0
        self.image_id = 0

    def write(self, record: dict) -> None:
        report = self.report
        report.frames += 1
        sources = record_sources(record)
        by_source = rois_by_source(record, sources)
        if self.include_images:
            stems = self.names.source_stems(record["id"], [source["id"] for source in sources])
            several = len(sources) > 1
            for source, stem in zip(sources, stems, strict=True):
                image = source_record(record, source, several=several)
                name = f"images/{stem}{image_extension(source['uri'])}"
                add_image(self.output, report, image, name)
        if record["frame_labels"]:
            report.skipped[NOT_A_SHAPE] += len(record["frame_labels"])
        ids, results = self.categories.ids, []
        for source in sources:
            self.image_id += 1  # as the instances export numbers its images: one per source
            for roi in by_source[source["id"]]:
                kind = roi["type"]
                if kind == "polyline":  # not in the instances export either
                    report.skipped[SKIP_POLYLINE] += 1
                    continue
                if kind == "box" and not roi.get("rotation"):
                    (x0, y0), (x1, y1) = roi["points"]
                    box = [x0, y0, x1 - x0, y1 - y0]
                    report.written[kind] += 1
                else:
                    x0, y0, x1, y1 = extent(roi, (source["width"], source["height"]))
                    box = [x0, y0, x1 - x0, y1 - y0]
                    what = "rotated box" if kind == "box" else kind
                    report.converted[f"{what} → box"] += 1
                for label in roi["labels"]:
                    results.append(
                        {
                            "image_id": self.image_id,
                            "category_id": ids[label],
                            "bbox": box,
                            "score": roi["confidence"],
                        }
                    )
        if results:  # the record's results in one write, as the items of a JSON list
            self.file.write((b"," if self.count else b"") + orjson.dumps(results)[1:-1])
            self.count += len(results)

    def close(self, progress=no_progress) -> Report:
        self.file.write(b"]")
        self.file.close()
        return self.report


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
