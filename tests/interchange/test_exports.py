"""Exports: POST /api/versions/{id}/exports/ → a job → GET /api/jobs/{id}/download/.

Hyperlabel JSON Lines comes back exactly through the JSON Lines import; COCO is read by
pycocotools itself (COCO, COCOeval). The odd version holds what breaks naive exporters: a frame
without shapes, labels with spaces and non-ASCII letters, shapes on the image's edges, a ROI with
several labels, and two keys that make the same file name.
"""

import io
import json
import threading
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from annotations.exports import export_start
from annotations.models import TaskChunk
from datasets.models import Job
from frames.models import VersionFrame
from frames.selectors import frame_as_dict, frames_by_keys
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.api.conftest import token_client
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data
from tests.frames.media_files import image_bytes
from tests.interchange.test_imports import import_file
from tests.s3 import fetch

pytestmark = pytest.mark.django_db

KEYS = ["cam/0001", "cam/0002", "cam_0001", "empty"]


def odd_frames() -> list[dict]:
    first = frame_data(
        "cam/0001",
        context_id="cam1",
        meta={"weather": "rain", "note": "ünïcode"},
        rois=[
            # Touches all four edges of the 640 x 480 image.
            box("car", x=0, y=0, w=640, h=480, meta={"occluded": True}, color="#ff0000"),
            {
                "id": 'poly "1" \\ ✓',  # quotes, a backslash, a non-ASCII letter
                "type": "polygon",
                "labels": ["traffic light"],
                "points": [[600, 0], [640, 0], [640, 40.5]],
                "confidence": 0.5,
                "locked": True,
            },
            {"type": "keypoints", "labels": ["piéton"], "points": [[10, 10], [20, 20], [30, 30]]},
            box(["car", "車"], x=100, y=100, w=50, h=30, confidence=0.75),
        ],
        frame_labels=[{"labels": ["day"], "meta": {"by": "me"}}],
    )
    second = frame_data("cam/0002", context_id="cam1", timestamp=5, rois=[box("bus")])
    # Another camera's image with the same file name, under a key that reads alike once safe.
    third = frame_data(
        "cam_0001",
        context_id="cam2",
        rois=[
            box("car", x=1.5, y=2.25, w=10, h=10),
            {"type": "keypoints", "labels": ["piéton"], "points": [[5, 5]]},
        ],
    )
    empty = frame_data("empty", context_id="cam2", timestamp=1)
    first["source"]["uri"] = "https://example.com/cam1/0001.jpg"
    third["source"]["uri"] = "https://example.com/cam2/0001.jpg"
    return [third, empty, first, second]  # not in sequential order


@pytest.fixture
def version(db):
    return VersionFactory(frames=odd_frames())


@pytest.fixture
def api(manager):
    return token_client(manager)


def export(api, jobs, version, **body) -> Job:
    with jobs.queued():
        response = api.post(f"/api/versions/{version.pk}/exports/", body, format="json")
    assert response.status_code == 202, response.content
    jobs.run()
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == Job.Status.SUCCEEDED, (job.message, job.errors)
    return job


def download(api, job) -> bytes:
    response = api.get(job.result["download"])
    assert response.status_code == 200, response.content
    # Read to the end: the test client then closes the file without closing the connection.
    return b"".join(response.streaming_content)


def status_of(client, url: str) -> int:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the file is closed
    return response.status_code


def stored_frames(version) -> dict[str, dict]:
    frames = frames_by_keys(version=version, keys=KEYS)
    drop = {"revision", "updated_by", "updated_at"}
    return {f.key: {k: v for k, v in frame_as_dict(f).items() if k not in drop} for f in frames}


def exported_frames(version) -> dict[str, dict]:
    """The frames as an export's records give them: every source in `sources`, never the
    `source` shorthand beside them (an import takes one or the other)."""
    return {
        key: {k: v for k, v in frame.items() if k != "source"}
        for key, frame in stored_frames(version).items()
    }


