"""The bad-input corpus (`tests/corpus/`) sent through the API as a Manager: every item is refused
with a 4xx `{code, message}` and the database (row counts, and a checksum of frames and ROIs)
and the media folder are as they were."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import AnnotationTask, TaskChunk, TaskItem
from datasets.models import Dataset, Job, Version
from frames.models import Frame, Roi, RoiLabel, VersionFrame
from tests.corpus import _png, items
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

ITEMS = items()


def database_state() -> dict:
    counted = (
        Dataset,
        Version,
        Frame,
        Roi,
        RoiLabel,
        VersionFrame,
        AnnotationTask,
        TaskChunk,
        TaskItem,
    )
    state = {model.__name__: model.objects.count() for model in counted}
    for model in (Frame, Roi):
        rows = model.objects.order_by("pk").values_list()
        state[f"{model.__name__} checksum"] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state


@pytest.fixture
def version(db):
    return VersionFactory(
        frames=[
            frame_data("f0", meta={"weather": "rain"}, rois=[box("car"), box("bus", x=50)]),
            frame_data("f1", frame_labels=[{"labels": ["night"]}]),
        ]
    )


def upload(client, version, item, jobs) -> tuple[int, dict]:
    """An upload is refused at once (options, sizes) or by its job (the files): status, error."""
    files = [
        SimpleUploadedFile("good.png", _png()),
        SimpleUploadedFile(item.name.split("--", 1)[1], item.data),
    ]
    with jobs.queued():
        response = client.post(
            f"/api/versions/{version.pk}/uploads/", {"files": files, **dict(item.form)}
        )
    if response.status_code != 202:
        return response.status_code, response.json()
    jobs.run()
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == Job.Status.FAILED, job.message
    assert [set(error) for error in job.errors] == [{"message"}], job.errors
    return 400, {"code": "job_failed", "message": job.errors[0]["message"]}


def send(client, version, item):
    base = f"/api/versions/{version.pk}"
    url, method = {
        "bulk": (f"{base}/frames/", client.post),
        "patch": (f"{base}/frames/f0/", client.patch),
        "preview": (f"{base}/preview/", client.post),
        "task": ("/api/tasks/", client.post),
    }[item.target]
    body = item.data.replace(b"__VERSION__", str(version.pk).encode())
    return method(url, body, content_type="application/json")


@pytest.mark.parametrize("item", ITEMS, ids=[item.name for item in ITEMS])
def test_a_bad_input_is_a_4xx_with_code_and_message_and_changes_nothing(
    item, manager_api, version, media_root, jobs
):
    before = database_state()
    if item.target == "upload":
        status, body = upload(manager_api, version, item, jobs)
    else:
        response = send(manager_api, version, item)
        status, body = response.status_code, response.json()
    assert 400 <= status < 500, body
    assert [type(body.get("code")), type(body.get("message"))] == [str, str], body
    assert body["code"], body
    assert body["message"], body
    assert database_state() == before
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_the_corpus_reaches_every_target():
    assert {item.target for item in ITEMS} == {"bulk", "patch", "preview", "task", "upload"}
