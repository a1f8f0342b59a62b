"""New shapes and FrameGroups over the API: import, read, save in whole and by id, history,
images per source, Lucene types, frame removal."""

import io

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as coco_mask

from annotations.services import frames_delete
from frames.cleanup import unused
from frames.lucene import compile_roi_query
from frames.models import Frame, Roi
from frames.services import version_fork
from tests.datasets.factories import VersionFactory
from tests.frames.factories import group_data, source_data

from .test_frame_writes import history_url
from .test_frames import frames_url


def rle(height: int, width: int, rows: slice, columns: slice) -> str:
    image = np.zeros((height, width), dtype=np.uint8)
    image[rows, columns] = 1
    return coco_mask.encode(np.asfortranarray(image))["counts"].decode("ascii")


def group_frame(key="g", rois=()) -> dict:
    front = source_data("front", width=64, height=48, uri=f"https://example.com/{key}-front.jpg")
    rear = source_data(
        "rear",
        width=32,
        height=24,
        uri=f"https://example.com/{key}-rear.jpg",
        meta={"camera": "rear", "fov": 120},
    )
    return group_data(key, [front, rear], rois=rois)


def media_group(key: str, *names: str) -> dict:
    """A FrameGroup of 4 x 3 images in the media folder, sources a, b, …"""
    sources = [
        source_data(chr(ord("a") + i), width=4, height=3, uri=f"media:{name}")
        for i, name in enumerate(names)
    ]
    return group_data(key, sources)


ELLIPSE = {"type": "ellipse", "labels": ["ball"], "points": [[4, 4], [20, 12]], "rotation": 30}
LINE = {"type": "polyline", "labels": ["lane"], "points": [[1, 1], [10, 20], [30, 22]]}


def rear_mask(**extra) -> dict:
    counts = rle(24, 32, slice(2, 6), slice(3, 9))
    return {
        "type": "mask",
        "labels": ["road"],
        "source": "rear",
        "mask": {"size": [24, 32], "counts": counts},
        **extra,
    }


@pytest.fixture
def version(manager_api):
    version = VersionFactory(frames=[])
    body = [group_frame(rois=[ELLIPSE | {"id": "e"}, LINE | {"id": "l"}, rear_mask(id="m")])]
    response = manager_api.post(frames_url(version), body, format="json")
    assert response.status_code == 201, response.json()
    return version


def test_a_frame_group_reads_back_with_its_sources_and_shapes(manager_api, version):
    body = manager_api.get(frames_url(version, "g")).json()
    frame = Frame.objects.get(key="g")
    assert body["source"] == {"uri": "https://example.com/g-front.jpg", "width": 64, "height": 48}
    assert [(s["id"], s["width"], s["meta"]) for s in body["sources"]] == [
        ("front", 64, {}),
        ("rear", 32, {"camera": "rear", "fov": 120}),
    ]
    assert [s["image_url"] for s in body["sources"]] == [
        f"/frames/{frame.pk}/image/",
        f"/frames/{frame.pk}/image/?source=rear",
    ]
    ellipse, line, mask = body["rois"]
    assert ellipse == ELLIPSE | {
        "id": "e",
        "rotation": 30.0,
        "source": "front",
        "confidence": 1.0,
        "meta": {},
        "color": ellipse["color"],
        "locked": False,
    }
    assert "rotation" not in line
    assert line["source"] == "front"
    assert mask["points"] == [[3, 2], [9, 6]]
    assert mask["mask"] == rear_mask()["mask"]
    assert mask["source"] == "rear"


def test_a_mask_is_saved_by_id_and_its_box_follows_it(manager_api, version):
    bigger = rear_mask(
        id="m", mask={"size": [24, 32], "counts": rle(24, 32, slice(0, 10), slice(0, 20))}
    )
    response = manager_api.patch(
        frames_url(version, "g"), {"revision": 1, "rois_changed": [bigger]}, format="json"
    )
    assert response.status_code == 200, response.json()
    [mask] = [roi for roi in response.json()["rois"] if roi["id"] == "m"]
    assert mask["points"] == [[0, 0], [20, 10]]
    assert Roi.objects.get(uid="m").mask == bigger["mask"]


