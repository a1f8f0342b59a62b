"""YOLO and Pascal VOC: what the writers put in the archive, what the readers make of it (round
trips within 1e-6 of the image for YOLO, one pixel for VOC), what supervision's loaders read,
and the errors bad files give."""

import gc
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest
import yaml
from PIL import Image

from frames.formats.archives import FormatError
from frames.formats.coco import INSTANCES, CocoWriter
from frames.formats.voc import VocWriter, read_voc
from frames.formats.yolo import YoloWriter, read_yolo
from tests.frames.media_files import image_bytes
from tests.interchange.yolo_voc_support import (
    IMAGES,
    SIZES,
    STEMS,
    MemoryOutput,
    box,
    export,
    odd_frames,
    record,
    roi,
)

YOLO_TOLERANCE = 1e-6  # of the image's width or height
VOC_TOLERANCE = 1.0  # pixels


def items_by_stem(batch) -> dict:
    return {item.file_name.rsplit(".", 1)[0]: item for item in batch.items}


def assert_same_rois(records, items, *, tolerance, normalized=False, types=None):
    """Every frame's ROIs came back: same labels, same type (or `types[type]`), points within
    `tolerance` (a fraction of the image when `tolerance` < 1, else pixels)."""
    for frame in records:
        item = items[STEMS[frame["id"]]]
        width, height = frame["source"]["width"], frame["source"]["height"]
        assert item.normalized is normalized
        if not normalized:
            assert (item.width, item.height) == (width, height)
        expected = [r for r in frame["rois"] if (types or {}).get(r["type"], r["type"])]
        assert len(item.rois) == len(expected), frame["id"]
        for want, got in zip(expected, item.rois, strict=True):
            assert got["labels"] == want["labels"]
            assert got["type"] == (types or {}).get(want["type"], want["type"])
            want_points = want["points"]
            if got["type"] == "box" and want["type"] != "box":
                xs, ys = [x for x, _ in want_points], [y for _, y in want_points]
                want_points = [[min(xs), min(ys)], [max(xs), max(ys)]]
            assert len(got["points"]) == len(want_points)
            for (x, y), (wx, wy) in zip(got["points"], want_points, strict=True):
                if normalized:
                    x, y = x * width, y * height
                if tolerance < 1:
                    assert abs(x - wx) / width <= tolerance, (frame["id"], x, wx)
                    assert abs(y - wy) / height <= tolerance, (frame["id"], y, wy)
                else:
                    assert abs(x - wx) <= tolerance, (frame["id"], x, wx)
                    assert abs(y - wy) <= tolerance, (frame["id"], y, wy)


# --- YOLO export ------------------------------------------------------------------------------


def test_yolo_detect_export_layout_and_report():
    output, report = export(YoloWriter, odd_frames(), images=True)

    assert sorted(output.files) == [
        "data.yaml",
        "images/cam1_0001-2.png",
        "images/cam1_0001.png",
        "images/cam2_0001.png",
        "images/empty.png",
        "labels/cam1_0001-2.txt",
        "labels/cam1_0001.txt",
        "labels/cam2_0001.txt",
        "labels/empty.txt",
    ]
    data = yaml.safe_load(output.text("data.yaml"))
    names = ["car", "day", "traffic light", "vehicle", "Straßenschild", "鳥 bird"]
    assert data == {
        "train": "images",
        "val": "images",
        "nc": 6,
        "names": dict(enumerate(sorted(names))),
    }
    assert output.text("labels/empty.txt") == ""
    car, vehicle, light = (sorted(names).index(n) for n in ("car", "vehicle", "traffic light"))
    assert output.text("labels/cam1_0001.txt").splitlines() == [
        f"{car} 0.125000 0.200000 0.250000 0.400000",
        f"{car} 0.177500 0.503125 0.252500 0.596250",  # one line per label of the ROI
        f"{vehicle} 0.177500 0.503125 0.252500 0.596250",
        f"{light} 0.875000 0.800000 0.250000 0.400000",
    ]
    assert report.as_dict() == {
        "frames": 4,
        "written": {"box": 6},
        "converted": {},
        "skipped": {"frame label: YOLO has no image-level labels": 1},
        "images": 4,
        "images_missing": [],
    }


