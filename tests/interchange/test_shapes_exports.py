"""Issue 15's shapes in the formats that lack them: ellipses and rotated boxes as polygons (the
exact shape kept in COCO's attributes), masks as COCO RLE and as traced YOLO segments, polylines
skipped where a format has no open line, and every shape's bounds in VOC."""

import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from pycocotools.coco import COCO

from frames.formats.coco import CocoResultsWriter, CocoWriter
from frames.formats.voc import VocWriter
from frames.formats.yolo import YoloWriter
from frames.masks import encode

from .yolo_voc_support import export, record, roi

SIZE = (200, 100)  # width, height


def ellipse(points, rotation=0.0, **fields) -> dict:
    return roi("ellipse", ["ball"], points, rotation=rotation, **fields)


def rotated_box(points, rotation, **fields) -> dict:
    return roi("box", ["sign"], points, rotation=rotation, **fields)


def pixels(*rectangles, size=SIZE) -> np.ndarray:
    """A height-by-width mask with the rectangles (x0, y0, x1, y1, ends excluded) set."""
    array = np.zeros((size[1], size[0]), dtype=np.uint8)
    for x0, y0, x1, y1 in rectangles:
        array[y0:y1, x0:x1] = 1
    return array


def mask_roi(array: np.ndarray, **fields) -> dict:
    stored = encode(array)
    ys, xs = np.nonzero(array)
    points = [[int(xs.min()), int(ys.min())], [int(xs.max()) + 1, int(ys.max()) + 1]]
    return roi("mask", ["road"], points, mask=stored, **fields)


def coco_of(rois, **options) -> tuple[dict, dict]:
    output, report = export(CocoWriter, [record("f", SIZE, rois)], **options)
    return json.loads(output.files["annotations/instances_default.json"]), report.as_dict()


# --- COCO ---------------------------------------------------------------------------------------


def test_an_ellipse_is_a_polygon_of_points_on_it_with_the_exact_shape_in_attributes():
    shape = ellipse([[40, 20], [120, 60]], rotation=30.0, meta={"kind": "ball"})
    coco, report = coco_of([shape])
    [annotation] = coco["annotations"]
    [flat] = annotation["segmentation"]
    points = list(zip(flat[::2], flat[1::2], strict=True))
    assert 32 <= len(points) <= 64
    # Each point turned back 30° about the centre lies on the axis-aligned ellipse.
    cx, cy, rx, ry = 80, 40, 40, 20
    back = math.radians(-30)
    for x, y in points:
        dx, dy = x - cx, y - cy
        ux, uy = (
            dx * math.cos(back) - dy * math.sin(back),
            dx * math.sin(back) + dy * math.cos(back),
        )
        assert (ux / rx) ** 2 + (uy / ry) ** 2 == pytest.approx(1, abs=1e-3)
    assert annotation["attributes"] == {
        "kind": "ball",
        "shape": {"type": "ellipse", "points": [[40, 20], [120, 60]], "rotation": 30.0},
    }
    # bbox: the rotated ellipse's exact bounds, which hold every polygon point.
    x, y, w, h = annotation["bbox"]
    half_w = math.hypot(rx * math.cos(math.radians(30)), ry * math.sin(math.radians(30)))
    assert (x, w) == (pytest.approx(cx - half_w, abs=1e-3), pytest.approx(2 * half_w, abs=2e-3))
    assert all(
        x - 1e-3 <= px <= x + w + 1e-3 and y - 1e-3 <= py <= y + h + 1e-3 for px, py in points
    )
    assert annotation["area"] == pytest.approx(math.pi * rx * ry, rel=0.01)
    assert report["converted"] == {
        "ellipse → 64-point polygon (the ellipse in attributes.shape)": 1
    }


def test_a_rotated_box_is_the_polygon_of_its_four_corners():
    coco, report = coco_of([rotated_box([[10, 20], [50, 40]], rotation=90.0)])
    [annotation] = coco["annotations"]
    [flat] = annotation["segmentation"]
    corners = [tuple(flat[i : i + 2]) for i in range(0, 8, 2)]
    # Centre (30, 30); the 40 by 20 box turned a quarter clockwise stands 20 wide, 40 high.
    assert corners == [(40, 10), (40, 50), (20, 50), (20, 10)]
    assert (annotation["bbox"], annotation["area"]) == ([20, 10, 20, 40], 800)
    assert annotation["attributes"]["shape"] == {
        "type": "box",
        "points": [[10, 20], [50, 40]],
        "rotation": 90.0,
    }
    assert report["converted"] == {
        "rotated box → 4-point polygon (the box and rotation in attributes.shape)": 1
    }


