"""Imports of COCO (and the format dispatch for YOLO and VOC): annotations matched to a version's
frames by key or file name and added to them, frames made from an archive's images, all or none,
with a report of what was skipped and why."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from datasets.models import Job
from frames.annotation_imports import annotations_import
from frames.formats.coco_reader import read_coco
from frames.models import Frame, Roi, RoiLabel, VersionFrame
from frames.selectors import frame_as_dict, frame_get, version_labels
from frames.services import BulkImportError, frames_annotations_add
from tests.api.conftest import token_client
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data
from tests.frames.media_files import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


# --- COCO files made on the spot ------------------------------------------------------------------


def coco(images, annotations=(), categories=("car",)) -> dict:
    return {
        "images": list(images),
        "annotations": [
            a | {"id": n + 1} if "id" not in a else a for n, a in enumerate(annotations)
        ],
        "categories": [{"id": n + 1, "name": name} for n, name in enumerate(categories)],
    }


def image(image_id, file_name, width=640, height=480, **extra) -> dict:
    return {"id": image_id, "file_name": file_name, "width": width, "height": height, **extra}


def bbox(image_id, x, y, w, h, category=1, **extra) -> dict:
    return {"image_id": image_id, "category_id": category, "bbox": [x, y, w, h], **extra}


def polygon(image_id, points, category=1, **extra) -> dict:
    flat = [v for point in points for v in point]
    return {"image_id": image_id, "category_id": category, "segmentation": [flat], **extra}


def json_file(data, name="instances_default.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")


def zip_file(data, images: dict[str, bytes], name="dataset.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("annotations/instances_default.json", json.dumps(data))
        for path, content in images.items():
            archive.writestr(path, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def import_file(client, jobs, version, file, format="coco"):
    with jobs.queued():
        response = client.post(
            f"/api/versions/{version.pk}/imports/",
            {"file": file, "format": format},
            format="multipart",
        )
    if response.status_code != 202:
        return response
    jobs.run()
    return Job.objects.get(pk=response.json()["job"]["id"])


def rois_of(version, key) -> list[dict]:
    return frame_as_dict(frame_get(version=version, key=key))["rois"]


def shapes(version, key) -> list[tuple]:
    return [(r["type"], r["labels"], r["points"]) for r in rois_of(version, key)]


def index_rows(version, key) -> list[tuple]:
    frame = frame_get(version=version, key=key)
    return sorted(RoiLabel.objects.filter(frame=frame).values_list("label", "confidence"))


# --- new frames from an archive ---------------------------------------------------------------------


def test_a_coco_export_with_images_becomes_the_same_frames_boxes_polygons_and_labels(
    manager_api, jobs
):
    """The shape of Hyperlabel's own COCO export (key and context in extra image fields, a
    two-label ROI as two annotations sharing a ROI id) into a new, empty Draft."""
    data = coco(
        [
            image(1, "cam_1_0001.png", 64, 48, key="cam/1/0001", context_id="cam 1", timestamp=7),
            image(2, "empty.png", 64, 48, key="empty", context_id="cam 1", timestamp=8),
        ],
        [
            bbox(1, 0, 0, 64, 48, category=1, score=0.5, attributes={"roi_id": "r1", "ok": 1}),
            bbox(1, 0, 0, 64, 48, category=2, score=0.5, attributes={"roi_id": "r1", "ok": 1}),
            polygon(1, [[1.5, 2], [30, 2], [30, 40.25]], category=3, attributes={"roi_id": "r2"}),
        ],
        categories=["big truck", "Straßenbahn", "voiture électrique"],
    )
    images = {
        "images/cam_1_0001.png": image_bytes(size=(64, 48)),
        "images/empty.png": image_bytes(size=(64, 48)),
    }
    version = VersionFactory(frames=[])
    job = import_file(manager_api, jobs, version, zip_file(data, images))
    assert job.status == "succeeded", job.errors
    assert job.result == {
        "frames_created": 2,
        "frames_matched": 0,
        "rois_created": 2,
        "frame_labels_created": 0,
        "skipped": [],
        "skipped_count": 0,
    }
    frame = frame_as_dict(frame_get(version=version, key="cam/1/0001"))
    assert (frame["context_id"], frame["timestamp"]) == ("cam 1", 7)
    assert (frame["source"]["width"], frame["source"]["height"]) == (64, 48)
    assert frame["source"]["uri"].startswith(f"media:frames/{version.pk}/")
    assert [
        (r["id"], r["type"], r["labels"], r["points"], r["confidence"], r["meta"])
        for r in frame["rois"]
    ] == [
        ("r1", "box", ["big truck", "Straßenbahn"], [[0, 0], [64, 48]], 0.5, {"ok": 1}),
        ("r2", "polygon", ["voiture électrique"], [[1.5, 2], [30, 2], [30, 40.25]], 1.0, {}),
    ]
    assert rois_of(version, "empty") == []
    assert version_labels(version=version) == ["Straßenbahn", "big truck", "voiture électrique"]
    version.refresh_from_db()
    assert version.frame_count == 2


def test_new_frames_without_a_key_take_the_stem_and_the_archive_as_context(manager_api, jobs):
    data = coco(
        [image(1, "a/0001.png", 40, 30), image(2, "b/0001.png", 40, 30)],
        [bbox(1, 1, 1, 5, 5), bbox(2, 2, 2, 5, 5)],
    )
    images = {"a/0001.png": image_bytes(), "b/0001.png": image_bytes()}
    version = VersionFactory(frames=[frame_data("other", context_id="street.zip", timestamp=4)])
    job = import_file(manager_api, jobs, version, zip_file(data, images, name="street.zip"))
    assert job.status == "succeeded", job.errors
    # The same file name in two folders: two frames, the second key made unique.
    first, second = frame_get(version=version, key="0001"), frame_get(version=version, key="0001-2")
    assert [(f.context_id, f.timestamp) for f in (first, second)] == [
        ("street.zip", 5),
        ("street.zip", 6),
    ]
    assert shapes(version, "0001-2") == [("box", ["car"], [[2, 2], [7, 7]])]


def test_a_made_unique_key_the_version_holds_already_is_skipped_too(manager_api, jobs):
    """`0001-2` taken but `0001` free: the second `0001` becomes `0001-3`, not a clash that
    fails the whole import."""
    data = coco(
        [image(1, "a/0001.png", 40, 30), image(2, "b/0001.png", 40, 30)],
        [bbox(1, 1, 1, 5, 5), bbox(2, 2, 2, 5, 5)],
    )
    images = {"a/0001.png": image_bytes(), "b/0001.png": image_bytes()}
    version = VersionFactory(frames=[frame_data("0001-2")])
    job = import_file(manager_api, jobs, version, zip_file(data, images))
    assert job.status == "succeeded", job.errors
    assert shapes(version, "0001") == [("box", ["car"], [[1, 1], [6, 6]])]
    assert shapes(version, "0001-3") == [("box", ["car"], [[2, 2], [7, 7]])]


def test_an_archive_image_of_another_size_than_the_file_says_is_skipped(manager_api, jobs):
    data = coco([image(1, "a.png", 64, 48), image(2, "b.png", 40, 30)], [bbox(1, 1, 1, 5, 5)])
    images = {"a.png": image_bytes(size=(40, 30)), "b.png": image_bytes(size=(40, 30))}
    version = VersionFactory(frames=[])
    job = import_file(manager_api, jobs, version, zip_file(data, images))
    assert job.status == "succeeded", job.errors
    assert job.result["frames_created"] == 1
    assert job.result["skipped"] == [
        {
            "file": "a.png",
            "index": None,
            "reason": "The file says the image is 64 × 48; it is 40 × 30.",
        }
    ]
    assert VersionFrame.objects.filter(version=version).get().key == "b"


# --- round trips through Hyperlabel's own COCO export ---------------------------------------------------


def export_coco(client, jobs, version, **body) -> bytes:
    with jobs.queued():
        response = client.post(
            f"/api/versions/{version.pk}/exports/", {"format": "coco", **body}, format="json"
        )
    assert response.status_code == 202, response.content
    jobs.run()
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == "succeeded", job.message
    download = client.get(job.result["download"])
    return b"".join(download.streaming_content)


def odd_frames() -> list[dict]:
    """What breaks naive converters: edges, several labels, odd labels, a file name twice."""
    first = frame_data(
        "cam/0001",
        context_id="cam1",
        width=64,
        height=48,
        rois=[
            box("car", x=0, y=0, w=64, h=48, meta={"occluded": True}, id="edge"),
            {
                "id": "poly",
                "type": "polygon",
                "labels": ["traffic light"],
                "points": [[60, 0], [64, 0], [64, 40.5]],
                "confidence": 0.5,
            },
            {"id": "kp", "type": "keypoints", "labels": ["piéton"], "points": [[1, 1], [2, 2]]},
            {
                "id": "two",
                "type": "box",
                "labels": ["car", "車"],
                "points": [[10.1, 10.2], [15.4, 13.9]],  # x1 - x0 is 5.300000000000001
                "confidence": 0.75,
            },
        ],
        frame_labels=[{"id": "day", "labels": ["day light"], "meta": {"by": "me"}}],
    )
    third = frame_data(
        "cam_0001",
        context_id="cam2",
        width=64,
        height=48,
        rois=[{"id": "kp1", "type": "keypoints", "labels": ["piéton"], "points": [[5, 5]]}],
    )
    return [first, third, frame_data("empty", context_id="cam2", width=64, height=48)]


def comparable(version, key) -> dict:
    frame = frame_as_dict(frame_get(version=version, key=key))
    fields = ("id", "type", "labels", "points", "confidence", "meta")
    return {
        "frame": (frame["context_id"], frame["timestamp"], frame["meta"]),
        "rois": [{f: roi[f] for f in fields if f in roi} for roi in frame["rois"]],
        "frame_labels": [(label["id"], label["labels"]) for label in frame["frame_labels"]],
    }


def test_a_coco_export_imported_onto_the_same_frames_gives_the_same_annotations(manager_api, jobs):
    source = VersionFactory(frames=odd_frames())
    exported = export_coco(manager_api, jobs, source)
    bare = [frame | {"rois": [], "frame_labels": []} for frame in odd_frames()]
    target = VersionFactory(frames=bare)
    job = import_file(manager_api, jobs, target, json_file(json.loads(exported)))
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_matched"], job.result["rois_created"]) == (3, 5)
    assert job.result["skipped"] == []
    for key in ("cam/0001", "cam_0001", "empty"):
        assert comparable(target, key) == comparable(source, key)


def test_a_coco_export_with_images_makes_the_same_frames_in_an_empty_draft(
    manager_api, jobs, media_root
):
    frames = odd_frames()
    png = image_bytes(size=(64, 48))
    for frame, path in zip(frames, ("x/0001.png", "y/0001.png", "z/empty.png"), strict=True):
        default_storage.save(f"frames/9/{path}", io.BytesIO(png))
        frame["source"]["uri"] = f"media:frames/9/{path}"
    source = VersionFactory(frames=frames)
    exported = export_coco(manager_api, jobs, source, include_images=True)
    target = VersionFactory(frames=[])
    upload = SimpleUploadedFile("export.zip", exported, content_type="application/zip")
    job = import_file(manager_api, jobs, target, upload)
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_created"], job.result["rois_created"]) == (3, 5)
    for key in ("cam/0001", "cam_0001", "empty"):
        assert comparable(target, key) == comparable(source, key)
    copied = frame_get(version=target, key="cam_0001").uri
    assert default_storage.open(copied.removeprefix("media:")).read() == png


# --- annotations onto existing frames ----------------------------------------------------------------


def test_annotations_are_added_to_owned_frames_keeping_what_they_have(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1", rois=[box("car")]), frame_data("f2")])
    data = coco(
        [image(1, "f1.jpg"), image(2, "f2.jpg")],
        [bbox(1, 100, 100, 10, 10, category=2), polygon(2, [[1, 1], [9, 1], [5, 9]])],
        categories=["car", "bus"],
    )
    job = import_file(manager_api, jobs, version, json_file(data))
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_matched"], job.result["rois_created"]) == (2, 2)
    assert shapes(version, "f1") == [
        ("box", ["car"], [[10, 10], [30, 30]]),
        ("box", ["bus"], [[100, 100], [110, 110]]),
    ]
    frame = frame_get(version=version, key="f1")
    assert (frame.annotation_count, frame.revision, frame.version_id) == (2, 2, version.pk)
    assert index_rows(version, "f1") == [("bus", 1.0), ("car", 1.0)]
    assert frame_get(version=version, key="f2").annotation_count == 1
    assert version_labels(version=version) == ["bus", "car"]


def test_frames_inherited_from_a_published_parent_are_copied_and_the_parent_stays(
    manager_api, jobs
):
    parent = VersionFactory(
        frames=[frame_data("f1", rois=[box("car")]), frame_data("f2")], published=True
    )
    child = VersionFactory(parent=parent)
    before = frame_as_dict(frame_get(version=parent, key="f1"))
    data = coco([image(1, "f1.jpg")], [bbox(1, 50, 50, 10, 10)])
    job = import_file(manager_api, jobs, child, json_file(data))
    assert job.status == "succeeded", job.errors
    assert frame_as_dict(frame_get(version=parent, key="f1")) == before
    assert index_rows(parent, "f1") == [("car", 1.0)]
    copy = frame_get(version=child, key="f1")
    assert copy.version_id == child.pk
    assert copy.pk != frame_get(version=parent, key="f1").pk
    assert (copy.annotation_count, copy.revision) == (2, 2)
    assert shapes(child, "f1") == [
        ("box", ["car"], [[10, 10], [30, 30]]),
        ("box", ["car"], [[50, 50], [60, 60]]),
    ]
    assert index_rows(child, "f1") == [("car", 1.0), ("car", 1.0)]
    # The frame the file did not name is still the parent's row.
    assert frame_get(version=child, key="f2").version_id == parent.pk
    assert VersionFrame.objects.filter(version=child).count() == 2


def test_frames_match_by_key_or_by_the_last_part_of_their_image_path(manager_api, jobs):
    by_name = frame_data("street-7")
    by_name["source"]["uri"] = "https://cdn.example.com/cams/1/IMG%200001.JPG?sig=1"
    version = VersionFactory(frames=[frame_data("cam/0002"), by_name, frame_data("0003")])
    data = coco(
        [
            image(1, "IMG 0001.JPG"),  # the file name of a frame's URL (decoded)
            image(2, "cam/0002.jpg"),  # the key, with its folder
            image(3, "somewhere/0003.png"),  # the stem
        ],
        [bbox(1, 1, 1, 2, 2), bbox(2, 2, 2, 2, 2), bbox(3, 3, 3, 2, 2)],
    )
    job = import_file(manager_api, jobs, version, json_file(data))
    assert job.status == "succeeded", job.errors
    assert job.result["frames_matched"] == 3
    assert shapes(version, "street-7")[0][2] == [[1, 1], [3, 3]]
    assert shapes(version, "cam/0002")[0][2] == [[2, 2], [4, 4]]
    assert shapes(version, "0003")[0][2] == [[3, 3], [5, 5]]


def test_duplicate_file_names_across_contexts_are_told_apart_by_folder_or_skipped(
    manager_api, jobs
):
    one, two = frame_data("a", context_id="cam1"), frame_data("b", context_id="cam2")
    one["source"]["uri"] = "media:frames/1/x/cam1/0001.jpg"
    two["source"]["uri"] = "media:frames/1/y/cam2/0001.jpg"
    version = VersionFactory(frames=[one, two])  # media files need not exist to be matched
    data = coco(
        [image(1, "cam2/0001.jpg"), image(2, "0001.jpg")],
        [bbox(1, 1, 1, 2, 2), bbox(2, 2, 2, 2, 2)],
    )
    job = import_file(manager_api, jobs, version, json_file(data))
    assert job.status == "succeeded", job.errors
    assert job.result["frames_matched"] == 1
    assert shapes(version, "b") == [("box", ["car"], [[1, 1], [3, 3]])]
    assert rois_of(version, "a") == []
    [skip] = job.result["skipped"]
    assert (skip["file"], skip["index"]) == ("0001.jpg", None)
    assert "2 frames have an image named “0001.jpg” (“a”, “b”)" in skip["reason"]


def test_what_cannot_be_imported_is_skipped_with_its_reason(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1"), frame_data("f2", width=100, height=100)])
    data = coco(
        [
            image(1, "f1.jpg"),
            image(2, "missing.jpg"),
            image(3, "f2.jpg"),  # says 640 x 480; the frame is 100 x 100
            image(4, "f1.png"),  # f1 again
        ],
        [
            bbox(1, 5, 5, 10, 10),
            {
                "image_id": 1,
                "category_id": 1,
                "keypoints": [0, 0, 0, 0, 0, 0],
                "bbox": [1, 1, 1, 1],
            },
            bbox(2, 1, 1, 1, 1),
            bbox(3, 1, 1, 1, 1),
            bbox(4, 1, 1, 1, 1),
            bbox(99, 1, 1, 1, 1),
        ],
    )
    job = import_file(manager_api, jobs, version, json_file(data))
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_matched"], job.result["rois_created"]) == (1, 1)
    assert shapes(version, "f1") == [("box", ["car"], [[5, 5], [15, 15]])]
    reasons = [(s["file"], s["index"], s["reason"]) for s in job.result["skipped"]]
    assert reasons == [
        ("f1.jpg", 1, "No labelled key point (every v is 0; annotation id 2)."),
        ("instances_default.json", 5, "image_id 99 is not in images (annotation id 6)."),
        (
            "missing.jpg",
            None,
            "No frame of the version has this file name or key, and the file "
            "holds no image to create one from; its annotation was not imported.",
        ),
        ("f2.jpg", None, "The file says the image is 640 × 480; frame “f2” is 100 × 100."),
        (
            "f1.png",
            None,
            "Frame “f1” was matched by “f1.jpg” earlier in the file; each frame "
            "takes one image's annotations.",
        ),
    ]
    assert job.result["skipped_count"] == 5


def test_key_points_keep_the_labelled_points_and_name_them_when_some_are_missing(tmp_path):
    data = coco(
        [image(1, "f1.jpg")],
        [
            {
                "image_id": 1,
                "category_id": 1,
                "keypoints": [10, 10, 2, 0, 0, 0, 30, 30, 1],
                "num_keypoints": 2,
                "bbox": [10, 10, 20, 20],
            },
            {"image_id": 1, "category_id": 1, "keypoints": [5, 5, 2], "bbox": [5, 5, 0, 0]},
        ],
    )
    data["categories"][0]["keypoints"] = ["nose", "left eye", "right eye"]
    path = tmp_path / "keypoints.json"
    path.write_text(json.dumps(data))
    [item] = read_coco(path).items
    assert [(r["type"], r["points"], r.get("meta")) for r in item.rois] == [
        ("keypoints", [[10, 10], [30, 30]], {"keypoints": ["nose", "right eye"]}),
        ("keypoints", [[5, 5]], None),
    ]


def test_importing_the_same_file_twice_adds_nothing_the_second_time(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1")])
    data = coco([image(1, "f1.jpg")], [bbox(1, 1, 1, 5, 5, attributes={"roi_id": "r1"})])
    assert import_file(manager_api, jobs, version, json_file(data)).status == "succeeded"
    job = import_file(manager_api, jobs, version, json_file(data))
    assert job.status == "succeeded"
    assert job.result["rois_created"] == 0
    assert job.result["skipped"] == [
        {"file": "f1.jpg", "index": 0, "reason": "The frame has an annotation “r1” already."}
    ]
    frame = frame_get(version=version, key="f1")
    assert (frame.annotation_count, frame.revision) == (1, 2)


# --- YOLO and VOC through the same job -----------------------------------------------------------------


def archive(files: dict[str, bytes | str], name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path, content in files.items():
            zipped.writestr(path, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def test_yolo_labels_without_images_land_on_the_frames_of_their_stem_in_pixels(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1"), frame_data("f2")])
    files = {
        "data.yaml": "names:\n  0: car\n  1: big bus\n",
        "labels/train/f1.txt": "1 0.5 0.5 0.25 0.5\n",
        "labels/train/f2.txt": "",
        "labels/train/gone.txt": "0 0.5 0.5 0.1 0.1\n",
    }
    job = import_file(manager_api, jobs, version, archive(files, "yolo.zip"), format="yolo")
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_matched"], job.result["rois_created"]) == (2, 1)
    assert shapes(version, "f1") == [("box", ["big bus"], [[240.0, 120.0], [400.0, 360.0]])]
    [skip] = job.result["skipped"]
    assert skip["file"] == "gone"


def test_voc_annotations_land_on_their_frames_and_images_without_frames_become_frames(
    manager_api, jobs
):
    version = VersionFactory(frames=[frame_data("f1")])
    xml = (
        "<annotation><filename>f1.jpg</filename>"
        "<size><width>640</width><height>480</height><depth>3</depth></size>"
        "<object><name>Straßenbahn</name><difficult>0</difficult>"
        "<bndbox><xmin>11</xmin><ymin>21</ymin><xmax>50</xmax><ymax>60</ymax></bndbox>"
        "</object></annotation>"
    )
    files = {"VOC/Annotations/f1.xml": xml, "VOC/JPEGImages/new.png": image_bytes()}
    job = import_file(manager_api, jobs, version, archive(files, "voc.zip"), format="voc")
    assert job.status == "succeeded", job.errors
    assert (job.result["frames_matched"], job.result["frames_created"]) == (1, 1)
    assert shapes(version, "f1") == [("box", ["Straßenbahn"], [[10, 20], [50, 60]])]
    assert frame_get(version=version, key="new").context_id == "voc.zip"


# --- all or nothing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "field", "message"),
    [
        (bbox(2, 600, 10, 50, 10), "points[1]", "Point (650, 20) lies outside the image"),
        (polygon(2, [[1, 1], [5, 5]]), "points", "A polygon needs at least 3 points"),
    ],
)
def test_an_invalid_annotation_fails_the_job_naming_file_and_annotation_and_writes_nothing(
    manager_api, jobs, annotation, field, message
):
    parent = VersionFactory(frames=[frame_data("f1"), frame_data("f2")], published=True)
    child = VersionFactory(parent=parent)
    data = coco([image(1, "f1.jpg"), image(2, "f2.jpg")], [bbox(1, 1, 1, 5, 5), annotation])
    job = import_file(manager_api, jobs, child, json_file(data))
    assert job.status == "failed"
    [error] = job.errors
    assert (error["file"], error["index"], error["field"]) == ("f2.jpg", 1, field)
    assert message in error["message"]
    assert job.message.startswith(f"f2.jpg, annotation 1, {field}: {message}")
    assert not Roi.objects.exists()
    assert set(Frame.objects.values_list("version_id", "revision")) == {(parent.pk, 1)}


def test_a_bad_annotation_of_a_new_frame_fails_the_job_and_keeps_no_image(
    manager_api, jobs, media_root
):
    data = coco([image(1, "new.png", 40, 30)], [bbox(1, 30, 20, 20, 20)])
    version = VersionFactory(frames=[])
    job = import_file(manager_api, jobs, version, zip_file(data, {"new.png": image_bytes()}))
    assert job.status == "failed"
    assert job.errors[0]["file"] == "new.png"
    assert job.errors[0]["index"] == 0
    assert not Frame.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_a_file_nothing_of_which_matches_fails_with_the_reasons(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1")])
    job = import_file(manager_api, jobs, version, json_file(coco([image(1, "x.jpg")])))
    assert job.status == "failed"
    assert job.message.startswith("Nothing was imported")
    assert job.errors[0]["file"] == "x.jpg"


def test_a_broken_file_fails_naming_the_problem(manager_api, jobs):
    version = VersionFactory(frames=[frame_data("f1")])
    bad = SimpleUploadedFile("x.json", b"{not json")
    job = import_file(manager_api, jobs, version, bad)
    assert job.status == "failed"
    assert "is not JSON" in job.message
    results = json_file([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}])
    job = import_file(manager_api, jobs, version, results)
    assert "detection results" in job.message
    unknown = coco([image(1, "f1.jpg")], [bbox(1, 1, 1, 1, 1, category=9)])
    job = import_file(manager_api, jobs, version, json_file(unknown))
    assert job.errors[0]["field"] == "category_id"
    assert job.message.startswith("f1.jpg, annotations[0] (id 1): category_id 9")


def test_the_bulk_service_names_each_bad_frame_by_index_and_field():
    version = VersionFactory(frames=[frame_data("f1"), frame_data("f2")])
    with pytest.raises(BulkImportError) as raised:
        frames_annotations_add(
            version=version,
            frames=[
                {"id": "f1", "rois": [box("car")]},
                {"id": "nope", "rois": [box("car")]},
                {"id": "gone", "rois": []},
            ],
        )
    assert [(e["index"], e["field"]) for e in raised.value.errors] == [(1, "id"), (2, "id")]
    with pytest.raises(BulkImportError) as raised:
        frames_annotations_add(
            version=version,
            frames=[
                {"id": "f1", "rois": [box("car")]},
                {"id": "f2", "rois": [box("car"), box("car", x=700)]},
            ],
        )
    assert [(e["index"], e["field"]) for e in raised.value.errors] == [(1, "rois[1].points[0]")]
    assert not Roi.objects.exists()


def test_a_bad_frame_late_in_a_big_batch_undoes_the_rows_already_streamed():
    """Frames without annotations are checked as their rows stream into the database (COPY on
    PostgreSQL past 200 rows): an error after hundreds of rows went in still leaves nothing."""
    frames = [frame_data(f"f{n:03d}") for n in range(300)]
    frames[5] = frame_data("f005", rois=[box("dog")])
    version = VersionFactory(frames=frames)
    before = list(Roi.objects.values_list("id", "labels"))
    revisions = dict(Frame.objects.values_list("id", "revision"))
    given = [{"id": f"f{n:03d}", "rois": [box("car"), box("car")]} for n in range(300)]
    given[290]["rois"][1] = box("car", x=700)  # outside the 640-pixel-wide image
    given[5]["rois"] = [box("car", x=700)]  # a frame with annotations: checked first
    with pytest.raises(BulkImportError) as raised:
        frames_annotations_add(version=version, frames=given)
    assert [(e["index"], e["field"]) for e in raised.value.errors] == [
        (5, "rois[0].points[0]"),
        (290, "rois[1].points[0]"),
    ]
    assert list(Roi.objects.values_list("id", "labels")) == before
    assert not RoiLabel.objects.filter(label="car").exists()
    assert dict(Frame.objects.values_list("id", "revision")) == revisions
    given[5]["rois"], given[290]["rois"][1] = [box("car")], box("car")
    added = frames_annotations_add(version=version, frames=given)
    assert (added.frames, added.rois) == (300, 599)
    assert [labels for _, labels, _ in shapes(version, "f005")] == [["dog"], ["car"]]


# --- surfaces --------------------------------------------------------------------------------------------


def test_the_api_refuses_a_file_the_format_cannot_read_at_once(manager_api, jobs):
    version = VersionFactory(frames=[])
    response = import_file(manager_api, jobs, version, SimpleUploadedFile("a.txt", b"x"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_file_type")
    response = import_file(manager_api, jobs, version, json_file({}), format="csv")
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_the_command_imports_in_process_and_prints_the_report(tmp_path, capsys):
    version = VersionFactory(frames=[frame_data("f1")])
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(coco([image(1, "f1.jpg")], [bbox(1, 1, 1, 5, 5)])))
    call_command("import_annotations", str(version.pk), "--format", "coco", str(path))
    report = json.loads(capsys.readouterr().out)
    assert (report["frames_matched"], report["rois_created"]) == (1, 1)
    assert shapes(version, "f1") == [("box", ["car"], [[1, 1], [6, 6]])]


def test_the_service_takes_a_local_file_and_a_user(tmp_path, manager):
    version = VersionFactory(frames=[frame_data("f1")])
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(coco([image(1, "f1.jpg")], [bbox(1, 1, 1, 5, 5)])))
    report = annotations_import(
        version=version, path=str(path), format="coco", name="instances.json", user=manager
    )
    assert report["rois_created"] == 1
    assert frame_get(version=version, key="f1").updated_by == manager


# --- history ------------------------------------------------------------------------------------------


def test_an_import_is_recorded_in_the_history_as_a_save_would_be(manager_api, jobs, manager):
    """Needs the annotations app's receiver of `frames.services.annotations_added`."""
    from annotations.selectors import frame_history, frame_revision_state

    version = VersionFactory(frames=[frame_data("f1", rois=[box("car", id="old")])])
    data = coco([image(1, "f1.jpg")], [bbox(1, 1, 1, 5, 5, roi_id="new")])
    assert import_file(manager_api, jobs, version, json_file(data)).status == "succeeded"
    first, second = frame_history(version=version, key="f1")
    assert (first.revision, first.user, first.change) == (1, None, {"imported": True})
    assert [r["id"] for r in first.state["rois"]] == ["old"]
    assert (second.revision, second.user, second.task) == (2, manager, None)
    assert second.change == {
        "import": "coco",
        "rois": {"added": ["new"], "changed": [], "removed": []},
    }
    assert [r["id"] for r in second.state["rois"]] == ["old", "new"]
    restored = frame_revision_state(version=version, key="f1", revision=1)
    assert [r["id"] for r in restored["rois"]] == ["old"]