def test_yolo_missing_images_are_reported_by_key():
    frames = odd_frames()
    frames[3]["source"]["uri"] = "https://images.example/empty.jpg"
    output, report = export(YoloWriter, frames, images=True)
    assert report.images == 3
    assert report.images_missing == ["empty"]
    assert "images/empty.jpg" not in output.files


def test_yolo_round_trip_with_images_in_pixels(tmp_path):
    frames = odd_frames()
    output, _ = export(YoloWriter, frames, images=True)
    items = items_by_stem(read_yolo(output.zip(tmp_path / "yolo.zip")))

    assert set(items) == set(STEMS.values())
    assert_same_rois(frames, items, tolerance=YOLO_TOLERANCE)
    assert items["cam1_0001"].rois[1]["labels"] == ["car", "vehicle"]  # one ROI again
    assert items["cam2_0001"].rois[1]["labels"] == ["鳥 bird"]
    assert items["empty"].rois == []
    assert items["cam2_0001"].image().read() == output.files["images/cam2_0001.png"]


def test_yolo_round_trip_without_images_is_normalised(tmp_path):
    frames = odd_frames()
    output, _ = export(YoloWriter, frames)
    assert not [name for name in output.files if name.startswith("images/")]
    items = items_by_stem(read_yolo(output.zip(tmp_path / "yolo.zip")))

    assert {item.file_name for item in items.values()} == set(STEMS.values())
    assert all(item.image is None and item.width is None for item in items.values())
    assert_same_rois(frames, items, tolerance=YOLO_TOLERANCE, normalized=True)


def polygon_frames() -> list[dict]:
    return [
        record(
            "cam1/0001",
            SIZES["cam1/0001"],
            [
                roi("polygon", ["road"], [[0, 100], [100, 0.5], [200, 100]]),
                box(["car", "vehicle"], 10.25, 20.5, 60.75, 80.125),
                roi("polygon", ["lane"], [[1, 2], [1, 1], [2, 1], [2, 2]]),
            ],
        ),
        record("empty", SIZES["empty"]),
    ]


def test_yolo_polygons_make_a_segment_export_with_boxes_as_corners(tmp_path):
    frames = polygon_frames()
    output, report = export(YoloWriter, frames)

    assert output.text("data.yaml").startswith("# Ultralytics YOLO segment dataset")
    lines = output.text("labels/cam1_0001.txt").splitlines()
    assert lines[0] == "2 0.000000 1.000000 0.500000 0.005000 1.000000 1.000000"
    assert lines[1] == "0 0.051250 0.205000 0.303750 0.205000 0.303750 0.801250 0.051250 0.801250"
    assert len(lines) == 4  # a line per label, every one a polygon
    assert report.written == {"polygon": 2}
    assert report.converted == {"box → 4-point polygon": 1}

    items = items_by_stem(read_yolo(output.zip(tmp_path / "yolo.zip")))
    # The box's corners come back as a box; a polygon that is a rectangle stays a polygon
    # unless its corners run as the export writes a box's.
    assert_same_rois(frames, items, tolerance=YOLO_TOLERANCE, normalized=True)


def test_yolo_detect_task_writes_a_polygon_as_its_box():
    output, report = export(YoloWriter, polygon_frames(), task="detect")
    assert output.text("labels/cam1_0001.txt").splitlines()[0] == (
        "2 0.500000 0.502500 1.000000 0.995000"
    )
    assert report.written == {"box": 1}
    assert report.converted == {"polygon → box": 2}


def pose_frames() -> list[dict]:
    return [
        record(
            "cam1/0001",
            SIZES["cam1/0001"],
            [
                roi("keypoints", ["person"], [[20, 10], [40, 30], [30, 90]]),
                roi("keypoints", ["face", "person"], [[100, 50], [110, 55]]),
                box(["car"], 0, 0, 50, 40),
                roi("polygon", ["road"], [[0, 100], [100, 0.5], [200, 100]]),
            ],
        ),
    ]