def write_json(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- Hyperlabel JSON Lines --------------------------------------------------------------------


def test_hyperlabel_lines_are_the_frames_in_sequential_order(api, jobs, version):
    job = export(api, jobs, version, format="hyperlabel")
    lines = [json.loads(line) for line in download(api, job).splitlines()]
    assert [line["id"] for line in lines] == ["cam/0001", "cam/0002", "cam_0001", "empty"]
    assert lines == [exported_frames(version)[line["id"]] for line in lines]
    assert job.result["file_name"].endswith("-hyperlabel.jsonl")
    assert job.result["report"] == {
        "frames": 4,
        "written": {"box": 4, "polygon": 1, "keypoints": 2, "frame_label": 1},
        "converted": {},
        "skipped": {},
        "images": 0,
        "images_missing": [],
    }


def test_hyperlabel_imported_into_an_empty_draft_gives_the_same_frames(api, jobs, version):
    job = export(api, jobs, version, format="hyperlabel")
    target = VersionFactory(frames=[])
    file = SimpleUploadedFile("frames.jsonl", download(api, job))
    imported = import_file(api, jobs, target, file, format="hyperlabel")
    assert imported.result["created"] == 4
    assert stored_frames(target) == stored_frames(version)
    locked = stored_frames(target)["cam/0001"]["rois"][1]
    assert (locked["locked"], locked["confidence"], locked["points"][2]) == (True, 0.5, [640, 40.5])


# --- COCO -------------------------------------------------------------------------------------


def test_coco_loads_in_pycocotools_with_the_versions_counts(api, jobs, version, tmp_path):
    job = export(api, jobs, version, format="coco")
    coco = COCO(write_json(tmp_path, "instances.json", download(api, job)))
    assert len(coco.imgs) == version.frame_count == 4
    # One annotation per (ROI, label): 7 ROIs, one of them with two labels.
    assert len(coco.anns) == 8
    names = [category["name"] for category in coco.loadCats(coco.getCatIds())]
    assert names == ["bus", "car", "day", "piéton", "traffic light", "車"]
    assert coco.getCatIds() == [1, 2, 3, 4, 5, 6]
    assert job.result["file_name"].endswith("-coco.json")
    report = job.result["report"]
    assert report["written"] == {"box": 4, "polygon": 1, "keypoints": 2, "frame_label": 1}
    assert report["converted"] == {"box with several labels → one annotation per label": 1}


def test_coco_images_carry_unique_file_names_and_the_frames_fields(api, jobs, version, tmp_path):
    coco = json.loads(download(api, export(api, jobs, version, format="coco")))
    images = {image["key"]: image for image in coco["images"]}
    assert [image["id"] for image in coco["images"]] == [1, 2, 3, 4]
    assert images["cam/0001"]["file_name"] == "cam_0001.jpg"
    assert images["cam_0001"]["file_name"] == "cam_0001-2.jpg"
    assert len({image["file_name"] for image in coco["images"]}) == 4
    first = images["cam/0001"]
    assert (first["width"], first["height"], first["context_id"]) == (640, 480, "cam1")
    assert first["meta"] == {"weather": "rain", "note": "ünïcode"}
    assert [label["labels"] for label in first["frame_labels"]] == [["day"]]
    empty = images["empty"]["id"]
    assert not [a for a in coco["annotations"] if a["image_id"] == empty]


def test_coco_shapes_map_to_bbox_segmentation_and_keypoints(api, jobs, version):
    coco = json.loads(download(api, export(api, jobs, version, format="coco")))
    ids = {category["name"]: category["id"] for category in coco["categories"]}
    by_category = {}
    for annotation in coco["annotations"]:
        by_category.setdefault(annotation["category_id"], []).append(annotation)
    edge = by_category[ids["car"]][0]
    assert (edge["bbox"], edge["area"], edge["segmentation"]) == ([0, 0, 640, 480], 307200, [])
    assert (edge["iscrowd"], edge["score"], edge["attributes"]) == (0, 1.0, {"occluded": True})
    [polygon] = by_category[ids["traffic light"]]
    assert polygon["segmentation"] == [[600, 0, 640, 0, 640, 40.5]]
    assert (polygon["bbox"], polygon["area"], polygon["score"]) == ([600, 0, 40, 40.5], 810, 0.5)
    # Several labels: one annotation each, sharing the ROI's id.
    [shared] = by_category[ids["車"]]
    twin = next(a for a in by_category[ids["car"]] if a["roi_id"] == shared["roi_id"])
    assert twin["id"] != shared["id"]
    assert shared["bbox"] == twin["bbox"] == [100, 100, 50, 30]
    # Key points: all visible, padded to the most points of the label.
    category = next(c for c in coco["categories"] if c["name"] == "piéton")
    assert category["keypoints"] == ["1", "2", "3"]
    three, one = sorted(by_category[ids["piéton"]], key=lambda a: -a["num_keypoints"])
    assert three["keypoints"] == [10, 10, 2, 20, 20, 2, 30, 30, 2]
    assert (three["bbox"], three["area"]) == ([10, 10, 20, 20], 400)
    assert (one["keypoints"], one["num_keypoints"]) == ([5, 5, 2, 0, 0, 0, 0, 0, 0], 1)
    assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])


