"""Interchange formats: Hyperlabel JSON Lines, COCO, YOLO and Pascal VOC, out and in.

Each format module is plain conversion with no database access, so the formats' rules can be read
(and tested) on their own; `annotations/exports.py` and `frames/annotation_imports.py` feed them.

Out: a frame is a *record*, the bulk-import shape (`frames.exports.version_records` reads them):
    {"id": key, "context_id", "timestamp", "sources": [{"id", "uri", "width", "height", "meta"}],
     "meta",
     "rois": [{"id", "type", "labels", "points", "rotation" (box, ellipse), "mask" (mask),
               "source", "confidence", "color", "locked", "meta"}],
     "frame_labels": [{"id", "labels", "confidence", "color", "locked", "meta"}]}
(a record may give its one source as `"source": {"uri", "width", "height"}` instead: id
"default"; `record_sources` reads both). A writer (`Writer`) takes records one at a time, in
export order, and writes them into an `Output` as they come; it never holds the version. It
counts what it wrote, converted and skipped in its `Report`.

Every format has an image per source: a frame of several sources is several images, named
`<frame>__<source>` (`names.UniqueNames.source_stems`), each with the ROIs drawn on its source
(`rois_by_source`).

In: a reader turns a file (COCO JSON, a YOLO or VOC zip) into `ImportItem`s, one per image the
file describes, plus what it skipped; `frames/annotation_imports.py` matches them to frames
(`frames/matching.py`) or creates frames from the images, and writes everything through the bulk
path, all or none.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from frames.sources import sources_or_one

MAX_REPORTED_SKIPS = 100
CLOSE_PROGRESS_EVERY = 20_000  # YOLO label files written between notes while closing


def no_progress(message: str) -> None:
    """A writer's `close` says what it is doing through this (a job's progress, which raises
    once the job is cancelled); by default nobody listens."""


@dataclass
class Report:
    """What an export did with each shape: written as is, converted (how), or skipped (why)."""

    frames: int = 0
    written: Counter = field(default_factory=Counter)  # {shape type: count}
    converted: Counter = field(default_factory=Counter)  # {"polygon → box": count}
    skipped: Counter = field(default_factory=Counter)  # {"keypoints: VOC holds boxes only": n}
    images: int = 0
    images_missing: list[str] = field(default_factory=list)  # frame keys whose image was not had

    def as_dict(self) -> dict:
        return {
            "frames": self.frames,
            "written": dict(self.written),
            "converted": dict(self.converted),
            "skipped": dict(self.skipped),
            "images": self.images,
            "images_missing": list(self.images_missing),  # add_image keeps it short
        }


class Output(Protocol):
    """Where a writer puts its files. A single-file export has one member; an archive many."""

    def open(self, name: str) -> BinaryIO:
        """A new member (a path inside the archive, or the one file), open for binary writing;
        closed by the writer before it opens the next."""

    def add_image(self, record: dict, name: str) -> bool:
        """Copy the image of `record["source"]` (one source's: `source_record`) into the archive
        as `name`; False when it cannot be had (an http(s) URL, a missing file)."""


class Writer(Protocol):
    """One export format. `labels` are every label of the scope, sorted (category order)."""

    extension: str  # of the download: ".jsonl", ".json" or ".zip"
    uses_labels: bool  # whether the export gathers the scope's labels first (for `labels`)

    def __init__(self, output: Output, *, labels: list[str], include_images: bool) -> None: ...

    def write(self, record: dict) -> None: ...

    def close(self, progress: Callable[[str], None] = no_progress) -> Report:
        """Finish the files. A writer with work left at its end (YOLO writes its label files
        then) calls `progress(message)` now and then, which may raise to cancel."""


def add_image(output: Output, report: Report, record: dict, name: str) -> None:
    """Copy the record's image into the archive as `name`, counting it (or its key, when it
    cannot be had: the first MAX_REPORTED_SKIPS)."""
    if output.add_image(record, name):
        report.images += 1
    elif len(report.images_missing) < MAX_REPORTED_SKIPS:
        report.images_missing.append(record["id"])


def record_sources(record: dict) -> list[dict]:
    """The record's sources, [{"id", "uri", "width", "height", "meta"}]: its `sources`, else
    its one `source` as the source "default"."""
    if sources := record.get("sources"):
        return sources
    source = record["source"]
    return sources_or_one([], source["uri"], source["width"], source["height"])


def rois_by_source(record: dict, sources: list[dict]) -> dict[str, list[dict]]:
    """{source id: its ROIs} in drawing order. A ROI naming no source ("" or none: rows older
    than sources), or one the frame has not, is on the first source, as the API reads it."""
    rois = record.get("rois") or []
    if len(sources) == 1:
        return {sources[0]["id"]: rois}
    found: dict[str, list[dict]] = {source["id"]: [] for source in sources}
    first = found[sources[0]["id"]]
    for roi in rois:
        found.get(roi.get("source") or "", first).append(roi)
    return found


def source_record(record: dict, source: dict, *, several: bool) -> dict:
    """What `Output.add_image` copies for one source: a record whose `source` is that one (its
    id names the source too when the frame has several, for `images_missing`)."""
    name = f"{record['id']} ({source['id']})" if several else record["id"]
    return {"id": name, "source": source}


def bounds(points) -> tuple[float, float, float, float]:
    """The smallest box holding the points ([x, y] pairs): x0, y0, x1, y1."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def merge_labels(rois: dict[tuple, dict], key: tuple, roi: dict) -> None:
    """A ROI with several labels is written once per label; read back, the shapes of one key
    are one ROI again: the first stands, each later one adds its (one) label."""
    found = rois.get(key)
    if found is None:
        rois[key] = roi
    elif roi["labels"][0] not in found["labels"]:
        found["labels"].append(roi["labels"][0])


@dataclass
class ImportItem:
    """One image the imported file describes, and its annotations in the bulk shape.

    `file_name` is the image's name as the file gives it (COCO `file_name`, VOC `filename`, a
    YOLO image's name); frames are matched by it (the last part of their `media:` path) or by
    its stem (their key). Points are pixels, or fractions of the image when `normalized` (YOLO
    without the images: the matched frame's size turns them into pixels).
    """

    file_name: str
    width: int | None = None
    height: int | None = None
    rois: list[dict] = field(default_factory=list)
    frame_labels: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    normalized: bool = False
    image: Callable[[], BinaryIO] | None = None  # the image's bytes, when the archive has them


@dataclass
class ImportBatch:
    items: Iterable[ImportItem]
    # [{"file", "index", "reason"}]: annotations the format gave that no frame can hold
    skipped: list[dict] = field(default_factory=list)