def test_yolo_key_points_make_a_pose_export(tmp_path):
    frames = pose_frames()
    output, report = export(YoloWriter, frames)

    data = yaml.safe_load(output.text("data.yaml"))
    assert data["kpt_shape"] == [3, 3]
    lines = output.text("labels/cam1_0001.txt").splitlines()
    assert lines[0] == (
        "2 0.150000 0.500000 0.100000 0.800000 "
        "0.100000 0.100000 2 0.200000 0.300000 2 0.150000 0.900000 2"
    )
    assert lines[1].endswith(" 0.500000 0.500000 2 0.550000 0.550000 2 0.000000 0.000000 0")
    assert lines[3] == "0 0.125000 0.200000 0.250000 0.400000" + " 0.000000 0.000000 0" * 3
    assert all(len(line.split()) == 5 + 3 * 3 for line in lines)
    assert report.written == {"keypoints": 2, "box": 1}
    assert report.converted == {"polygon → box": 1}

    items = items_by_stem(read_yolo(output.zip(tmp_path / "yolo.zip")))
    assert_same_rois(
        frames, items, tolerance=YOLO_TOLERANCE, normalized=True, types={"polygon": "box"}
    )
    assert "meta" not in items["cam1_0001"].rois[1]  # padding is not a missing point


def test_yolo_segment_task_skips_key_points():
    _, report = export(YoloWriter, pose_frames(), task="segment")
    assert report.skipped == {
        "keypoints: a segment dataset has no key points (a pose export has)": 2
    }
    assert report.converted == {"box → 4-point polygon": 1}


def test_yolo_writer_refuses_an_unknown_task():
    with pytest.raises(ValueError, match="task is one of"):
        YoloWriter(None, labels=[], include_images=False, task="classify")


# --- YOLO checked by supervision ----------------------------------------------------------------


def supervision_yolo(output, folder):
    import supervision as sv  # a dev dependency

    output.extract(folder)
    return sv.DetectionDataset.from_yolo(
        images_directory_path=str(folder / "images"),
        annotations_directory_path=str(folder / "labels"),
        data_yaml_path=str(folder / "data.yaml"),
    )


def expected_boxes(frame: dict) -> list[tuple[str, list[float]]]:
    """(label, [x0, y0, x1, y1]) per object, in file order: a ROI is one object per label."""
    boxes = []
    for shape in frame["rois"]:
        xs, ys = [x for x, _ in shape["points"]], [y for _, y in shape["points"]]
        for label in shape["labels"]:
            boxes.append((label, [min(xs), min(ys), max(xs), max(ys)]))
    return boxes


def assert_supervision_boxes(dataset, frames, folder: str):
    assert len(dataset) == len(frames)
    for frame in frames:
        path = next(p for p in dataset.image_paths if f"/{folder}/{STEMS[frame['id']]}." in p)
        detections = dataset.annotations[path]
        found = [
            (dataset.classes[int(number)], [float(v) for v in xyxy])
            for xyxy, number in zip(detections.xyxy, detections.class_id, strict=True)
        ]
        want = expected_boxes(frame)
        assert sorted(label for label, _ in found) == sorted(label for label, _ in want)
        for label, corners in want:
            assert any(
                got_label == label
                and all(abs(a - b) <= VOC_TOLERANCE for a, b in zip(got, corners, strict=True))
                for got_label, got in found
            ), (frame["id"], label, corners, found)


def test_supervision_reads_the_yolo_detect_export(tmp_path):
    frames = odd_frames()
    output, _ = export(YoloWriter, frames, images=True)
    dataset = supervision_yolo(output, tmp_path)
    assert dataset.classes == list(yaml.safe_load(output.text("data.yaml"))["names"].values())
    assert_supervision_boxes(dataset, frames, "images")


def test_supervision_reads_the_yolo_segment_and_pose_exports(tmp_path):
    for name, frames in (("segment", polygon_frames()), ("pose", pose_frames())):
        output, _ = export(YoloWriter, frames, images=True)
        dataset = supervision_yolo(output, tmp_path / name)
        assert_supervision_boxes(dataset, frames, "images")


# --- VOC export ---------------------------------------------------------------------------------