def test_cocoeval_of_the_results_export_against_the_export_gives_ap_1(api, jobs, tmp_path):
    frames = [
        frame_data(
            f"f{n}",
            rois=[
                box("car", x=10 * n, y=20, w=60, h=40, confidence=0.9),
                box("traffic light", x=300, y=10 + n, w=20, h=50, confidence=0.4),
                {
                    "type": "polygon",
                    "labels": ["piéton"],
                    "points": [[500, 300], [600, 300], [550, 480]],
                },
                box(["car", "車"], x=0, y=400, w=640, h=80),
            ],
        )
        for n in range(6)
    ] + [frame_data("empty")]
    version = VersionFactory(frames=frames)
    truth = download(api, export(api, jobs, version, format="coco"))
    results_job = export(api, jobs, version, format="coco-results")
    results = download(api, results_job)
    assert results_job.result["file_name"].endswith("-coco-results.json")
    assert results_job.result["report"]["converted"] == {"polygon → box": 6}
    gt = COCO(write_json(tmp_path, "gt.json", truth))
    dt = gt.loadRes(write_json(tmp_path, "dt.json", results))
    assert len(dt.anns) == len(gt.anns) == 30
    evaluation = COCOeval(gt, dt, "bbox")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert round(evaluation.stats[0], 3) == 1.000  # AP at IoU .50:.95
    assert round(evaluation.stats[1], 3) == 1.000  # AP at IoU .50


def test_coco_results_skip_frame_labels_and_box_other_shapes(api, jobs, version):
    job = export(api, jobs, version, format="coco-results")
    results = json.loads(download(api, job))
    assert set(results[0]) == {"image_id", "category_id", "bbox", "score"}
    assert len(results) == 8
    assert job.result["report"]["skipped"] == {"frame label: COCO results hold shapes only": 1}
    assert job.result["report"]["converted"] == {"polygon → box": 1, "keypoints → box": 2}


# --- scope ------------------------------------------------------------------------------------


def test_filters_export_only_the_frames_they_select(api, jobs, version):
    filters = [{"mode": "by_label", "rules": [{"labels": ["car"]}]}]
    job = export(api, jobs, version, format="hyperlabel", filters=filters)
    keys = [json.loads(line)["id"] for line in download(api, job).splitlines()]
    assert keys == ["cam/0001", "cam_0001"]
    assert job.title.endswith(", filtered as Hyperlabel JSON")
    assert (job.progress_done, job.progress_total) == (2, 2)


def test_an_empty_frame_filter_exports_the_frames_without_shapes(api, jobs, version):
    job = export(api, jobs, version, format="coco", filters=[{"mode": "empty"}])
    coco = json.loads(download(api, job))
    assert [image["key"] for image in coco["images"]] == ["empty"]
    assert coco["annotations"] == []
    assert len(coco["categories"]) == 6  # the version's labels: ids agree across scopes


