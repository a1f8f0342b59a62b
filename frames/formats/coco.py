"""COCO: instances JSON (`coco`) and detection results (`coco-results`), written as frames come.

Instances (`CocoWriter`), one JSON object:
- `images`: one per frame, ids from 1 in export order; `file_name` is the frame key made safe
  for file systems (`frames.formats.names`: `cam/0001` → `cam_0001`, a clash gets `-2`) plus the
  image's extension; `width`, `height`; extra fields `key`, `context_id`, `timestamp`, `meta` and
  `frame_labels` (the frame's labels as in the bulk shape: id, labels, confidence, meta, colour,
  lock).
- `categories`: one per label of the version, ids from 1 in label order (by code point), so
  exports of the same version, whatever their scope, share ids; `supercategory` is "". A label
  on key points lists point names `"1"`, `"2"`, … up to the most points one of its ROIs has (our
  key points are ordered and unnamed), with an empty `skeleton`.
- `annotations`, ids from 1: a box → `bbox` `[x, y, w, h]` in pixels, `area` w * h,
  `segmentation` []; a polygon → `segmentation` `[[x0, y0, x1, y1, …]]`, its bounding box, `area`
  the polygon's (shoelace); key points → `keypoints` `[x, y, 2, …]` (all visible), padded with
  `0, 0, 0` to the category's count, `num_keypoints`, the points' bounding box and its area,
  `segmentation` []. Every annotation has `iscrowd` 0, `score` (the ROI's confidence),
  `attributes` (the ROI's meta, as it is) and `roi_id` (the ROI's id). A ROI with several labels
  becomes one annotation per label, in label order, sharing `roi_id`.
- Frames without shapes are images without annotations. Colours and locks are not exported
  (Hyperlabel JSON keeps them).

Without images the download is this JSON; with images a zip of `annotations/instances_default.json`
and `images/<file_name>` (CVAT's layout). Image entries are written as frames come; annotations
go to a temporary file and are appended after the last image, so memory stays flat.

Results (`CocoResultsWriter`): `[{"image_id", "category_id", "bbox", "score"}, …]`, one per ROI
and label, with the image and category ids of the instances export of the same scope, for
`COCOeval`. A polygon or key points give their bounding box; frame labels are skipped.
"""

import tempfile
from datetime import UTC, datetime

import orjson

from . import Output, Report, add_image, bounds, no_progress
from .hyperlabel import FRAME_LABEL, LINE
from .names import UniqueNames

INSTANCES = "annotations/instances_default.json"
RESULTS = "results.json"
COPY_BUFFER = 1 << 20
PROGRESS_BYTES = 64 << 20  # of spooled annotations copied between progress notes
BATCH = 256  # frames whose entries are written together
NOT_A_SHAPE = "frame label: COCO results hold shapes only"
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


def polygon_area(points: list[list[float]]) -> float:
    area = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        area += x0 * y1 - x1 * y0
    return abs(area) / 2


def geometry(roi: dict) -> dict:
    """bbox, area, segmentation (and key points) of a ROI, as COCO has them."""
    kind, points = roi["type"], roi["points"]
    if kind == "box":
        (x0, y0), (x1, y1) = points
        width, height = x1 - x0, y1 - y0
        return {"bbox": [x0, y0, width, height], "area": width * height, "segmentation": []}
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
        # Written BATCH frames at a time: one orjson call and one write for many entries.
        self.pending_images: list[dict] = []
        self.pending_annotations: list[dict] = []
        self.image_separator = self.separator = b""  # before the next entries written
        info = {"description": "Exported by Hyperlabel", "date_created": _now()}
        self.file.write(b'{"info":' + orjson.dumps(info) + b',"licenses":[],"images":[')

    def write(self, record: dict) -> None:
        report = self.report
        report.frames += 1
        image_id = report.frames
        source = record["source"]
        file_name = self.names.image_name(record["id"], source["uri"])
        if self.include_images:
            add_image(self.output, report, record, f"images/{file_name}")
        image = {
            "id": image_id,
            "file_name": file_name,
            "width": source["width"],
            "height": source["height"],
            "key": record["id"],
            "context_id": record["context_id"],
            "timestamp": record["timestamp"],
            "meta": record["meta"],
            "frame_labels": record["frame_labels"],
        }
        self.pending_images.append(image)
        if record["frame_labels"]:
            report.written[FRAME_LABEL] += len(record["frame_labels"])
        if record["rois"]:
            self._annotate(image_id, record["rois"])
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

    def _annotate(self, image_id: int, rois: list[dict]) -> None:
        """The ROIs' annotations; written per ROI and label (a million frames: 5 million)."""
        written, converted = self.report.written, self.report.converted
        ids, pending = self.categories.ids, self.pending_annotations
        for roi in rois:
            kind, labels = roi["type"], roi["labels"]
            written[kind] += 1
            if len(labels) > 1:
                converted[SEVERAL_LABELS.format(kind=kind)] += 1
            if kind == "keypoints":
                self._keypoints(image_id, roi)
                continue
            if kind == "box":  # most ROIs: geometry() inlined
                (x0, y0), (x1, y1) = roi["points"]
                width, height = x1 - x0, y1 - y0
                box, area, segmentation = [x0, y0, width, height], width * height, []
            else:
                shape = geometry(roi)
                box, area, segmentation = shape["bbox"], shape["area"], shape["segmentation"]
            for label in labels:
                self.annotation_id += 1
                pending.append(
                    {
                        "id": self.annotation_id,
                        "image_id": image_id,
                        "category_id": ids[label],
                        "iscrowd": 0,
                        "bbox": box,
                        "area": area,
                        "segmentation": segmentation,
                        "score": roi["confidence"],
                        "attributes": roi["meta"],
                        "roi_id": roi["id"],
                    }
                )

    def _keypoints(self, image_id: int, roi: dict) -> None:
        """Key points wait in their own file until every label's point count is known."""
        shape = geometry(roi)
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

    def write(self, record: dict) -> None:
        report = self.report
        report.frames += 1
        image_id = report.frames
        if self.include_images:
            file_name = self.names.image_name(record["id"], record["source"]["uri"])
            add_image(self.output, report, record, f"images/{file_name}")
        if record["frame_labels"]:
            report.skipped[NOT_A_SHAPE] += len(record["frame_labels"])
        ids, results = self.categories.ids, []
        for roi in record["rois"]:
            kind = roi["type"]
            if kind == "box":
                (x0, y0), (x1, y1) = roi["points"]
                box = [x0, y0, x1 - x0, y1 - y0]
                report.written[kind] += 1
            else:
                box = bbox(roi["points"])
                report.converted[f"{kind} → box"] += 1
            for label in roi["labels"]:
                results.append(
                    {
                        "image_id": image_id,
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