def test_voc_export_layout_objects_and_report():
    frames = odd_frames()
    frames[0]["rois"].append(roi("polygon", ["road"], [[0, 100], [100, 0.5], [200, 100]]))
    frames[0]["rois"].append(roi("keypoints", ["person"], [[20, 10]]))
    frames[0]["rois"][2]["meta"] = {"difficult": True}
    frames[1]["rois"][0]["labels"] = ["a < b & c > d", "Straßenschild"]
    output, report = export(VocWriter, frames, images=True)

    assert sorted(output.files) == [
        "Annotations/cam1_0001-2.xml",
        "Annotations/cam1_0001.xml",
        "Annotations/cam2_0001.xml",
        "Annotations/empty.xml",
        "ImageSets/Main/train.txt",
        "JPEGImages/cam1_0001-2.png",
        "JPEGImages/cam1_0001.png",
        "JPEGImages/cam2_0001.png",
        "JPEGImages/empty.png",
    ]
    assert output.text("ImageSets/Main/train.txt") == "cam1_0001\ncam2_0001\ncam1_0001-2\nempty\n"
    root = ET.fromstring(output.files["Annotations/cam1_0001.xml"])
    assert root.findtext("folder") == "JPEGImages"
    assert root.findtext("filename") == "cam1_0001.png"
    assert [root.findtext(f"size/{tag}") for tag in ("width", "height", "depth")] == [
        "200",
        "100",
        "3",
    ]
    objects = [
        (
            o.findtext("name"),
            o.findtext("pose"),
            o.findtext("truncated"),
            o.findtext("difficult"),
            [int(o.findtext(f"bndbox/{t}")) for t in ("xmin", "ymin", "xmax", "ymax")],
        )
        for o in root.findall("object")
    ]
    assert objects == [
        ("car", "Unspecified", "1", "0", [1, 1, 50, 40]),  # on the top left edges
        ("car", "Unspecified", "0", "0", [11, 22, 61, 80]),  # 10.25, 20.5, 60.75, 80.125
        ("vehicle", "Unspecified", "0", "0", [11, 22, 61, 80]),
        ("traffic light", "Unspecified", "1", "1", [151, 61, 200, 100]),
        ("road", "Unspecified", "1", "0", [1, 2, 200, 100]),  # the polygon's box
    ]
    root = ET.fromstring(output.files["Annotations/cam2_0001.xml"])
    assert [o.findtext("name") for o in root.findall("object")] == [
        "a < b & c > d",
        "Straßenschild",
        "鳥 bird",
    ]
    assert b"a &lt; b &amp; c &gt; d" in output.files["Annotations/cam2_0001.xml"]
    assert ET.fromstring(output.files["Annotations/empty.xml"]).findall("object") == []
    assert report.as_dict() == {
        "frames": 4,
        "written": {"box": 6},
        "converted": {"polygon → box": 1},
        "skipped": {
            "frame label: VOC has no image-level labels": 1,
            "keypoints: VOC holds boxes only": 1,
        },
        "images": 4,
        "images_missing": [],
    }


def test_voc_export_replaces_characters_xml_cannot_hold():
    frames = [record("a", (10, 10), [box(["bell\x07"], 1, 1, 5, 5)])]
    output, report = export(VocWriter, frames)
    root = ET.fromstring(output.files["Annotations/a.xml"])
    assert root.findtext("object/name") == "bell\ufffd"
    assert report.converted == {"label: characters XML cannot hold → U+FFFD": 1}


def test_voc_tiny_and_edge_boxes_stay_at_least_a_pixel_inside_the_image():
    frames = [
        record("a", (10, 10), [box(["dot"], 4.2, 4.2, 4.3, 4.3), box(["end"], 10, 10, 10, 10)])
    ]
    output, _ = export(VocWriter, frames)
    root = ET.fromstring(output.files["Annotations/a.xml"])
    boxes = [
        [int(o.findtext(f"bndbox/{t}")) for t in ("xmin", "ymin", "xmax", "ymax")]
        for o in root.findall("object")
    ]
    assert boxes == [[5, 5, 5, 5], [10, 10, 10, 10]]


@pytest.mark.parametrize("images", [True, False])
def test_voc_round_trip_within_a_pixel(tmp_path, images):
    frames = odd_frames()
    frames[0]["rois"][2]["meta"] = {"difficult": True}
    output, _ = export(VocWriter, frames, images=images)
    batch = read_voc(output.zip(tmp_path / "voc.zip"))
    items = items_by_stem(batch)

    assert set(items) == set(STEMS.values())
    assert_same_rois(frames, items, tolerance=VOC_TOLERANCE)
    assert items["cam1_0001"].rois[1]["labels"] == ["car", "vehicle"]
    assert items["cam1_0001"].rois[2]["meta"] == {"difficult": True}
    assert items["empty"].rois == []
    assert (items["empty"].image is not None) is images
    assert batch.skipped == []