def test_a_task_exports_its_frames_in_the_tasks_order(api, jobs, version, manager):
    task = make_task(version, manager, iteration={"order": "random", "seed": 3})
    order = [key for item in TaskChunk.objects.get(task=task).items for key in item]
    job = export(api, jobs, version, format="hyperlabel", task=task.pk)
    keys = [json.loads(line)["id"] for line in download(api, job).splitlines()]
    assert keys == order
    assert sorted(keys) == KEYS
    assert keys != sorted(keys, key=KEYS.index)  # seed 3 shuffles them
    assert f"-{task.name.replace(' ', '_')}-hyperlabel.jsonl" in job.result["file_name"]


def test_a_task_of_another_version_or_with_filters_is_refused(api, version, manager):
    other = make_task(VersionFactory(frames=[frame_data("x")]), manager)
    url = f"/api/versions/{version.pk}/exports/"
    response = api.post(url, {"format": "coco", "task": other.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "task_not_in_version")
    task = make_task(version, manager)
    body = {"format": "coco", "task": task.pk, "filters": [{"mode": "empty"}]}
    response = api.post(url, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_scope")
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"format": "csv"}, "invalid_choice"),
        ({}, "required"),
        ({"format": "coco", "filters": [{"mode": "by_label", "rules": "x"}]}, "invalid_filters"),
        ({"format": "coco", "filters": [{"frame_query": "id:("}]}, "invalid_query"),
        ({"format": "coco", "task": 2**62}, "no_task"),
    ],
)
def test_bad_settings_answer_400_naming_the_problem(api, version, body, code):
    response = api.post(f"/api/versions/{version.pk}/exports/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Job.objects.exists()


# --- images and the archive -------------------------------------------------------------------


def media_frames() -> list[dict]:
    png = image_bytes(size=(64, 48))
    default_storage.save("frames/9/a/0001.png", io.BytesIO(png))
    default_storage.save("frames/9/b/0001.png", io.BytesIO(png))
    frames = [
        frame_data("a/0001", context_id="a", width=64, height=48, rois=[box("car", w=5, h=5)]),
        frame_data("a_0001", context_id="b", width=64, height=48),
        frame_data("web", context_id="c", width=64, height=48),
    ]
    frames[0]["source"]["uri"] = "media:frames/9/a/0001.png"
    frames[1]["source"]["uri"] = "media:frames/9/b/0001.png"
    return frames


def test_coco_with_images_is_a_zip_in_cvats_layout(api, jobs, tmp_path):
    version = VersionFactory(frames=media_frames())
    job = export(api, jobs, version, format="coco", include_images=True)
    assert job.result["file_name"].endswith("-coco.zip")
    archive = zipfile.ZipFile(io.BytesIO(download(api, job)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == [
        "annotations/instances_default.json",
        "images/a_0001-2.png",
        "images/a_0001.png",
    ]
    coco = json.loads(archive.read("annotations/instances_default.json"))
    names = {image["key"]: image["file_name"] for image in coco["images"]}
    assert names == {"a/0001": "a_0001.png", "a_0001": "a_0001-2.png", "web": "web.jpg"}
    assert archive.read("images/a_0001.png") == default_storage.open("frames/9/a/0001.png").read()
    report = job.result["report"]
    assert (report["images"], report["images_missing"]) == (2, ["web"])  # a URL is not fetched


def test_hyperlabel_with_images_is_a_zip_of_the_lines_and_images(api, jobs):
    version = VersionFactory(frames=media_frames())
    job = export(api, jobs, version, format="hyperlabel", include_images=True)
    archive = zipfile.ZipFile(io.BytesIO(download(api, job)))
    assert sorted(archive.namelist()) == [
        "frames.jsonl",
        "images/a_0001-2.png",
        "images/a_0001.png",
    ]
    lines = archive.read("frames.jsonl").splitlines()
    assert json.loads(lines[0])["sources"][0]["uri"] == "media:frames/9/a/0001.png"


# --- the download -----------------------------------------------------------------------------


def test_the_download_names_its_file_and_type(api, jobs, version):
    job = export(api, jobs, version, format="coco")
    response = api.get(f"/api/jobs/{job.pk}/download/", HTTP_ACCEPT="application/zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    name = job.result["file_name"]
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert json.loads(b"".join(response.streaming_content))["images"]
    jsonl = export(api, jobs, version, format="hyperlabel")
    response = api.get(jsonl.result["download"])
    assert response["Content-Type"] == "application/jsonl"
    assert len(b"".join(response.streaming_content).splitlines()) == 4
    assert default_storage.exists(f"exports/{job.pk}/{name}")


def test_only_the_owner_and_managers_may_download(api, jobs, version, annotator):
    job = export(api, jobs, version, format="hyperlabel")
    assert status_of(token_client(annotator), job.result["download"]) == 404
    annotator_job = export(token_client(annotator), jobs, version, format="hyperlabel")
    assert annotator_job.created_by == annotator
    url = annotator_job.result["download"]
    assert status_of(token_client(AnnotatorFactory(username="other")), url) == 404
    assert status_of(token_client(annotator), url) == 200
    assert status_of(api, url) == 200  # a Manager


def test_anonymous_gets_401(client, api, jobs, version):
    job = export(api, jobs, version, format="hyperlabel")
    assert client.get(job.result["download"]).status_code == 401


def test_a_job_not_yet_done_answers_409_and_other_jobs_404(api, jobs, version, manager):
    with jobs.queued():
        job = export_start(version=version, user=manager, format="coco")
    response = api.get(f"/api/jobs/{job.pk}/download/")
    assert (response.status_code, response.json()["code"]) == (409, "job_not_succeeded")
    upload = Job.objects.create(kind=Job.Kind.UPLOAD, title="x", created_by=manager)
    assert api.get(f"/api/jobs/{upload.pk}/download/").status_code == 404


def test_an_export_of_a_deleted_task_fails_and_leaves_no_file(api, jobs, version, manager):
    task = make_task(version, manager)
    with jobs.queued():
        job = export_start(version=version, user=manager, format="coco", task=task)
    task.delete()
    jobs.run()
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "The task was deleted before its export ran.")
    assert not default_storage.exists(job.params["file"])
    assert api.get(f"/api/jobs/{job.pk}/download/").status_code == 409


def test_with_s3_storage_the_download_redirects_to_a_presigned_url(api, jobs, s3):
    version = VersionFactory(frames=odd_frames())
    job = export(api, jobs, version, format="coco", include_images=False)
    assert s3.names("exports/") == [job.params["file"]]
    response = api.get(job.result["download"])
    assert response.status_code == 302
    location = response["Location"]
    assert "response-content-disposition=attachment" in location
    status, body = fetch(location)
    assert status == 200
    assert len(json.loads(body)["images"]) == 4


def test_a_zip_goes_to_s3_as_it_is_written(api, jobs, s3):
    version = VersionFactory(frames=media_frames())
    job = export(api, jobs, version, format="hyperlabel", include_images=True)
    archive = zipfile.ZipFile(io.BytesIO(s3.read(job.params["file"])))
    assert archive.testzip() is None
    assert len(archive.namelist()) == 3
    assert job.result["report"]["images"] == 2


# --- streaming --------------------------------------------------------------------------------


def test_a_version_larger_than_a_chunk_keeps_each_frames_annotations(settings, version):
    from frames.exports import read_snapshot, version_records

    frames = VersionFrame.objects.of(version).sequential()
    with read_snapshot():
        records = list(version_records(frames, chunk=3))
    assert [r["id"] for r in records] == ["cam/0001", "cam/0002", "cam_0001", "empty"]
    assert records == [exported_frames(version)[r["id"]] for r in records]


def test_rows_come_from_a_server_side_cursor_on_postgresql(version):
    from django.db import connection

    from frames.exports import read_snapshot, version_records

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server-side cursors")
    with read_snapshot():
        records = version_records(VersionFrame.objects.of(version).sequential(), chunk=2)
        next(records)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
            assert cursor.fetchone()[0] == 1
        assert len(list(records)) == 3


# --- the command line -------------------------------------------------------------------------


def test_export_version_writes_the_file_and_prints_the_report(version, tmp_path):
    out = tmp_path / "version.json"
    stdout = io.StringIO()
    call_command(
        "export_version", str(version.pk), "--format", "coco", "--out", str(out), stdout=stdout
    )
    assert json.loads(stdout.getvalue())["frames"] == 4
    coco = COCO(str(out))
    assert (len(coco.imgs), len(coco.anns)) == (4, 8)


def test_export_version_takes_filters_and_images(tmp_path):
    version = VersionFactory(frames=media_frames())
    out = tmp_path / "empty.zip"
    filters = json.dumps([{"mode": "empty"}])
    call_command(
        "export_version",
        str(version.pk),
        *("--format", "hyperlabel", "--out", str(out), "--filters", filters, "--images"),
        stdout=io.StringIO(),
    )
    archive = zipfile.ZipFile(out)
    assert sorted(archive.namelist()) == ["frames.jsonl", "images/a_0001.png"]
    lines = archive.read("frames.jsonl").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a_0001", "web"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--filters", "[{"], "--filters is not valid JSON"),
        (["--filters", '[{"mode": "odd"}]'], "Mode is one of"),
        (["--task", "999999"], "No such task."),
    ],
)
def test_export_version_names_bad_settings_and_writes_nothing(version, tmp_path, options, message):
    out = tmp_path / "out.json"
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_version", str(version.pk), "--format", "coco", "--out", str(out), *options
        )
    assert not out.exists()


