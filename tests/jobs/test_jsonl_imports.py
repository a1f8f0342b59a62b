"""POST /api/versions/{id}/imports/: a JSON Lines file of frames, imported all or none by a job."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Job
from frames.models import Frame, Roi, VersionFrame
from frames.selectors import frame_as_dict, frame_get
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db


def jsonl(*lines) -> SimpleUploadedFile:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    return SimpleUploadedFile("frames.jsonl", text.encode(), content_type="application/jsonl")


def import_file(client, jobs, version, file, **fields):
    with jobs.queued():
        response = client.post(
            f"/api/versions/{version.pk}/imports/", {"file": file, **fields}, format="multipart"
        )
    if response.status_code != 202:
        return response
    jobs.run()
    return Job.objects.get(pk=response.json()["job"]["id"])


def test_each_line_becomes_a_frame_with_its_annotations(manager_api, jobs, settings):
    settings.JOB_IMPORT_CHUNK = 2
    version = VersionFactory(frames=[])
    lines = [frame_data(f"f{n}", rois=[box("car", x=n)]) for n in range(5)]
    job = import_file(manager_api, jobs, version, jsonl(*lines, ""))  # blank lines are skipped
    assert (job.status, job.message) == ("succeeded", "Added 5 frames.")
    assert job.result == {
        "created": 5,
        "frames_created": 5,
        "frames_matched": 0,
        "rois_created": 5,
        "skipped": [],
    }
    assert (job.kind, job.progress_done, job.progress_total) == ("import", 5, 5)
    assert VersionFrame.objects.filter(version=version).count() == 5
    assert frame_as_dict(frame_get(version=version, key="f3"))["rois"][0]["points"][0] == [3, 10]
    version.refresh_from_db()
    assert version.frame_count == 5


def test_a_bad_field_names_its_line_and_nothing_is_written(manager_api, jobs):
    version = VersionFactory(frames=[])
    bad = frame_data(
        "f2", rois=[{"type": "polygon", "labels": ["car"], "points": [[0, 0], [1, 1]]}]
    )
    job = import_file(manager_api, jobs, version, jsonl(frame_data("f1"), bad))
    assert job.status == "failed"
    [error] = job.errors
    assert (error["line"], error["field"]) == (2, "rois[0].points")
    assert "3" in error["message"]
    assert not Frame.objects.exists()
    assert not Roi.objects.exists()


def test_a_line_that_is_not_json_is_named(manager_api, jobs):
    version = VersionFactory(frames=[])
    job = import_file(
        manager_api, jobs, version, jsonl(frame_data("f1"), "{oops", frame_data("f3"))
    )
    assert job.status == "failed"
    assert job.errors[0]["line"] == 2
    assert job.errors[0]["message"].startswith("Not JSON:")
    assert not Frame.objects.exists()


def test_a_line_that_is_not_an_object_is_named(manager_api, jobs):
    version = VersionFactory(frames=[])
    job = import_file(manager_api, jobs, version, jsonl("[1, 2]"))
    assert job.errors == [
        {"line": 1, "field": "", "message": "Each line is one frame, a JSON object."}
    ]


def test_a_key_clash_across_chunks_rolls_back_every_chunk(manager_api, jobs, settings):
    settings.JOB_IMPORT_CHUNK = 2
    version = VersionFactory(frames=[])
    lines = [frame_data(f"f{n}") for n in range(4)] + [frame_data("f0")]
    job = import_file(manager_api, jobs, version, jsonl(*lines))
    assert job.status == "failed"
    assert "f0" in job.message
    assert not VersionFrame.objects.filter(version=version).exists()


def test_an_s3_uri_needs_s3_storage(manager_api, jobs):
    version = VersionFactory(frames=[])
    frame = frame_data("f1")
    frame["source"]["uri"] = "s3://photos/cars/1.jpg"
    job = import_file(manager_api, jobs, version, jsonl(frame))
    assert job.errors == [
        {
            "line": 1,
            "field": "source.uri",
            "message": "s3:// URIs need S3 storage (set S3_BUCKET).",
        }
    ]


def test_an_empty_file_fails_saying_so(manager_api, jobs):
    version = VersionFactory(frames=[])
    job = import_file(manager_api, jobs, version, jsonl("", ""))
    assert (job.status, job.message) == ("failed", "The file holds no frames.")


def test_a_published_version_or_an_unknown_format_is_refused_at_once(manager_api, jobs):
    published = VersionFactory(frames=[], published=True)
    response = import_file(manager_api, jobs, published, jsonl(frame_data("f1")))
    assert (response.status_code, response.json()["code"]) == (409, "version_published")
    draft = VersionFactory(frames=[])
    response = import_file(manager_api, jobs, draft, jsonl(frame_data("f1")), format="csv")
    assert response.status_code == 400
    assert "format" in response.json()["message"]
    assert not Job.objects.exists()


def test_annotators_may_not_import(annotator_api, jobs):
    version = VersionFactory(frames=[])
    response = import_file(annotator_api, jobs, version, jsonl(frame_data("f1")))
    assert response.status_code == 403