def test_supervision_reads_the_voc_export(tmp_path):
    import supervision as sv  # a dev dependency

    frames = odd_frames()
    output, _ = export(VocWriter, frames, images=True)
    output.extract(tmp_path)
    dataset = sv.DetectionDataset.from_pascal_voc(
        images_directory_path=str(tmp_path / "JPEGImages"),
        annotations_directory_path=str(tmp_path / "Annotations"),
    )
    assert_supervision_boxes(dataset, frames, "JPEGImages")


# --- Other tools' archives ------------------------------------------------------------------------


def zip_of(tmp_path, files: dict[str, bytes | str]):
    path = tmp_path / "in.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_read_yolo_darknet_layout_and_ultralytics_extras(tmp_path):
    path = zip_of(
        tmp_path,
        {
            "obj.names": "cat\ndog\n",
            "train.txt": "obj_train_data/a.jpg\n",
            "obj_train_data/a.jpg": image_bytes("JPEG", size=(100, 50)),
            "obj_train_data/a.txt": "1 0.5 0.5 0.2 0.4 0.87\n\n0 0.9500004 0.5 0.1 0.1\n",
        },
    )
    [item] = read_yolo(path).items
    assert (item.file_name, item.width, item.height, item.normalized) == ("a.jpg", 100, 50, False)
    dog, cat = item.rois
    assert dog == {
        "type": "box",
        "labels": ["dog"],
        "points": [[40.0, 15.0], [60.0, 35.0]],
        "confidence": 0.87,
    }
    assert cat["points"][1] == [100.0, pytest.approx(27.5)]  # past the edge by rounding: the edge


def test_read_yolo_pose_keeps_labelled_points_and_a_box_of_its_own(tmp_path):
    path = zip_of(
        tmp_path,
        {
            "data.yaml": "names: [person]\nkpt_shape: [3, 3]\n",
            "labels/a.txt": "0 0.5 0.5 1 1 0.1 0.2 2 0 0 0 0.3 0.4 1\n",
        },
    )
    [item] = read_yolo(path).items
    person_box, points = item.rois
    assert person_box == {"type": "box", "labels": ["person"], "points": [[0.0, 0.0], [1.0, 1.0]]}
    assert points == {
        "type": "keypoints",
        "labels": ["person"],
        "points": [[0.1, 0.2], [0.3, 0.4]],
        "meta": {"keypoints": ["1", "3"]},
    }


@pytest.mark.parametrize(
    ("files", "where", "message"),
    [
        ({"labels/a.txt": "0 0.5 0.5 0.1 0.1\n"}, "in.zip", "No data.yaml with `names`"),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": "0 .5 .5 .1 .1\n1 .5 .5 .1 .1\n"},
            "labels/a.txt, line 2",
            "Class '1' is not a class number from 0 to 0",
        ),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": "0 0.5 0.5 0.1\n"},
            "labels/a.txt, line 1",
            "this one has 4 values",
        ),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": "0 0.1 0.1 0.2 0.2 1.3\n"},
            "labels/a.txt, line 1",
            "A confidence is a fraction",
        ),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": "0 0.5 0.5 0.1 x\n"},
            "labels/a.txt, line 1",
            "'x' is not a number",
        ),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": "\n0 0.5 0.5 1.5 0.1\n"},
            "labels/a.txt, line 2",
            "fraction of the image, 0 to 1",
        ),
        (
            {
                "data.yaml": "names: [a]\nkpt_shape: [2, 3]\n",
                "labels/a.txt": "0 .5 .5 .1 .1 .5 .5 2\n",
            },
            "labels/a.txt, line 1",
            "A pose line (kpt_shape [2, 3]) has 11 values",
        ),
        ({"data.yaml": "names: {0: a, 2: b}\n"}, "data.yaml", "without gaps"),
        (
            {"data.yaml": "names: [a\n"},
            "data.yaml, line 2",
            "This is not YAML: expected ',' or ']'",
        ),
        (
            {"data.yaml": "names: [a]\n", "labels/a.txt": b"0 0.5 0.5 0.1 0.1\n\xff\n"},
            "labels/a.txt, line 2",
            "not UTF-8",
        ),
    ],
)
def test_read_yolo_errors_name_the_file_and_line(tmp_path, files, where, message):
    with pytest.raises(FormatError) as raised:
        list(read_yolo(zip_of(tmp_path, files)).items)
    assert raised.value.messages[0].startswith(f"{where}: ")
    assert message in raised.value.messages[0]
    [error] = raised.value.errors
    assert error["file"] == where.split(",")[0]
    assert message in error["message"]