@pytest.mark.django_db(transaction=True)
def test_the_read_ahead_connection_reads_the_exports_snapshot_on_postgresql():
    from django.db import connection

    from frames.exports import read_snapshot, version_records
    from frames.models import Roi

    if connection.vendor != "postgresql":
        pytest.skip("SQLite exports read on one connection")
    version = VersionFactory(frames=odd_frames())
    expected = exported_frames(version)
    with read_snapshot() as snapshot:
        assert snapshot.shared
        records = version_records(
            VersionFrame.objects.of(version).sequential(), snapshot=snapshot, chunk=1
        )
        first = next(records)  # frames 1 and 2 are read; 3 and 4 after the delete below
        deleter = threading.Thread(target=delete_every_roi)
        deleter.start()
        deleter.join()
        rest = list(records)
    assert [first, *rest] == [expected[key] for key in KEYS]
    assert rest[1]["rois"]  # cam_0001's boxes, deleted after the export began
    assert not Roi.objects.exists()


def delete_every_roi() -> None:
    from django.db import connection

    from frames.models import Roi

    try:
        Roi.objects.all().delete()  # committed at once, on this thread's own connection
    finally:
        connection.close()


def test_images_of_an_s3_uri_come_from_their_bucket(api, jobs, s3, settings):
    from tests.s3 import make_bucket

    other = make_bucket(s3.client)
    s3.client.put_object(Bucket=other, Key="cats/cat.png", Body=b"\x89PNG cat")
    settings.S3_READ_BUCKETS = [other]
    s3.put("outside/dog.png", b"\x89PNG dog")
    frames = [frame_data("cat"), frame_data("dog"), frame_data("gone")]
    frames[0]["source"]["uri"] = f"s3://{other}/cats/cat.png"
    frames[1]["source"]["uri"] = f"s3://{s3.name}/outside/dog.png"
    frames[2]["source"]["uri"] = f"s3://{s3.name}/outside/gone.png"  # deleted since
    s3.put("outside/gone.png", b"x")
    version = VersionFactory(frames=frames)
    s3.client.delete_object(Bucket=s3.name, Key="outside/gone.png")
    try:
        job = export(api, jobs, version, format="coco", include_images=True)
        archive = zipfile.ZipFile(io.BytesIO(s3.read(job.params["file"])))
        assert archive.read("images/cat.png") == b"\x89PNG cat"
        assert archive.read("images/dog.png") == b"\x89PNG dog"
        assert job.result["report"]["images_missing"] == ["gone"]
    finally:
        s3.client.delete_object(Bucket=other, Key="cats/cat.png")
        s3.client.delete_bucket(Bucket=other)


def test_an_export_cancelled_while_it_ran_leaves_no_file(api, jobs, version, manager):
    with jobs.queued():
        job = export_start(version=version, user=manager, format="coco", include_images=True)
    # The user cancels while the worker runs it: the work ends, its success is refused.
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    jobs.run()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert not default_storage.exists(job.params["file"])
    assert api.get(f"/api/jobs/{job.pk}/download/").status_code == 409