def test_a_box_without_rotation_stays_a_bbox():
    coco, _ = coco_of([rotated_box([[10, 20], [50, 40]], rotation=0.0)])
    [annotation] = coco["annotations"]
    assert (annotation["bbox"], annotation["segmentation"]) == ([10, 20, 40, 20], [])
    assert "shape" not in annotation["attributes"]


def test_a_polyline_is_skipped_with_its_reason_as_cvat_does():
    line = roi("polyline", ["lane"], [[0, 0], [50, 50], [100, 20]])
    coco, report = coco_of([line])
    assert coco["annotations"] == []
    assert report["skipped"] == {"polyline: COCO has no open lines (CVAT skips them too)": 1}
    assert report["written"] == {}


def test_a_mask_is_its_rle_with_pycocotools_area_and_bbox(tmp_path):
    array = pixels((10, 5, 30, 15), (50, 40, 60, 90))
    shape = mask_roi(array)
    coco, report = coco_of([shape])
    [annotation] = coco["annotations"]
    assert annotation["segmentation"] == shape["mask"]  # the stored compressed RLE, as is
    assert annotation["iscrowd"] == 0
    assert annotation["area"] == int(array.sum()) == 20 * 10 + 10 * 50
    assert annotation["bbox"] == [10, 5, 50, 85]
    assert report["written"] == {"mask": 1}
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(coco))
    loaded = COCO(str(path))
    assert (loaded.annToMask(loaded.anns[annotation["id"]]) == array).all()


def test_a_mask_marked_is_crowd_is_a_crowd_annotation():
    shape = mask_roi(pixels((10, 5, 30, 15)), meta={"is_crowd": True})
    coco, _ = coco_of([shape])
    assert coco["annotations"][0]["iscrowd"] == 1


def test_coco_results_give_every_shape_its_bounds():
    shapes = [
        rotated_box([[10, 20], [50, 40]], rotation=90.0),
        mask_roi(pixels((10, 5, 30, 15))),
        roi("polyline", ["lane"], [[0, 0], [50, 50]]),
    ]
    output, report = export(CocoResultsWriter, [record("f", SIZE, shapes)])
    results = json.loads(output.files["results.json"])
    assert [result["bbox"] for result in results] == [[20, 10, 20, 40], [10, 5, 20, 10]]
    assert report.converted == {"rotated box → box": 1, "mask → box": 1}
    assert report.skipped == {"polyline: COCO has no open lines (CVAT skips them too)": 1}


# --- YOLO ---------------------------------------------------------------------------------------


def label_lines(output, stem="f") -> list[list[float]]:
    return [
        [float(v) for v in line.split()] for line in output.text(f"labels/{stem}.txt").splitlines()
    ]


def test_a_mask_is_one_yolo_segment_line_per_region_traced_by_opencv():
    array = pixels((10, 5, 30, 15), (50, 40, 60, 90))
    output, report = export(YoloWriter, [record("f", SIZE, [mask_roi(array)])])
    assert "segment dataset" in output.text("data.yaml")
    lines = label_lines(output)
    assert len(lines) == 2
    width, height = SIZE
    outlines = []
    for line in lines:
        assert line[0] == 0  # the one class, "road"
        values = line[1:]
        assert all(0 <= value <= 1 for value in values)
        outlines.append(
            {
                (round(x * width), round(y * height))
                for x, y in zip(values[::2], values[1::2], strict=True)
            }
        )
    # The larger region first; corners through the centres of its edge pixels.
    assert outlines == [
        {(50, 40), (50, 89), (59, 89), (59, 40)},
        {(10, 5), (10, 14), (29, 14), (29, 5)},
    ]
    assert report.converted == {"mask → its traced outlines (one polygon per region)": 1}


