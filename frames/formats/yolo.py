"""Ultralytics YOLO: a zip of `data.yaml`, `labels/<stem>.txt` and, with images, `images/`.

Ultralytics reads a dataset as one task, so an export is one: key points make it a *pose*
dataset (`kpt_shape` in data.yaml), else polygons, ellipses, rotated boxes or masks make it a
*segment* dataset, else it is a *detect* dataset. Mixing line kinds breaks Ultralytics quietly: a file with one polygon line is
read as all polygons (a box's `cx cy w h` then becomes two points), and a dataset whose files
mix boxes and polygons has its polygons dropped. So in a segment export a box is written as its
four corners (converted, and read back as a box), and in a pose export a polygon is written as
its box (converted). Which task the scope needs is known only at its end, so `write` spools the
shapes to a temporary file and `close` writes the label files from it.

Coordinates are fractions of the image with six decimals: `class cx cy w h` (box),
`class x1 y1 … xn yn` (polygon), `class cx cy w h x1 y1 v1 … xK yK vK` (pose; K is the most
points a key points ROI of the scope has, shorter ones padded with `0 0 0`, "not labelled").
A ROI with several labels is one line per label; frame labels have no place (skipped).

Shapes YOLO has not (converted, counted): in a segment dataset an ellipse is the polygon of 64
points on it, a rotated box its 4 corners, a mask the outline OpenCV traces around each separate
region of it (`shapes.mask_outlines`: one line per region, holes not kept); a polyline, being no
outline, is skipped. In a detect or pose dataset each is its box (the shape's exact bounds).

A frame of several sources is one image and label file per source, `<key>__<source>`
(`names.UniqueNames.source_stems`), each with the ROIs drawn on that source.

The reader takes what other tools write too: data.yaml or darknet's `obj.names`/`classes.txt`,
labels under `labels/` (beside `images/`, Roboflow's `train/labels`, …) or beside their image.
"""

import math
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator
from os import PathLike
from pathlib import PurePosixPath
from typing import BinaryIO

import yaml

from . import (
    CLOSE_PROGRESS_EVERY,
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
    member_text,
    open_archive,
    read_member,
)
from .names import UniqueNames, image_extension
from .shapes import ELLIPSE_POINTS, extent, mask_outlines, outline

DETECT, SEGMENT, POSE = "detect", "segment", "pose"
TASKS = (DETECT, SEGMENT, POSE)
BOX, POLYGON, KEYPOINTS = "box", "polygon", "keypoints"
ELLIPSE, POLYLINE, MASK = "ellipse", "polyline", "mask"
ROTATED_BOX = "rotated box"  # a box with a rotation, as the report names it

SKIP_FRAME_LABEL = "frame label: YOLO has no image-level labels"
SKIP_KEYPOINTS = "keypoints: a {task} dataset has no key points (a pose export has)"
BOX_AS_POLYGON = "box → 4-point polygon"
SKIP_POLYLINE = "polyline: a segment dataset holds closed outlines only"
AS_POLYGON = {
    ELLIPSE: f"ellipse → {ELLIPSE_POINTS}-point polygon",
    ROTATED_BOX: "rotated box → 4-point polygon",
    MASK: "mask → its traced outlines (one polygon per region)",
}
MASK_AS_BOX_POLYGON = "mask → its box (too thin to trace)"

# Values a little outside 0..1 are rounding in the tool that wrote them (Ultralytics allows 1%).
SLACK = 0.01
# A pose line's box that differs from its points' extent by more than the rounding of six
# decimals is a box of its own (a person's), imported beside the key points.
EXTENT_TOLERANCE = 2e-6
MAX_LABEL_FILE_BYTES = 64 * 1024 * 1024
MAX_NAMES_FILE_BYTES = 1024 * 1024
NAMES_FILES = ("obj.names", "classes.txt", "classes.names")
# Text files of a YOLO tree that are not labels: image lists of a split, darknet's config.
NOT_LABELS = {"train.txt", "val.txt", "valid.txt", "test.txt", "trainval.txt", "readme.txt"}


# --- Export ---------------------------------------------------------------------------------


