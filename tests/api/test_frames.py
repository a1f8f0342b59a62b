"""Frames of a version over the API: list, bulk import, one frame, PATCH with revisions, uploads."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.renderers import JSONRenderer

from annotations.services import frame_save
from frames.models import Frame, Roi, VersionFrame
from frames.selectors import frame_as_dict, frame_get
from frames.services import version_fork
from tests.annotations.factories import ManagerFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .conftest import postgres_only, run_together, token_client


def frames_url(version, key=None) -> str:
    return f"/api/versions/{version.pk}/frames/" + (f"{key}/" if key is not None else "")


def snapshot(version) -> list[dict]:
    """The version's frames as the API's JSON would have them (times as strings)."""
    frames = Frame.objects.filter(memberships__version=version).order_by("key")
    dicts = [frame_as_dict(frame) for frame in frames.prefetch_related("rois")]
    return json.loads(JSONRenderer().render(dicts))


# Reading


def test_a_frame_has_the_documented_shape_with_its_image_url(annotator_api):
    version = VersionFactory(
        frames=[
            frame_data(
                "a",
                context_id="cam1",
                timestamp=40,
                meta={"weather": "rain"},
                rois=[box("car", confidence=0.5)],
                frame_labels=[{"labels": ["night"]}],
            )
        ]
    )
    body = annotator_api.get(frames_url(version, "a")).json()
    frame = Frame.objects.get()
    assert body["id"] == "a"
    assert (body["context_id"], body["timestamp"], body["meta"]) == (
        "cam1",
        40,
        {"weather": "rain"},
    )
    assert body["source"] == {"uri": "https://example.com/a.jpg", "width": 640, "height": 480}
    assert body["revision"] == 1
    assert body["image_url"] == f"/frames/{frame.pk}/image/"
    assert body["sources"] == [
        {
            "id": "default",
            "uri": "https://example.com/a.jpg",
            "width": 640,
            "height": 480,
            "meta": {},
            "image_url": f"/frames/{frame.pk}/image/",
        }
    ]
    [roi] = body["rois"]
    assert set(roi) == {
        *("id", "type", "labels", "points", "confidence", "meta", "color", "locked"),
        *("rotation", "source"),
    }
    assert (roi["type"], roi["points"], roi["confidence"]) == ("box", [[10, 10], [30, 30]], 0.5)
    assert (roi["rotation"], roi["source"]) == (0.0, "default")
    [label] = body["frame_labels"]
    assert set(label) == {"id", "labels", "confidence", "meta", "color", "locked"}


def test_an_unknown_frame_is_404_naming_it(annotator_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = annotator_api.get(frames_url(version, "nope"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "“nope”" in response.json()["message"]


def test_a_key_with_a_slash_is_reachable_url_encoded(annotator_api):
    version = VersionFactory(frames=[frame_data("cam1/0001")])
    assert annotator_api.get(frames_url(version, "cam1%2F0001")).json()["id"] == "cam1/0001"


def test_a_fork_reads_the_frames_it_shares_with_its_parent(annotator_api):
    parent = VersionFactory(frames=[frame_data("a", rois=[box("car")])], published=True)
    child = version_fork(version=parent, name="child")
    assert annotator_api.get(frames_url(child, "a")).json()["rois"][0]["labels"] == ["car"]
    assert annotator_api.get(frames_url(child)).json()["count"] == 1


def test_the_list_filters_by_context_and_lucene_query(annotator_api):
    version = VersionFactory(
        frames=[
            frame_data("a", context_id="cam1", meta={"weather": "rain"}),
            frame_data("b", context_id="cam1", meta={"weather": "sun"}),
            frame_data("c", context_id="cam2", meta={"weather": "rain"}),
        ]
    )
    by_context = annotator_api.get(frames_url(version) + "?context_id=cam1").json()
    assert [f["id"] for f in by_context["results"]] == ["a", "b"]
    by_query = annotator_api.get(frames_url(version), {"q": "meta.weather:rain"}).json()
    assert [f["id"] for f in by_query["results"]] == ["a", "c"]
    both = annotator_api.get(frames_url(version), {"q": "meta.weather:rain", "context_id": "cam2"})
    assert [f["id"] for f in both.json()["results"]] == ["c"]


def test_a_bad_lucene_query_is_400_with_its_position(annotator_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = annotator_api.get(frames_url(version), {"q": "colour:red"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"
    assert "position 0" in response.json()["message"]


def test_the_frame_list_costs_the_same_queries_for_2_or_20_frames(
    annotator_api, django_assert_num_queries
):
    small = VersionFactory(frames=[frame_data(f"f{i}", rois=[box("car")]) for i in range(2)])
    big = VersionFactory(frames=[frame_data(f"f{i}", rois=[box("car")] * 3) for i in range(20)])
    # token, 2 permission queries, version, page, ROIs: the version holds the count
    with django_assert_num_queries(5):
        assert annotator_api.get(frames_url(small)).json()["count"] == 2
    with django_assert_num_queries(5):
        body = annotator_api.get(frames_url(big)).json()
    assert (body["count"], len(body["results"])) == (20, 20)
    with django_assert_num_queries(6):  # a filter needs a count
        assert annotator_api.get(frames_url(big) + "?context_id=").json()["count"] == 20


def test_labels_lists_the_versions_labels_once_each_sorted(annotator_api):
    version = VersionFactory(
        frames=[
            frame_data("a", rois=[box("car"), box(["truck", "car"])]),
            frame_data("b", rois=[box("bus")], frame_labels=[{"labels": ["night"]}]),
        ]
    )
    VersionFactory(frames=[frame_data("z", rois=[box("zebra")])])
    response = annotator_api.get(f"/api/versions/{version.pk}/labels/")
    assert response.json() == ["bus", "car", "night", "truck"]


# Bulk import


def test_bulk_import_answers_the_number_created(manager_api):
    version = VersionFactory(frames=[])
    frames = [frame_data(f"f{i}", rois=[box("car")]) for i in range(3)]
    response = manager_api.post(frames_url(version), frames, format="json")
    assert (response.status_code, response.json()) == (201, {"created": 3})
    version.refresh_from_db()
    assert version.frame_count == 3


def test_a_bad_frame_in_a_bulk_import_names_index_and_field_and_imports_nothing(manager_api):
    version = VersionFactory(frames=[frame_data("old")])
    bad = frame_data("b", rois=[box("car"), {"type": "box", "labels": ["x"], "points": [[1, 1]]}])
    response = manager_api.post(frames_url(version), [frame_data("a"), bad], format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_frames"
    [error] = body["errors"]
    assert (error["index"], error["field"]) == (1, "rois[1].points")
    assert "2 points" in error["message"]
    assert [f["id"] for f in snapshot(version)] == ["old"]


def test_a_bulk_import_with_a_taken_key_imports_nothing(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.post(
        frames_url(version), [frame_data("b"), frame_data("a")], format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 1
    assert VersionFrame.objects.filter(version=version).count() == 1


def test_a_bulk_import_must_be_a_list(manager_api):
    version = VersionFactory(frames=[])
    response = manager_api.post(frames_url(version), frame_data("a"), format="json")
    assert (response.status_code, response.json()["code"]) == (400, "not_a_list")
    assert not Frame.objects.exists()


def test_a_bulk_import_takes_at_most_10000_frames(manager_api):
    version = VersionFactory(frames=[])
    response = manager_api.post(frames_url(version), [{}] * 10_001, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "too_many_frames")
    assert not Frame.objects.exists()


def test_a_bulk_import_into_a_published_version_is_409(manager_api):
    version = VersionFactory(frames=[], published=True)
    response = manager_api.post(frames_url(version), [frame_data("a")], format="json")
    assert (response.status_code, response.json()["code"]) == (409, "version_published")
    assert not Frame.objects.exists()


# PATCH


def test_patch_replaces_the_given_parts_and_answers_the_new_frame(manager_api):
    version = VersionFactory(
        frames=[
            frame_data("a", rois=[box("car")], frame_labels=[{"labels": ["day"]}], meta={"m": 1})
        ]
    )
    response = manager_api.patch(
        frames_url(version, "a"),
        {"revision": 1, "rois": [box("bus"), box("car", x=50)], "meta": {"m": 2}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 2
    assert [r["labels"] for r in body["rois"]] == [["bus"], ["car"]]
    assert body["frame_labels"][0]["labels"] == ["day"]
    assert body["meta"] == {"m": 2}
    [stored] = [frame for frame in snapshot(version) if frame["id"] == "a"]
    stored["sources"][0]["image_url"] = body["image_url"]
    assert body == {**stored, "image_url": body["image_url"]}


def test_a_stale_revision_is_409_with_the_current_frame_and_changes_nothing(manager_api, manager):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    frame_save(version=version, key="a", revision=1, rois=[box("bus")], user=manager)
    before = snapshot(version)
    response = manager_api.patch(
        frames_url(version, "a"), {"revision": 1, "rois": [box("truck")]}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_revision"
    assert body["current"]["revision"] == 2
    assert body["current"]["rois"][0]["labels"] == ["bus"]
    assert body["current"] == manager_api.get(frames_url(version, "a")).json()
    assert snapshot(version) == before


def test_patching_a_published_version_is_409_version_published(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])], published=True)
    before = snapshot(version)
    response = manager_api.patch(
        frames_url(version, "a"), {"revision": 1, "rois": []}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "version_published")
    assert snapshot(version) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rois": [box("a"), box("b"), box("c", x=630)]}, "rois[2].points[1]"),
        (
            {"rois": [box("a"), box("b"), {"type": "box", "labels": ["c"], "points": [[1, 1]]}]},
            "rois[2].points",
        ),
        (
            {"rois": [{"type": "polygon", "labels": ["a"], "points": [[1, 1], [2, 2]]}]},
            "rois[0].points",
        ),
        ({"rois": [box("a", confidence=1.5)]}, "rois[0].confidence"),
        ({"frame_labels": [{"labels": []}]}, "frame_labels[0].labels"),
        ({"meta": [1, 2]}, "meta"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(manager_api, change, field):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")], meta={"m": 1})])
    before = snapshot(version)
    response = manager_api.patch(frames_url(version, "a"), {"revision": 1, **change}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["message"].startswith(f"{field}:")
    assert snapshot(version) == before


def test_a_patch_without_revision_is_400_required(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.patch(frames_url(version, "a"), {"rois": []}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "required")
    assert "revision" in response.json()["message"]


def test_a_patch_with_an_unknown_field_is_400_naming_it(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.patch(
        frames_url(version, "a"), {"revision": 1, "roi": []}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "unknown_field")
    assert "roi" in response.json()["message"]


def test_patching_an_unknown_frame_is_404(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.patch(frames_url(version, "b"), {"revision": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_patching_a_frame_of_an_unknown_version_is_404(manager_api):
    response = manager_api.patch("/api/versions/999999/frames/a/", {"revision": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_patching_a_fork_leaves_the_parent_untouched(manager_api):
    parent = VersionFactory(frames=[frame_data("a", rois=[box("car")])], published=True)
    child = version_fork(version=parent, name="child")
    response = manager_api.patch(
        frames_url(child, "a"), {"revision": 1, "rois": [box("bus")]}, format="json"
    )
    assert response.status_code == 200
    assert frame_as_dict(frame_get(version=parent, key="a"))["rois"][0]["labels"] == ["car"]


def test_the_second_patch_of_one_revision_is_409_and_the_first_is_kept(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    url = frames_url(version, "a")
    first = manager_api.patch(url, {"revision": 1, "rois": [box("bus")]}, format="json")
    second = manager_api.patch(url, {"revision": 1, "rois": [box("truck")]}, format="json")
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["current"]["rois"][0]["labels"] == ["bus"]
    assert snapshot(version)[0]["rois"][0]["labels"] == ["bus"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clients_patching_one_revision_at_once_get_one_200_and_one_409():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    clients = [token_client(ManagerFactory()) for _ in range(2)]

    def save(index: int):
        body = {"revision": 1, "rois": [box(f"label{index}")]}
        return lambda: clients[index].patch(frames_url(version, "a"), body, format="json")

    responses = run_together(save(0), save(1))
    assert sorted(response.status_code for response in responses) == [200, 409]
    winner = next(i for i, response in enumerate(responses) if response.status_code == 200)
    loser = responses[1 - winner].json()
    assert loser["code"] == "stale_revision"
    assert loser["current"]["rois"][0]["labels"] == [f"label{winner}"]
    [frame] = snapshot(version)
    assert frame["revision"] == 2
    assert [roi["labels"] for roi in frame["rois"]] == [[f"label{winner}"]]


# Uploads and deletes


def png(name: str, size=(32, 24)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_an_upload_answers_202_with_its_job_and_the_job_creates_the_frames(manager_api, jobs):
    version = VersionFactory(frames=[])
    with jobs.queued():
        response = manager_api.post(
            f"/api/versions/{version.pk}/uploads/",
            {"files": [png("one.png"), png("two.png", (10, 10))], "context_id": "batch"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert (job["kind"], job["status"], job["version"]) == ("upload", "queued", version.pk)
    assert not Frame.objects.exists()
    assert jobs.run() == 1
    job = manager_api.get(f"/api/jobs/{job['id']}/").json()
    assert job["status"] == "succeeded", job
    assert job["result"] == {"created": 2, "frames": ["one", "two"]}
    assert job["progress"] == {"done": 2, "total": 2, "unit": "frames"}
    two = frame_as_dict(frame_get(version=version, key="two"))
    assert (two["context_id"], two["source"]["width"]) == ("batch", 10)


def test_an_upload_with_a_bad_file_fails_its_job_naming_it_and_creates_nothing(
    manager_api, jobs, media_root
):
    version = VersionFactory(frames=[])
    fake = SimpleUploadedFile("fake.jpg", b"not an image", content_type="image/jpeg")
    with jobs.queued():
        response = manager_api.post(
            f"/api/versions/{version.pk}/uploads/",
            {"files": [png("one.png"), fake]},
            format="multipart",
        )
    jobs.run()
    job = manager_api.get(f"/api/jobs/{response.json()['job']['id']}/").json()
    assert job["status"] == "failed"
    assert "fake.jpg" in job["message"]
    assert job["errors"] == [{"message": job["message"]}]
    assert job["result"] is None
    assert not Frame.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_an_upload_into_a_published_version_is_409_and_keeps_no_file(manager_api, media_root):
    version = VersionFactory(frames=[], published=True)
    response = manager_api.post(
        f"/api/versions/{version.pk}/uploads/", {"files": [png("one.png")]}, format="multipart"
    )
    assert (response.status_code, response.json()["code"]) == (409, "version_published")
    assert not Frame.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_an_upload_without_files_is_400(manager_api):
    version = VersionFactory(frames=[])
    response = manager_api.post(f"/api/versions/{version.pk}/uploads/", {}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "no_files")


def test_deleting_a_frame_of_a_version_an_active_task_uses_needs_force(manager_api, manager):
    version = VersionFactory(frames=[frame_data("a"), frame_data("b")])
    make_task(version, manager)
    refused = manager_api.delete(frames_url(version, "a"))
    assert (refused.status_code, refused.json()["code"]) == (409, "version_in_use")
    assert VersionFrame.objects.filter(version=version).count() == 2
    assert manager_api.delete(frames_url(version, "a") + "?force=true").status_code == 204
    assert [f["id"] for f in snapshot(version)] == ["b"]


def test_deleting_an_unknown_frame_is_404(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    assert manager_api.delete(frames_url(version, "zz")).status_code == 404
    assert Roi.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'[{"id": "a", ', "JSON parse error"),
        (b'{"revision": 1, "meta": {"speed": NaN}}', "JSON parse error"),
    ],
)
def test_a_body_that_is_not_strict_json_is_400_and_changes_nothing(annotator_api, body, fragment):
    version = VersionFactory(frames=[frame_data("a", meta={"speed": 1})])
    before = snapshot(version)
    response = annotator_api.generic(
        "PATCH", frames_url(version, "a"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert snapshot(version) == before
