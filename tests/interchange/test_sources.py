"""FrameGroups and issue 15's shapes through the real export and import jobs: one image per
source with unique file names and its own ROIs, the Hyperlabel round trip of sources, rotations
and masks, and COCO RLE in and out."""

import io
import json
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from pycocotools import mask as coco_mask

from frames.formats.names import UniqueNames
from frames.masks import encode
from frames.selectors import frame_as_dict, frame_get
from tests.api.conftest import token_client
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data
from tests.frames.media_files import image_bytes

from .test_exports import download, export
from .test_imports import import_file

pytestmark = pytest.mark.django_db

KEY = "car/0001"


@pytest.fixture
def api(manager):
    return token_client(manager)


def rear_mask() -> dict:
    pixels = np.zeros((24, 32), dtype=np.uint8)
    pixels[4:10, 8:20] = 1
    return encode(pixels)


def group_frame() -> dict:
    """A frame of two cameras of different sizes, a shape on each, and a frame label."""
    return {
        "id": KEY,
        "context_id": "drive",
        "timestamp": 0,
        "sources": [
            {
                "id": "front",
                "uri": "media:frames/9/front.png",
                "width": 64,
                "height": 48,
                "meta": {"camera": "front"},
            },
            {"id": "rear", "uri": "media:frames/9/rear.png", "width": 32, "height": 24, "meta": {}},
        ],
        "meta": {"weather": "rain"},
        "rois": [
            box("car", x=1, y=2, w=10, h=10),  # no source: the first
            box("bus", x=0, y=0, w=16, h=12) | {"source": "rear", "rotation": 30.0},
            {"type": "mask", "labels": ["road"], "source": "rear", "mask": rear_mask()},
            {
                "type": "ellipse",
                "labels": ["ball"],
                "points": [[10, 10], [30, 20]],
                "source": "front",
            },
        ],
        "frame_labels": [{"labels": ["day"]}],
    }


@pytest.fixture
def version(db):
    # "drive" then "other": the group frame comes first in sequential order.
    plain = frame_data("plain", context_id="other", width=64, height=48)
    return VersionFactory(frames=[group_frame(), plain])


# --- one image per source ---------------------------------------------------------------------


def test_coco_has_an_image_per_source_with_unique_names_and_its_own_annotations(api, jobs, version):
    coco = json.loads(download(api, export(api, jobs, version, format="coco")))
    images = [
        (i["file_name"], i["key"], i["source"], i["width"], i["height"]) for i in coco["images"]
    ]
    assert images == [
        ("car_0001__front.png", KEY, "front", 64, 48),
        ("car_0001__rear.png", KEY, "rear", 32, 24),
        ("plain.jpg", "plain", "default", 64, 48),
    ]
    ids = {image["source"]: image["id"] for image in coco["images"]}
    names = {category["id"]: category["name"] for category in coco["categories"]}
    on = {(names[a["category_id"]], a["image_id"]) for a in coco["annotations"]}
    assert on == {
        ("car", ids["front"]),
        ("ball", ids["front"]),
        ("bus", ids["rear"]),
        ("road", ids["rear"]),
    }
    # Frame labels belong to the frame: on its first source's image only.
    assert [len(image["frame_labels"]) for image in coco["images"]] == [1, 0, 0]
    [road] = [a for a in coco["annotations"] if names[a["category_id"]] == "road"]
    assert road["segmentation"] == rear_mask()
    assert (road["bbox"], road["area"]) == ([8, 4, 12, 6], 72)


def test_yolo_and_voc_have_a_label_file_per_source_in_its_own_pixels(api, jobs, version):
    archive = zipfile.ZipFile(io.BytesIO(download(api, export(api, jobs, version, format="voc"))))
    assert sorted(n for n in archive.namelist() if n.startswith("Annotations/")) == [
        "Annotations/car_0001__front.xml",
        "Annotations/car_0001__rear.xml",
        "Annotations/plain.xml",
    ]
    rear = ET.fromstring(archive.read("Annotations/car_0001__rear.xml"))
    assert (rear.findtext("filename"), rear.findtext("size/width")) == ("car_0001__rear.png", "32")
    assert sorted(obj.findtext("name") for obj in rear.iter("object")) == ["bus", "road"]
    archive = zipfile.ZipFile(io.BytesIO(download(api, export(api, jobs, version, format="yolo"))))
    rear_lines = archive.read("labels/car_0001__rear.txt").decode().splitlines()
    assert len(rear_lines) == 2  # the rotated box's corners, the mask's one region
    mask_line = [float(v) for v in rear_lines[1].split()]
    corners = {
        (round(x * 32), round(y * 24))
        for x, y in zip(mask_line[1::2], mask_line[2::2], strict=True)
    }
    assert corners == {(8, 4), (8, 9), (19, 9), (19, 4)}
    assert len(archive.read("labels/car_0001__front.txt").decode().splitlines()) == 2