def test_readers_refuse_what_is_not_a_zip(tmp_path):
    path = tmp_path / "labels.zip"
    path.write_bytes(b"not a zip")
    for read in (read_yolo, read_voc):
        with pytest.raises(FormatError, match=r"labels\.zip: This is not a zip file"):
            read(path)


VOC_OBJECT = "<object><name>{name}</name><bndbox>{box}</bndbox></object>"
VOC_BOX = "<xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax>"


@pytest.mark.parametrize(
    ("xml", "where", "message"),
    [
        (
            "<annotation><object><name>a</name></annotation>",
            "Annotations/a.xml, line 1",
            "not well-formed XML",
        ),
        (
            "<annotation>\n"
            + VOC_OBJECT.format(name="a", box=VOC_BOX)
            + "\n"
            + VOC_OBJECT.format(name="", box=VOC_BOX)
            + "</annotation>",
            "Annotations/a.xml, object 2",
            "An object needs a <name>",
        ),
        (
            "<annotation>"
            + VOC_OBJECT.format(name="a", box=VOC_BOX.replace(">5</xmax", ">five</xmax"))
            + "</annotation>",
            "Annotations/a.xml, object 1",
            "<xmax> 'five' is not a number",
        ),
        (
            "<annotation><object><name>a</name></object></annotation>",
            "Annotations/a.xml, object 1",
            "needs a <bndbox>",
        ),
        (
            '<!DOCTYPE a [<!ENTITY x "y">]><annotation/>',
            "Annotations/a.xml",
            "DTD or entities are not accepted",
        ),
        ("<doc/>", "Annotations/a.xml", "The root element is <doc>"),
    ],
)
def test_read_voc_errors_name_the_file_and_object(tmp_path, xml, where, message):
    with pytest.raises(FormatError) as raised:
        list(read_voc(zip_of(tmp_path, {"Annotations/a.xml": xml})).items)
    assert raised.value.messages[0].startswith(f"{where}: ")
    assert message in raised.value.messages[0]


def test_read_voc_other_tools_files(tmp_path):
    """0-based writers' boxes, float corners, a supervision/CVAT polygon, an image no XML names,
    segmentation masks (skipped, never taken for frames)."""
    xml = (
        "<annotation><filename>a.jpg</filename><size><width>100</width><height>50</height></size>"
        + VOC_OBJECT.format(
            name=" cat ", box="<xmin>0</xmin><ymin>0.5</ymin><xmax>101</xmax><ymax>50</ymax>"
        )
        + "<object><name>road</name><bndbox>"
        + VOC_BOX
        + "</bndbox><polygon><x1>1</x1><y1>1</y1>"
        "<x2>11</x2><y2>1</y2><x3>6</x3><y3>9.5</y3></polygon></object>"
        "</annotation>"
    )
    batch = read_voc(
        zip_of(
            tmp_path,
            {
                "VOC/Annotations/a.xml": xml,
                "VOC/JPEGImages/a.jpg": image_bytes("JPEG", size=(100, 50)),
                "VOC/JPEGImages/b.jpg": image_bytes("JPEG", size=(20, 10)),
                "VOC/SegmentationObject/a.png": image_bytes(size=(100, 50)),
            },
        )
    )
    a, b = batch.items
    assert (a.file_name, a.width, a.height) == ("a.jpg", 100, 50)
    assert a.rois == [
        {"type": "box", "labels": ["cat"], "points": [[0.0, 0.0], [100, 50.0]]},
        {"type": "polygon", "labels": ["road"], "points": [[0.0, 0.0], [10.0, 0.0], [5.0, 8.5]]},
    ]
    assert (b.file_name, b.width, b.rois) == ("b.jpg", 20, [])
    assert batch.skipped == [
        {
            "file": "VOC/SegmentationObject/a.png",
            "index": None,
            "reason": "VOC segmentation masks are not imported; the boxes of Annotations/ are "
            "(1 files)",
        }
    ]