def test_an_ellipse_is_a_yolo_segment_polygon_and_a_box_in_a_detect_dataset():
    shape = ellipse([[40, 20], [120, 60]])
    output, report = export(YoloWriter, [record("f", SIZE, [shape])])
    [line] = label_lines(output)
    assert len(line) == 1 + 2 * 64
    assert report.converted == {"ellipse → 64-point polygon": 1}
    output, report = export(YoloWriter, [record("f", SIZE, [shape])], task="detect")
    assert label_lines(output) == [[0, 0.4, 0.4, 0.4, 0.4]]  # cx cy w h of [40, 20] to [120, 60]
    assert report.converted == {"ellipse → box": 1}


def test_a_rotated_box_is_a_yolo_segment_of_its_corners():
    output, _ = export(YoloWriter, [record("f", SIZE, [rotated_box([[10, 20], [50, 40]], 90.0)])])
    [line] = label_lines(output)
    assert line[1:] == [0.2, 0.1, 0.2, 0.5, 0.1, 0.5, 0.1, 0.1]


def test_a_polyline_is_skipped_in_a_segment_dataset_and_boxed_in_a_detect_one():
    shapes = [
        roi("polygon", ["zone"], [[0, 0], [10, 0], [10, 10]]),
        roi("polyline", ["lane"], [[0, 0], [100, 50]]),
    ]
    output, report = export(YoloWriter, [record("f", SIZE, shapes)])
    assert len(label_lines(output)) == 1
    assert report.skipped == {"polyline: a segment dataset holds closed outlines only": 1}
    output, report = export(YoloWriter, [record("f", SIZE, shapes[1:])])
    assert label_lines(output) == [[0, 0.25, 0.25, 0.5, 0.5]]
    assert report.converted == {"polyline → box": 1}


# --- VOC ----------------------------------------------------------------------------------------


def test_voc_gives_every_shape_kind_its_bounding_box():
    shapes = [
        ellipse([[40, 20], [120, 60]]),
        rotated_box([[10, 20], [50, 40]], rotation=90.0),
        mask_roi(pixels((10, 5, 30, 15))),
        roi("polyline", ["lane"], [[5, 6], [100, 50]]),
    ]
    output, report = export(VocWriter, [record("f", SIZE, shapes)])
    root = ET.fromstring(output.files["Annotations/f.xml"])
    boxes = [
        [int(obj.find(f"bndbox/{tag}").text) for tag in ("xmin", "ymin", "xmax", "ymax")]
        for obj in root.iter("object")
    ]
    # VOC's 1-based first and last pixels: xmin = x0 + 1, xmax = x1.
    assert boxes == [[41, 21, 120, 60], [21, 11, 40, 50], [11, 6, 30, 15], [6, 7, 100, 50]]
    assert report.converted == {
        "ellipse → box": 1,
        "rotated box → box": 1,
        "mask → box": 1,
        "polyline → box": 1,
    }


def test_a_rotated_shape_reaching_past_the_image_is_cut_to_it_in_every_format():
    """Only a shape's box before rotation must lie in the image: a 45° turn near the corner
    reaches past it, and YOLO refuses a label file with a coordinate outside 0..1."""
    shapes = [
        rotated_box([[0, 0], [40, 40]], 45.0),
        ellipse([[150, 0], [200, 100]], 30.0),
    ]
    output, _ = export(YoloWriter, [record("f", SIZE, shapes)])
    for line in label_lines(output):
        assert all(0 <= value <= 1 for value in line[1:])
    output, _ = export(YoloWriter, [record("f", SIZE, shapes)], task="detect")
    for _, cx, cy, w, h in label_lines(output):
        assert cx - w / 2 >= 0
        assert cx + w / 2 <= 1 + 1e-6
        assert cy - h / 2 >= 0
        assert cy + h / 2 <= 1 + 1e-6
    coco, _ = coco_of(shapes)
    for annotation in coco["annotations"]:
        x, y, w, h = annotation["bbox"]
        assert x >= 0
        assert y >= 0
        assert x + w <= SIZE[0]
        assert y + h <= SIZE[1]
        [flat] = annotation["segmentation"]
        assert all(0 <= v <= SIZE[0] for v in flat[::2])
        assert all(0 <= v <= SIZE[1] for v in flat[1::2])
    # The exact shape stays in the attributes.
    assert coco["annotations"][0]["attributes"]["shape"]["rotation"] == 45.0