def test_a_mask_of_the_wrong_source_size_is_refused_and_nothing_changes(manager_api, version):
    wrong = rear_mask(id="m", source="front")  # a 24 x 32 mask on the 48 x 64 source
    response = manager_api.patch(
        frames_url(version, "g"), {"revision": 1, "rois_changed": [wrong]}, format="json"
    )
    assert response.status_code == 400
    assert "rois_changed[0].mask.size" in response.json()["errors"]
    assert Frame.objects.get(key="g").revision == 1


def test_a_rotation_change_is_a_change_and_the_history_restores_it(manager_api, version):
    url = frames_url(version, "g")
    turned = ELLIPSE | {"id": "e", "rotation": -45}
    saved = manager_api.patch(url, {"revision": 1, "rois_changed": [turned]}, format="json")
    assert saved.status_code == 200
    assert Roi.objects.get(uid="e").rotation == -45.0
    restored = manager_api.post(
        f"{history_url(version, 'g')}1/restore/", {"revision": 2}, format="json"
    )
    assert restored.status_code == 200, restored.json()
    assert Roi.objects.get(uid="e").rotation == 30.0


def test_a_fork_saves_a_copy_keeping_sources_and_shapes(manager_api, manager, version):
    version.status = version.Status.PUBLISHED
    version.save()
    child = version_fork(version=version, name="child", user=manager)
    body = manager_api.get(frames_url(child, "g")).json()
    response = manager_api.patch(
        frames_url(child, "g"), {"revision": body["revision"], "meta": {"x": 1}}, format="json"
    )
    assert response.status_code == 200
    after = response.json()
    assert [s["id"] for s in after["sources"]] == ["front", "rear"]
    assert [r["type"] for r in after["rois"]] == ["ellipse", "polyline", "mask"]
    assert Frame.objects.filter(key="g").count() == 2


def test_lucene_type_terms_name_every_shape_kind(version):
    rois = Roi.objects.filter(frame__key="g")
    found = {
        kind: set(rois.filter(compile_roi_query(f"type:{kind}")).values_list("uid", flat=True))
        for kind in ("ellipse", "polyline", "mask")
    }
    assert found == {"ellipse": {"e"}, "polyline": {"l"}, "mask": {"m"}}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, "PNG")
    return out.getvalue()


def test_each_source_has_its_image_and_an_unknown_one_is_404(manager_client, media_root):
    (media_root / "a.png").write_bytes(png())
    (media_root / "b.png").write_bytes(png()[:-8] + b"12345678")
    VersionFactory(frames=[media_group("g", "a.png", "b.png")])
    pk = Frame.objects.get(key="g").pk
    first = manager_client.get(f"/frames/{pk}/image/")
    right = manager_client.get(f"/frames/{pk}/image/?source=b")
    assert b"".join(first.streaming_content) == png()
    assert b"".join(right.streaming_content).endswith(b"12345678")
    assert manager_client.get(f"/frames/{pk}/image/?source=nope").status_code == 404


def test_removing_a_frame_group_frees_every_sources_file(manager, media_root):
    keep = media_group("keep", "frames/1/kept.png", "frames/1/shared.png")
    gone = media_group("gone", "frames/1/first.png", "frames/1/second.png")
    version = VersionFactory(frames=[keep, gone])
    names = [
        "frames/1/first.png",
        "frames/1/second.png",
        "frames/1/shared.png",
        "frames/1/kept.png",
    ]
    assert unused(names) == []
    frames_delete(version=version, keys=["gone"], user=manager)
    assert unused(names) == ["frames/1/first.png", "frames/1/second.png"]