def test_with_images_each_source_is_its_own_file(api, jobs, version):
    front, rear = image_bytes(size=(64, 48)), image_bytes(size=(32, 24))
    default_storage.save("frames/9/front.png", io.BytesIO(front))
    default_storage.save("frames/9/rear.png", io.BytesIO(rear))
    job = export(api, jobs, version, format="coco", include_images=True)
    archive = zipfile.ZipFile(io.BytesIO(download(api, job)))
    assert archive.read("images/car_0001__front.png") == front
    assert archive.read("images/car_0001__rear.png") == rear
    assert job.result["report"]["images_missing"] == ["plain"]  # an https image is not fetched


def test_names_of_sources_never_clash_with_another_frames_name():
    names = UniqueNames()
    assert names.source_stems("a__b", ["default"]) == ["a__b"]
    assert names.source_stems("a", ["b", "c"]) == ["a__b-2", "a__c"]
    assert names.source_stems("x", ["cam 1", "cam_1"]) == ["x__cam_1", "x__cam_1-2"]


# --- round trips ------------------------------------------------------------------------------


def test_hyperlabel_lines_give_back_sources_rotations_masks_and_each_shapes_source(
    api, jobs, version
):
    job = export(api, jobs, version, format="hyperlabel")
    [line, _] = [json.loads(text) for text in download(api, job).splitlines()]
    assert "source" not in line  # sources only: an import takes one or the other
    assert [source["id"] for source in line["sources"]] == ["front", "rear"]
    assert [(r["source"], r.get("rotation")) for r in line["rois"]] == [
        ("front", 0.0),
        ("rear", 30.0),
        ("rear", None),
        ("front", 0.0),
    ]
    assert line["rois"][2]["mask"] == rear_mask()
    target = VersionFactory(frames=[])
    file = SimpleUploadedFile("frames.jsonl", download(api, job))
    imported = import_file(api, jobs, target, file, format="hyperlabel")
    assert imported.status == "succeeded", imported.errors
    assert frame_of(target, KEY) == frame_of(version, KEY)


def frame_of(version, key) -> dict:
    data = frame_as_dict(frame_get(version=version, key=key))
    return {k: v for k, v in data.items() if k not in ("revision", "updated_by", "updated_at")}


def test_coco_rle_imports_as_a_mask_and_exports_as_the_same_rle(api, jobs):
    version = VersionFactory(frames=[frame_data("f1", width=64, height=48)])
    pixels = np.zeros((48, 64), dtype=np.uint8)
    pixels[10:20, 5:40] = 1
    pixels[30:33, 50:60] = 1
    rle = coco_mask.encode(np.asfortranarray(pixels))
    counts = rle["counts"].decode()
    data = {
        "images": [{"id": 1, "file_name": "f1.jpg", "width": 64, "height": 48}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 1,
                "segmentation": {"size": [48, 64], "counts": counts},
                "bbox": [0, 0, 1, 1],  # wrong on purpose: the mask's own bounds stand
                "area": 1,
            }
        ],
        "categories": [{"id": 1, "name": "road"}],
    }
    file = SimpleUploadedFile("instances.json", json.dumps(data).encode())
    job = import_file(api, jobs, version, file)
    assert job.status == "succeeded", job.errors
    [roi] = frame_of(version, "f1")["rois"]
    assert (roi["type"], roi["labels"], roi["points"]) == ("mask", ["road"], [[5, 10], [60, 33]])
    assert roi["mask"] == {"size": [48, 64], "counts": counts}
    assert roi["meta"] == {"is_crowd": True}
    coco = json.loads(download(api, export(api, jobs, version, format="coco")))
    [annotation] = coco["annotations"]
    assert annotation["segmentation"] == data["annotations"][0]["segmentation"]
    assert (annotation["iscrowd"], annotation["area"]) == (1, int(pixels.sum()))
    assert annotation["bbox"] == [5, 10, 55, 23]