class YoloWriter:
    """Records in, a zip of an Ultralytics dataset out. `task` forces one of TASKS; by default
    the shapes of the scope choose (see the module's docstring)."""

    extension = ".zip"
    uses_labels = True  # class numbers follow the scope's labels

    def __init__(
        self, output: Output, *, labels: list[str], include_images: bool, task: str | None = None
    ) -> None:
        if task not in (None, *TASKS):
            raise ValueError(f"task is one of {', '.join(TASKS)}; got {task!r}.")
        self.output = output
        self.classes = {label: index for index, label in enumerate(labels)}
        self.include_images = include_images
        self.task = task
        self.names = UniqueNames()
        self.report = Report()
        self.types: Counter = Counter()
        self.most_keypoints = 0
        self.images = 0  # label files to write: one per frame and source
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - read back and closed by close()

    def write(self, record: dict) -> None:
        self.report.frames += 1
        sources = record_sources(record)
        stems = self.names.source_stems(record["id"], [source["id"] for source in sources])
        by_source = rois_by_source(record, sources)
        several = len(sources) > 1
        for source, stem in zip(sources, stems, strict=True):
            if self.include_images:
                image = source_record(record, source, several=several)
                name = f"images/{stem}{image_extension(source['uri'])}"
                add_image(self.output, self.report, image, name)
            width, height = source["width"], source["height"]
            shapes = [self._shape(roi, width, height) for roi in by_source[source["id"]]]
            pickle.dump((stem, shapes), self.spool, pickle.HIGHEST_PROTOCOL)
            self.images += 1
        if frame_labels := record.get("frame_labels"):
            self.report.skipped[SKIP_FRAME_LABEL] += len(frame_labels)

    def close(self, progress=no_progress) -> Report:
        task = self.task or self._task()
        points = max(self.most_keypoints, 1)
        self.spool.seek(0)
        for written in range(self.images):
            if written % CLOSE_PROGRESS_EVERY == 0:
                progress(f"Writing label files ({written:,} of {self.images:,})")
            stem, shapes = pickle.load(self.spool)
            text = "".join(line for shape in shapes for line in self._lines(task, shape, points))
            with self.output.open(f"labels/{stem}.txt") as file:
                file.write(text.encode())
        self.spool.close()
        with self.output.open("data.yaml") as file:
            file.write(self._data_yaml(task, points).encode())
        return self.report

    def _shape(self, roi: dict, width: int, height: int) -> tuple:
        """(type, class numbers, points as fractions, flat; then, for the shapes YOLO has not,
        their bounds and their outlines as fractions)."""
        kind = roi["type"]
        if kind == BOX and roi.get("rotation"):
            kind = ROTATED_BOX
        self.types[kind] += 1
        classes = [self._class(label) for label in roi["labels"]]
        if kind == KEYPOINTS:
            self.most_keypoints = max(self.most_keypoints, len(roi["points"]))
        if kind in (BOX, POLYGON, KEYPOINTS):
            flat = []
            for x, y in roi["points"]:
                flat += (x / width, y / height)
            return kind, classes, flat, None
        x0, y0, x1, y1 = extent(roi, (width, height))
        box = [x0 / width, y0 / height, x1 / width, y1 / height]
        if kind == MASK:
            outlines = [_fractions(points, width, height) for points in mask_outlines(roi["mask"])]
        elif kind == POLYLINE:
            outlines = []
        else:  # an ellipse or a rotated box
            cut = outline(roi, (width, height))
            outlines = [_fractions(cut, width, height)] if cut else []
        return kind, classes, box, outlines

    def _class(self, label: str) -> int:
        # Labels come from the scope; one it missed still gets a number (data.yaml comes last).
        return self.classes.setdefault(label, len(self.classes))

    def _task(self) -> str:
        if self.types[KEYPOINTS]:
            return POSE
        outlined = POLYGON, ELLIPSE, ROTATED_BOX, MASK
        return SEGMENT if any(self.types[kind] for kind in outlined) else DETECT

    def _lines(self, task: str, shape: tuple, points: int) -> list[str]:
        kind, classes, flat, outlines = shape
        if outlines is not None and task == SEGMENT:
            values = self._outlines(kind, flat, outlines)
        else:
            line = self._values(task, kind, flat, points, outlines is not None)
            values = [] if line is None else [line]
        return [f"{number} {line}\n" for line in values for number in classes]

    def _outlines(self, kind: str, box: list[float], outlines: list) -> list[str]:
        """A segment dataset's lines of an ellipse, rotated box or mask: its outline(s)."""
        report = self.report
        if kind == POLYLINE:
            report.skipped[SKIP_POLYLINE] += 1
            return []
        if not outlines:  # a mask too thin to trace: its box
            report.converted[MASK_AS_BOX_POLYGON] += 1
            x0, y0, x1, y1 = box
            return [_decimals([x0, y0, x1, y0, x1, y1, x0, y1])]
        report.converted[AS_POLYGON[kind]] += 1
        return [_decimals(flat) for flat in outlines]

    def _values(
        self, task: str, kind: str, flat: list[float], points: int, boxed: bool = False
    ) -> str | None:
        """The line after its class number, counting what became of the shape. `boxed`: `flat`
        is the bounds (x0, y0, x1, y1) of a shape YOLO has not (detect and pose give its box)."""
        report = self.report
        if kind == KEYPOINTS and task != POSE:
            report.skipped[SKIP_KEYPOINTS.format(task=task)] += 1
            return None
        if task == SEGMENT:
            if kind == BOX:
                report.converted[BOX_AS_POLYGON] += 1
                x0, y0, x1, y1 = flat
                flat = [x0, y0, x1, y0, x1, y1, x0, y1]
            else:
                report.written[kind] += 1
            return _decimals(flat)
        if kind == POLYGON or boxed:
            report.converted[f"{kind} → box"] += 1
        else:
            report.written[kind] += 1
        box = _decimals(_center_box(flat))
        if task == DETECT:
            return box
        given = flat if kind == KEYPOINTS else []
        visible = " ".join(
            f"{x:.6f} {y:.6f} 2" for x, y in zip(given[::2], given[1::2], strict=True)
        )
        missing = " ".join(["0.000000 0.000000 0"] * (points - len(given) // 2))
        return " ".join(part for part in (box, visible, missing) if part)

    def _data_yaml(self, task: str, points: int) -> str:
        names = sorted(self.classes.items(), key=lambda item: item[1])
        data = {
            "train": "images",
            "val": "images",
            "nc": len(names),
            "names": {number: label for label, number in names},
        }
        # No `path:`: Ultralytics then reads train/val beside this file. A relative `path: .`
        # would be taken from the current directory (or Ultralytics' datasets folder).
        text = f"# Ultralytics YOLO {task} dataset, exported by Hyperlabel.\n"
        text += yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        if task == POSE:
            text += f"kpt_shape: [{points}, 3]  # x, y, visible (2) or not labelled (0)\n"
        return text


def _center_box(flat: list[float]) -> tuple[float, float, float, float]:
    # Not `bounds`: it takes [x, y] pairs, and pairing these flat values again costs a YOLO
    # export of boxes ~8% (half a million ROIs).
    xs, ys = flat[::2], flat[1::2]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0


def _fractions(points, width: int, height: int) -> list[float]:
    flat = []
    for x, y in points:
        flat += (x / width, y / height)
    return flat


def _decimals(values) -> str:
    return " ".join([f"{value:.6f}" for value in values])


# --- Import ---------------------------------------------------------------------------------


def read_yolo(path: str | PathLike | BinaryIO) -> ImportBatch:
    """A YOLO zip as items, one per image (or per label file when the image is not there).

    Items come lazily, so a big archive is never held: a bad line raises FormatError while
    they are read. Without its image an item's points are fractions (`normalized`); with it,
    pixels of the size its header gives.
    """
    archive = open_archive(path)
    members = archive_members(archive)
    labels, kpt_shape = _classes(archive, members)
    images = [path for path in members if is_image(path)]
    label_files = _label_files(members, images)
    return ImportBatch(items=_items(archive, members, labels, kpt_shape, label_files))


def _classes(archive, members) -> tuple[list[str], tuple[int, int] | None]:
    """Class names (by number) and kpt_shape, from the shallowest data.yaml or a names file."""
    yamls = [p for p in members if PurePosixPath(p).suffix.lower() in (".yaml", ".yml")]
    yamls.sort(key=lambda p: (p.count("/"), PurePosixPath(p).stem.lower() != "data", p))
    for path in yamls:
        data = _yaml(path, read_member(archive, path, members[path], MAX_NAMES_FILE_BYTES))
        if isinstance(data, dict) and "names" in data:
            return _names(path, data["names"]), _kpt_shape(path, data.get("kpt_shape"))
    names_files = [p for p in members if PurePosixPath(p).name.lower() in NAMES_FILES]
    names_files.sort(key=lambda p: (p.count("/"), p))
    for path in names_files:
        text = member_text(path, read_member(archive, path, members[path], MAX_NAMES_FILE_BYTES))
        return [line.strip() for line in text.splitlines() if line.strip()], None
    raise FormatError(
        PurePosixPath(archive.filename or "archive").name,
        "No data.yaml with `names` (nor obj.names or classes.txt) names the classes.",
    )


def _yaml(path: str, data: bytes):
    try:
        return yaml.safe_load(member_text(path, data))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise FormatError(path, f"This is not YAML: {problem}.", line=line) from None


def _names(path: str, names) -> list[str]:
    if isinstance(names, list):
        values = names
    elif isinstance(names, dict):
        numbers = {}
        for key, value in names.items():
            number = _whole(key)
            if number is None or number < 0:
                raise FormatError(
                    path, f"`names` keys are class numbers; got {key!r}.", field="names"
                )
            numbers[number] = value
        if sorted(numbers) != list(range(len(numbers))):
            raise FormatError(path, "`names` numbers run 0, 1, 2, … without gaps.", field="names")
        values = [numbers[number] for number in range(len(numbers))]
    else:
        raise FormatError(
            path, "`names` is a list or a mapping of class numbers to names.", field="names"
        )
    labels = [str(value).strip() if value is not None else "" for value in values]
    for number, label in enumerate(labels):
        if not label:
            raise FormatError(path, f"Class {number} has no name.", field="names")
    return labels


def _kpt_shape(path: str, value) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2:
        count, dims = _whole(value[0]), _whole(value[1])
        if count and count > 0 and dims in (2, 3):
            return count, dims
    raise FormatError(path, f"`kpt_shape` is [points, 2 or 3]; got {value!r}.", field="kpt_shape")


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _label_files(members, images) -> dict[str, str | None]:
    """Label file → its image's path (None without one). A `.txt` is a label file when it lies
    under a `labels` folder, beside an image of its stem, or anywhere in a zip of no images."""
    by_base = {}
    for path in images:
        by_base.setdefault(_base(path), path)
    found = {}
    for path in sorted(members):
        pure = PurePosixPath(path)
        if pure.suffix.lower() != ".txt" or pure.name.lower() in (*NAMES_FILES, *NOT_LABELS):
            continue
        base = _base(path)
        image = by_base.get(_images_twin(base)) or by_base.get(base)
        if image or "labels" in pure.parts[:-1] or not images:
            found[path] = image
    return found


def _base(path: str) -> str:
    return str(PurePosixPath(path).with_suffix(""))


def _images_twin(base: str) -> str:
    """`…/labels/x` → `…/images/x` (the last `labels` folder), as Ultralytics pairs them."""
    parts = list(PurePosixPath(base).parts)
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "labels":
            parts[index] = "images"
            return str(PurePosixPath(*parts))
    return base


def _items(archive, members, labels, kpt_shape, label_files) -> Iterator[ImportItem]:
    label_of = {image: label for label, image in label_files.items() if image}
    for path in sorted(p for p in members if is_image(p)):
        info = members[path]
        width, height = image_size(archive, path, info)
        label = label_of.get(path)
        rois = []
        if label:
            rois = _file_rois(archive, members, label, labels, kpt_shape, (width, height))
        yield ImportItem(
            file_name=PurePosixPath(path).name,
            width=width,
            height=height,
            rois=rois,
            image=image_opener(archive, info),
        )
    for label, image in label_files.items():
        if image is None:
            rois = _file_rois(archive, members, label, labels, kpt_shape, None)
            yield ImportItem(file_name=PurePosixPath(label).stem, rois=rois, normalized=True)


def _file_rois(archive, members, path, labels, kpt_shape, size) -> list[dict]:
    text = member_text(path, read_member(archive, path, members[path], MAX_LABEL_FILE_BYTES))
    return parse_label_text(text, path, labels, kpt_shape, size)


def parse_label_text(
    text: str, path: str, labels: list[str], kpt_shape, size: tuple[int, int] | None
) -> list[dict]:
    """ROIs of one label file in the bulk shape. Lines of the same shape (a ROI with several
    labels is one line per label) become one ROI with those labels. `size` turns fractions into
    pixels; None keeps fractions."""
    rois: dict[tuple, dict] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        try:
            for roi in _line_rois(tokens, labels, kpt_shape):
                merge_labels(rois, _same_shape(roi), roi)
        except LineError as error:
            raise FormatError(path, str(error), line=number) from None
    return [_scaled(roi, size) for roi in rois.values()]


class LineError(ValueError):
    pass


def _line_rois(tokens: list[str], labels: list[str], kpt_shape) -> list[dict]:
    label = _label(tokens[0], labels)
    values = [_number(token) for token in tokens[1:]]
    if kpt_shape:
        count, dims = kpt_shape
        if len(values) != 4 + count * dims:
            raise LineError(
                f"A pose line (kpt_shape [{count}, {dims}]) has {5 + count * dims} values: class, "
                f"box and {count}×{dims} for its points; this one has {len(tokens)}."
            )
        return _pose_rois(label, values, count, dims)
    if len(values) in (4, 5):
        roi = {"type": BOX, "labels": [label], "points": _box_corners(values[:4])}
        if len(values) == 5:  # Ultralytics' save_conf: a detection's score after its box
            roi["confidence"] = _fraction(values[4], "A confidence")
        return [roi]
    if len(values) >= 6 and len(values) % 2 == 0:
        points = [
            [_fraction(x), _fraction(y)] for x, y in zip(values[::2], values[1::2], strict=True)
        ]
        return [_polygon_or_box(label, points)]
    raise LineError(
        "A line is `class cx cy w h` (a box) or `class x1 y1 x2 y2 x3 y3 …` (a polygon, pairs of "
        f"coordinates); this one has {len(tokens)} values."
    )


def _label(token: str, labels: list[str]) -> str:
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if not value.is_integer() or not 0 <= value < len(labels):
        raise LineError(f"Class {token!r} is not a class number from 0 to {len(labels) - 1}.")
    return labels[int(value)]


def _number(token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise LineError(f"{token!r} is not a number.")
    return value


def _fraction(value: float, what: str = "A coordinate") -> float:
    if not -SLACK <= value <= 1 + SLACK:
        raise LineError(f"{what} is a fraction of the image, 0 to 1; got {value!r}.")
    return min(max(value, 0.0), 1.0)


def _box_corners(values: list[float]) -> list[list[float]]:
    cx, cy, width, height = values
    if width < 0 or height < 0:
        raise LineError(f"A box's width and height are not negative; got {width!r}, {height!r}.")
    return [
        [_fraction(cx - width / 2), _fraction(cy - height / 2)],
        [_fraction(cx + width / 2), _fraction(cy + height / 2)],
    ]


def _polygon_or_box(label: str, points: list[list[float]]) -> dict:
    """A segment export writes a box as its corners, clockwise from the top left; read back,
    that exact rectangle is a box again."""
    if len(points) == 4:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
        if x0 == x3 <= x1 == x2 and y0 == y1 <= y2 == y3:
            return {"type": BOX, "labels": [label], "points": [[x0, y0], [x2, y2]]}
    return {"type": POLYGON, "labels": [label], "points": points}


def _pose_rois(label: str, values: list[float], count: int, dims: int) -> list[dict]:
    box = _box_corners(values[:4])
    points, indices = [], []
    for index in range(count):
        x, y, *visible = values[4 + index * dims : 4 + (index + 1) * dims]
        shown = visible[0] > 0 if visible else x >= 0 and y >= 0
        if shown:
            points.append([_fraction(x), _fraction(y)])
            indices.append(index)
    if not points:
        return [{"type": BOX, "labels": [label], "points": box}]
    roi = {"type": KEYPOINTS, "labels": [label], "points": points}
    if indices != list(range(len(indices))):  # which of the K points these are, as COCO's reader
        roi["meta"] = {"keypoints": [str(index + 1) for index in indices]}
    edges = [*box[0], *box[1]]
    if any(abs(a - b) > EXTENT_TOLERANCE for a, b in zip(edges, bounds(points), strict=True)):
        return [{"type": BOX, "labels": [label], "points": box}, roi]
    return [roi]


def _same_shape(roi: dict) -> tuple:
    """What lines of one ROI (one line per label) share."""
    return (
        roi["type"],
        tuple(value for point in roi["points"] for value in point),
        roi.get("confidence"),
        repr(roi.get("meta")),
    )


def _scaled(roi: dict, size: tuple[int, int] | None) -> dict:
    if size is not None:
        width, height = size
        roi["points"] = [[x * width, y * height] for x, y in roi["points"]]
    return roi