def test_read_yolo_image_size_follows_exif_rotation(tmp_path):
    exif = io.BytesIO()
    image = Image.new("RGB", (40, 20))
    info = image.getexif()
    info[0x0112] = 6  # rotated a quarter: shown 20 wide, 40 high
    image.save(exif, "JPEG", exif=info.tobytes())
    path = zip_of(
        tmp_path,
        {
            "data.yaml": "names: [a]\n",
            "images/a.jpg": exif.getvalue(),
            "labels/a.txt": "0 .5 .5 1 1\n",
        },
    )
    [item] = read_yolo(path).items
    assert (item.width, item.height) == (20, 40)
    assert item.rois[0]["points"] == [[0.0, 0.0], [20.0, 40.0]]


@pytest.mark.parametrize(
    ("writer_class", "read", "tolerance"),
    [(YoloWriter, read_yolo, YOLO_TOLERANCE), (VocWriter, read_voc, VOC_TOLERANCE)],
)
def test_the_writers_over_the_export_zip(tmp_path, media_root, writer_class, read, tolerance):
    """The real archive of exports (images copied from the media storage) reads back."""
    from frames.exports import local_output

    frames = odd_frames()
    for frame in frames:
        image = media_root / frame["source"]["uri"].removeprefix("media:")
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(IMAGES[frame["source"]["uri"]])
    path = tmp_path / "export.zip"
    output = local_output(str(path), zipped=True)
    labels = sorted({label for frame in frames for r in frame["rois"] for label in r["labels"]})
    writer = writer_class(output, labels=labels, include_images=True)
    for frame in frames:
        writer.write(frame)
    report = writer.close()
    output.close()

    assert report.images == 4
    items = items_by_stem(read(path))
    assert_same_rois(frames, items, tolerance=tolerance)
    assert items["cam2_0001"].image().read() == IMAGES[frames[1]["source"]["uri"]]


# --- work at close: progress and cancel ------------------------------------------------------------


class Cancelled(Exception):
    pass


def test_yolo_reports_progress_while_it_writes_label_files_at_close(monkeypatch):
    """YOLO writes every label file at its close (its task is known only then): a million-frame
    export spends seconds there, so it says where it is, and a cancel raised there stops it."""
    monkeypatch.setattr("frames.formats.yolo.CLOSE_PROGRESS_EVERY", 2)
    records = [record(f"f{n}", (100, 100), [box(["car"], 1, 1, 5, 5)]) for n in range(5)]
    messages = []
    writer = YoloWriter(MemoryOutput(), labels=["car"], include_images=False)
    for item in records:
        writer.write(item)
    writer.close(messages.append)
    assert messages == [f"Writing label files ({n} of 5)" for n in (0, 2, 4)]

    output = MemoryOutput()
    writer = YoloWriter(output, labels=["car"], include_images=False)
    for item in records:
        writer.write(item)

    def cancel(message):
        if "2 of 5" in message:
            raise Cancelled

    with pytest.raises(Cancelled):
        writer.close(cancel)
    assert sorted(output.files) == ["labels/f0.txt", "labels/f1.txt"]


def test_coco_reports_progress_while_it_copies_its_annotations_at_close(monkeypatch):
    monkeypatch.setattr("frames.formats.coco.COPY_BUFFER", 64)
    monkeypatch.setattr("frames.formats.coco.PROGRESS_BYTES", 128)
    records = [record(f"f{n}", (100, 100), [box(["car"], 1, 1, 5, 5)]) for n in range(5)]
    output = MemoryOutput()
    writer = CocoWriter(output, labels=["car"], include_images=False)
    for item in records:
        writer.write(item)
    messages = []
    writer.close(messages.append)
    assert len(messages) >= 2
    assert all(m.startswith("Writing annotations (") for m in messages)
    assert len(json.loads(output.files[INSTANCES])["annotations"]) == 5


def test_voc_files_are_laid_out_as_elementtree_indents_them_and_leave_no_garbage():
    """An export pauses garbage collection: a VOC writer that made a reference cycle per file
    (ET.indent does) grew to ~900 MB over a million frames."""
    records = odd_frames()
    output, _ = export(VocWriter, records)
    for name, data in output.files.items():
        if name.endswith(".xml"):
            root = ET.fromstring(data)
            for element in root.iter():  # strip the layout, then lay it out the standard way
                element.tail = None if element is root else element.tail
                if len(element):
                    element.text = None
                for child in element:
                    child.tail = None
            ET.indent(root)
            assert data.decode().split("\n", 1)[1] == ET.tostring(root, encoding="unicode")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        export(VocWriter, records * 20)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