def test_an_uncompressed_rle_is_stored_compressed(api, jobs):
    version = VersionFactory(frames=[frame_data("f1", width=4, height=3)])
    # Column by column: 3 zeros, then 2 ones, then 7 zeros.
    segmentation = {"size": [3, 4], "counts": [3, 2, 7]}
    data = {
        "images": [{"id": 1, "file_name": "f1.jpg", "width": 4, "height": 3}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": segmentation}],
        "categories": [{"id": 1, "name": "road"}],
    }
    job = import_file(api, jobs, version, SimpleUploadedFile("i.json", json.dumps(data).encode()))
    assert job.status == "succeeded", job.errors
    [roi] = frame_of(version, "f1")["rois"]
    expected = coco_mask.frPyObjects(segmentation, 3, 4)["counts"].decode()
    assert roi["mask"] == {"size": [3, 4], "counts": expected}
    assert roi["points"] == [[1, 0], [2, 2]]  # column 1, rows 0 and 1
    assert "is_crowd" not in roi["meta"]


def test_an_rle_of_another_size_than_the_frame_fails_the_import_naming_it(api, jobs):
    version = VersionFactory(frames=[frame_data("f1", width=64, height=48)])
    data = {
        "images": [{"id": 1, "file_name": "f1.jpg", "width": 64, "height": 48}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": {"size": [3, 4], "counts": [3, 2, 7]},
            }
        ],
        "categories": [{"id": 1, "name": "road"}],
    }
    job = import_file(api, jobs, version, SimpleUploadedFile("i.json", json.dumps(data).encode()))
    assert job.status == "failed"
    [error] = job.errors
    assert (error["file"], error["index"], error["field"]) == ("f1.jpg", 0, "mask.size")
    assert frame_of(version, "f1")["rois"] == []


def test_ellipses_and_rotated_boxes_come_back_from_coco_and_polygons_stay_polygons(api, jobs):
    rois = [
        {"type": "ellipse", "labels": ["ball"], "points": [[10, 10], [30, 20]], "rotation": 45.0},
        box("sign", x=20, y=20, w=10, h=4) | {"rotation": -30.0},
        {"type": "polygon", "labels": ["zone"], "points": [[1, 1], [9, 1], [5, 8]]},
    ]
    source = VersionFactory(frames=[frame_data("f1", width=64, height=48, rois=rois)])
    coco = download(api, export(api, jobs, source, format="coco"))
    target = VersionFactory(frames=[frame_data("f1", width=64, height=48)])
    job = import_file(api, jobs, target, SimpleUploadedFile("i.json", coco))
    assert job.status == "succeeded", job.errors
    back = [
        (r["type"], r["points"], r.get("rotation"), r["meta"])
        for r in frame_of(target, "f1")["rois"]
    ]
    assert back == [
        ("ellipse", [[10, 10], [30, 20]], 45.0, {}),
        ("box", [[20, 20], [30, 24]], -30.0, {}),
        ("polygon", [[1, 1], [9, 1], [5, 8]], None, {}),
    ]


@pytest.mark.parametrize(
    ("format", "key"),
    # VOC has only file names: `<frame>__<source>` finds the frame when its key is the name's
    # first part (a key with "/" is written "_": not found, as for a one-source frame).
    [("coco", KEY), ("voc", "rig-1")],
)
def test_a_frame_groups_export_imports_back_onto_each_source(api, jobs, format, key):
    """Each source's image of the export (named `<frame>__<source>`, or with COCO's `key` and
    `source`) adds its shapes to that source of the frame, in that source's pixels."""
    plain = frame_data("plain", context_id="other", width=64, height=48)
    version = VersionFactory(frames=[group_frame() | {"id": key}, plain])
    exported = download(api, export(api, jobs, version, format=format))
    bare = group_frame() | {"id": key, "rois": [], "frame_labels": []}
    target = VersionFactory(frames=[bare, plain])
    name = "instances.json" if format == "coco" else "voc.zip"
    job = import_file(api, jobs, target, SimpleUploadedFile(name, exported), format=format)
    assert job.status == "succeeded", job.errors
    rois = frame_of(target, key)["rois"]
    on_sources = sorted((roi["labels"][0], roi["source"]) for roi in rois)
    assert on_sources == [("ball", "front"), ("bus", "rear"), ("car", "front"), ("road", "rear")]
    [bus] = [roi for roi in rois if roi["labels"] == ["bus"]]
    assert all(x <= 32 and y <= 24 for x, y in bus["points"])  # the rear camera's pixels


def test_an_image_of_a_source_the_frame_lacks_is_skipped_saying_so(api, jobs, version):
    data = {
        "images": [
            {
                "id": 1,
                "file_name": "x.png",
                "width": 64,
                "height": 48,
                "key": KEY,
                "source": "side",
            },
            {
                "id": 2,
                "file_name": "y.png",
                "width": 32,
                "height": 24,
                "key": KEY,
                "source": "rear",
            },
        ],
        "annotations": [
            {"id": n, "image_id": n, "category_id": 1, "bbox": [1, 1, 5, 5]} for n in (1, 2)
        ],
        "categories": [{"id": 1, "name": "cone"}],
    }
    file = SimpleUploadedFile("instances.json", json.dumps(data).encode())
    job = import_file(api, jobs, version, file)
    assert job.status == "succeeded", job.errors
    [skip] = job.result["skipped"]
    assert (skip["file"], skip["reason"]) == ("x.png", f"Frame “{KEY}” has no source “side”.")
    cones = [roi for roi in frame_of(version, KEY)["rois"] if roi["labels"] == ["cone"]]
    assert [roi["source"] for roi in cones] == ["rear"]
