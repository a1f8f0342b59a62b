"""Export and import from the pages: the version page's Export… and Import annotations… dialogs,
the task menu's Export…, and what the Jobs list shows once they ran (Download, the reports)."""

import json

import pytest
from django.urls import reverse

from annotations import exports
from annotations.services import task_create
from datasets.forms import EXPORT_FORMATS, IMPORT_FORMATS
from datasets.jobs import job_create
from datasets.models import Job, Version
from datasets.services import dataset_create
from frames import imports
from frames.models import Roi
from frames.services import frames_bulk_create
from tests.annotations.factories import UserFactory
from tests.frames.factories import box, frame_data
from tests.frames.media_files import upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(manager) -> Version:
    """A Draft with three frames: two cars (one also a bus, in the rain) and an empty one."""
    version = dataset_create(name="streets", user=manager).versions.get()
    frames_bulk_create(
        version=version,
        frames=[
            frame_data("a", context_id="cam1", rois=[box("car"), box("bus")], meta={"w": "rain"}),
            frame_data("b", context_id="cam2", rois=[box("car", x=50)]),
            frame_data("c", context_id="cam2"),
        ],
    )
    version.refresh_from_db()
    return version


def url(name: str, version: Version) -> str:
    return reverse(f"datasets:{name}", args=[version.pk])


def toast_of(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


def export_job(version, user, **result) -> Job:
    """A succeeded export as the export engine leaves it (its result and message)."""
    job = job_create(
        kind=Job.Kind.EXPORT, title="Export of streets / v1 (COCO)", user=user, version=version
    )
    report = {
        "frames": 3,
        "written": {"box": 3},
        "converted": {},
        "skipped": {},
        "images": 0,
        "images_missing": [],
    }
    result = {
        "download": f"/api/jobs/{job.pk}/download/",
        "file_name": "streets-v1-coco.json",
        "report": report,
        **result,
    }
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, result=result)
    job.refresh_from_db()
    return job


def jobs_section(html: str) -> str:
    return html.split('id="version-jobs"')[1].split('aria-labelledby="frames-title"')[0]


# The version page's actions


def test_the_version_page_offers_export_to_readers_and_import_to_those_who_add_frames(
    client, draft, manager, annotator
):
    client.force_login(manager)
    html = client.get(url("version_detail", draft)).text
    assert f'href="{url("version_export", draft)}"' in html
    assert f'href="{url("version_import", draft)}"' in html
    assert "Import annotations…" in html

    client.force_login(annotator)
    html = client.get(url("version_detail", draft)).text
    assert "Export…" in html
    assert "Import annotations…" not in html


def test_a_published_version_offers_export_but_no_import(manager_client, draft, manager):
    from annotations.services import version_publish

    version_publish(version=draft, user=manager)
    html = manager_client.get(url("version_detail", draft)).text
    assert "Export…" in html
    assert "Import annotations…" not in html


# The Export… dialog


def test_the_dialogs_offer_exactly_the_formats_the_engines_take():
    assert [value for value, *_ in EXPORT_FORMATS] == list(exports.EXPORT_FORMATS)
    assert sorted(value for value, *_ in IMPORT_FORMATS) == sorted(imports.IMPORT_FORMATS)


def test_the_export_dialog_lists_every_format_with_a_line_on_it(manager_client, draft):
    response = manager_client.get(url("version_export", draft), **HTMX)

    html = response.text
    assert html.lstrip().startswith("<dialog")
    assert "data-modal" in html
    for value in ("hyperlabel", "coco", "coco-results", "yolo", "voc"):
        assert f'value="{value}"' in html
    assert "for pycocotools, Detectron2 and MMDetection" in html
    assert 'value="coco"' in html.split("checked")[0].rsplit("<input", 1)[1]  # COCO first pick
    assert 'name="include_images"' in html


def test_the_export_dialog_offers_the_task_forms_frame_filter(manager_client, draft):
    html = manager_client.get(url("version_export", draft), **HTMX).text

    for mode in ("All frames", "Empty frames", "By label"):
        assert f"<span>{mode}</span>" in html
    assert 'name="mode" value="all" id="id_mode_0" required checked' in html
    assert 'name="frame_query"' in html
    assert 'id="id_rules-0-labels" value="" list="version-labels"' in html
    assert 'name="rules-TOTAL_FORMS" value="1"' in html
    assert 'name="rule_action" value="add"' in html
    assert '<datalist id="version-labels"><option value="bus"></option>' in html
    assert '<option value="car">' in html
    assert "<strong data-frame-count>3</strong> of 3 frames" in html  # All frames: the version
    assert f'hx-post="{url("version_export_count", draft)}"' in html


def test_without_javascript_the_export_dialog_is_a_page(manager_client, draft):
    html = manager_client.get(url("version_export", draft)).text
    assert "<html" in html
    assert "<dialog" in html
    assert " open>" in html
    assert 'action="' + url("version_export", draft) in html


def test_detection_results_cannot_include_images_and_the_dialog_says_why(manager_client, draft):
    images = url("version_export", draft) + "?part=images"

    off = manager_client.get(images + "&format=coco-results&include_images=on", **HTMX).text
    on = manager_client.get(images + "&format=yolo&include_images=on", **HTMX).text

    assert off.lstrip().startswith('<div class="check check--disabled" id="export-images">')
    assert " disabled" in off
    assert " checked" not in off
    assert "cannot carry images" in off
    assert " disabled" not in on
    assert " checked" in on


def test_a_bad_frame_query_is_shown_beside_its_field(manager_client, draft):
    response = manager_client.post(
        url("version_export", draft),
        {"format": "coco", "mode": "all", "frame_query": "meta.w:"},
        **HTMX,
    )

    errors = response.text.split('id="id_frame_query_errors"')[1].split("</ul>")[0]
    assert "<li>Unexpected end of query at position 7" in errors
    assert 'value="meta.w:"' in response.text  # the query is kept
    assert not Job.objects.exists()


def test_an_unknown_format_is_refused(manager_client, draft):
    response = manager_client.post(
        url("version_export", draft), {"format": "csv", "mode": "all"}, **HTMX
    )
    assert "Select a valid choice" in response.text
    assert not Job.objects.exists()


def test_export_needs_a_login_and_view_permission(client, draft):
    response = client.get(url("version_export", draft))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url("version_export", draft)).status_code == 403


def test_export_queues_a_job_that_the_jobs_list_shows_and_closes_the_dialog(
    manager_client, draft, jobs
):
    with jobs.queued():
        response = manager_client.post(
            url("version_export", draft), {"format": "coco", "mode": "all"}, **HTMX
        )

    job = Job.objects.get()
    assert job.kind == Job.Kind.EXPORT
    assert job.version == draft
    assert toast_of(response)["message"] == f"{job.title}: queued."
    before_jobs = response.text.split('<section id="version-jobs"')[0]
    assert before_jobs.strip() == ""  # the dialog slot empties: the dialog goes
    assert 'hx-swap-oob="true"' in response.text
    assert f'id="job-{job.pk}"' in response.text
    assert 'hx-trigger="every 1s"' in response.text  # the list polls until it ends


def test_a_finished_export_shows_its_download_link_and_report(manager_client, draft, jobs):
    with jobs.queued():
        manager_client.post(url("version_export", draft), {"format": "coco", "mode": "all"})
    jobs.run()

    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    html = jobs_section(manager_client.get(url("version_detail", draft)).text)
    assert f'href="{job.result["download"]}"' in html
    assert job.result["download"] == f"/api/jobs/{job.pk}/download/"
    assert job.result["file_name"] in html
    assert "<dt>Frames</dt><dd><strong>3</strong></dd>" in html
    assert "<strong>3</strong> boxes" in html

    download = manager_client.get(job.result["download"])
    assert download.status_code == 200
    coco = json.loads(b"".join(download.streaming_content))
    assert len(coco["images"]) == 3
    assert len(coco["annotations"]) == 3


def test_without_javascript_an_export_returns_to_the_version_page(manager_client, draft, jobs):
    with jobs.queued():
        response = manager_client.post(
            url("version_export", draft), {"format": "hyperlabel", "mode": "all"}
        )
    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    assert Job.objects.get().kind == Job.Kind.EXPORT


def test_detection_results_ignore_a_checked_images_box_sent_without_javascript(
    manager_client, draft, jobs
):
    with jobs.queued():
        manager_client.post(
            url("version_export", draft),
            {"format": "coco-results", "mode": "all", "include_images": "on"},
        )
    jobs.run()

    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["file_name"].endswith(".json")


# The Jobs list: an export's and an import's results


def test_a_succeeded_export_row_has_a_download_button_and_says_what_it_lost(
    manager_client, draft, manager
):
    job = export_job(
        draft,
        manager,
        report={
            "frames": 12,
            "written": {"box": 30, "polygon": 4},
            "converted": {"polygon → box": 4},
            "skipped": {"keypoints: VOC holds boxes only": 2},
            "images": 11,
            "images_missing": ["street-7"],
        },
    )

    html = jobs_section(manager_client.get(url("version_detail", draft)).text)

    assert f'id="job-{job.pk}-download"' in html
    assert f'href="/api/jobs/{job.pk}/download/"' in html
    assert "streets-v1-coco.json" in html
    assert "Ready to download." in html
    assert "<strong>30</strong> boxes" in html
    assert "<strong>4</strong> polygons" in html
    assert "<dt>Converted</dt>" in html
    assert "<strong>4</strong> polygon → box" in html
    assert "<strong>2</strong> keypoints: VOC holds boxes only" in html
    assert "<strong>11</strong> in the zip" in html
    assert "street-7" in html
    assert "Nothing converted or skipped" not in html


def test_a_lossless_export_says_so(manager_client, draft, manager):
    export_job(draft, manager)
    html = jobs_section(manager_client.get(url("version_detail", draft)).text)
    assert "Nothing converted or skipped." in html
    assert "<dt>Images</dt>" not in html


def test_an_export_that_ends_leaves_the_frame_grid_alone(manager_client, draft, manager):
    job = export_job(draft, manager)
    poll = reverse("datasets:version_jobs", args=[draft.pk]) + f"?watching={job.pk}"

    response = manager_client.get(poll, **HTMX)

    assert toast_of(response)["level"] == "success"
    assert f'id="job-{job.pk}-download"' in response.text
    assert 'id="frame-grid"' not in response.text  # an export changes no frame


def test_the_jobs_page_shows_the_download_too(manager_client, draft, manager):
    job = export_job(draft, manager)
    html = manager_client.get(reverse("datasets:job_list")).text
    assert f'href="/api/jobs/{job.pk}/download/"' in html


def test_a_succeeded_import_row_reports_what_it_created_matched_and_skipped(
    manager_client, draft, manager
):
    job = job_create(kind=Job.Kind.IMPORT, title="Import of “a.json”", user=manager, version=draft)
    skipped = [
        {"file": "a.json", "index": index, "reason": "A line has no area."} for index in range(22)
    ]
    result = {"frames_created": 0, "frames_matched": 3, "rois_created": 5, "skipped": skipped}
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, result=result)

    html = jobs_section(manager_client.get(url("version_detail", draft)).text)

    assert "<dt>Frames matched</dt><dd><strong>3</strong></dd>" in html
    assert "<dt>ROIs added</dt><dd><strong>5</strong></dd>" in html
    assert html.count("A line has no area.") == 20
    assert "and 2 more" in html
    assert "Download" not in html


# The Import annotations… dialog


def coco_file(name="labels.json") -> object:
    """COCO annotations for the Draft's frames "a" and "c" (matched by file name)."""
    coco = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
            {"id": 2, "file_name": "c.jpg", "width": 640, "height": 480},
        ],
        "categories": [{"id": 1, "name": "truck"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "area": 100},
            {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 2, 30, 40], "area": 1200},
        ],
    }
    return upload(name, json.dumps(coco).encode())


def test_the_import_dialog_asks_for_a_file_and_its_format(manager_client, draft):
    html = manager_client.get(url("version_import", draft), **HTMX).text
    assert html.lstrip().startswith("<dialog")
    assert 'type="file" name="file"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    for value in ("coco", "yolo", "voc", "hyperlabel"):
        assert f'value="{value}"' in html


def test_import_is_for_those_who_add_frames(annotator_client, draft):
    assert annotator_client.get(url("version_import", draft)).status_code == 403
    response = annotator_client.post(url("version_import", draft), {"format": "coco"})
    assert response.status_code == 403


def test_a_published_version_takes_no_import(manager_client, draft, manager):
    from annotations.services import version_publish

    version_publish(version=draft, user=manager)
    response = manager_client.post(
        url("version_import", draft), {"format": "coco", "file": coco_file()}, **HTMX
    )
    assert "is Published and read-only" in response.text
    assert '<button type="submit"' not in response.text
    assert not Job.objects.exists()


def test_an_import_without_a_file_is_refused_in_place(manager_client, draft):
    response = manager_client.post(url("version_import", draft), {"format": "coco"}, **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<dialog")
    assert 'id="id_file_error"' in response.text
    assert not Job.objects.exists()


def test_a_file_the_format_cannot_take_is_refused_beside_the_file(manager_client, draft):
    response = manager_client.post(
        url("version_import", draft), {"format": "yolo", "file": coco_file()}, **HTMX
    )

    errors = response.text.split('id="id_file_error"')[1].split("</ul>")[0]
    assert "labels.json" in errors
    assert ".zip" in errors
    assert not Job.objects.exists()


def test_an_import_queues_a_job_whose_report_the_jobs_list_shows(manager_client, draft, jobs):
    with jobs.queued():
        response = manager_client.post(
            url("version_import", draft), {"format": "coco", "file": coco_file()}, **HTMX
        )

    job = Job.objects.get()
    assert job.kind == Job.Kind.IMPORT
    assert toast_of(response)["message"] == f"{job.title}: queued."
    assert f'id="job-{job.pk}"' in response.text
    jobs.run()

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["frames_matched"] == 2
    assert job.result["rois_created"] == 2
    assert [roi.labels for roi in Roi.objects.filter(labels__isnull=False)].count(["truck"]) == 2
    html = jobs_section(manager_client.get(url("version_detail", draft)).text)
    assert "<dt>Frames matched</dt><dd><strong>2</strong></dd>" in html
    assert "<dt>ROIs added</dt><dd><strong>2</strong></dd>" in html


def test_an_import_the_job_refuses_shows_its_errors_in_the_jobs_list(manager_client, draft, jobs):
    bad = upload("broken.json", b'{"images": [')
    with jobs.queued():
        response = manager_client.post(
            url("version_import", draft), {"format": "coco", "file": bad}, **HTMX
        )
    if not Job.objects.exists():  # refused at once: then in the dialog
        assert 'class="notice notice--error"' in response.text or "field__errors" in response.text
        return
    jobs.run()

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    html = jobs_section(manager_client.get(url("version_detail", draft)).text)
    assert "job__message--error" in html
    assert job.message in html


# The task menu's Export…


@pytest.fixture
def task(draft, manager):
    return task_create(
        name="Label cars",
        version=draft,
        filters=[{"mode": "by_label", "rules": [{"labels": ["car"]}]}],
        iteration={"order": "sequential"},
        user=manager,
    )


def task_url(task, name="task_export") -> str:
    return reverse(f"annotations:{name}", args=[task.pk])


def test_the_task_menu_offers_export(manager_client, task):
    html = manager_client.get(reverse("annotations:task_list")).text
    assert f'href="{task_url(task)}"' in html
    assert "Export…" in html


def test_the_task_export_dialog_has_no_scope(manager_client, task):
    html = manager_client.get(task_url(task), **HTMX).text
    assert html.lstrip().startswith("<dialog")
    assert 'value="yolo"' in html
    assert 'name="mode"' not in html
    assert 'name="frame_query"' not in html
    assert 'name="rules-TOTAL_FORMS"' not in html
    assert "data-frame-count" not in html
    assert "The task’s 2 frames in the task’s order" in html


def test_a_task_export_follows_its_job_in_the_dialog_to_the_download(manager_client, task, jobs):
    with jobs.queued():
        response = manager_client.post(task_url(task), {"format": "coco"}, **HTMX)

    job = Job.objects.get()
    assert job.version == task.version
    assert toast_of(response)["message"] == f"{job.title}: queued."
    assert response.text.lstrip().startswith("<dialog")
    assert f'hx-get="{task_url(task)}?job={job.pk}"' in response.text
    assert "Cancel" not in response.text.split('id="export-job"')[1].split("</ul>")[0]

    jobs.run()
    row = manager_client.get(f"{task_url(task)}?job={job.pk}", **HTMX).text
    assert row.lstrip().startswith('<ul class="job-list job-list--boxed" id="export-job"')
    assert "hx-trigger" not in row  # ended: the polling stops
    job.refresh_from_db()
    assert f'href="{job.result["download"]}"' in row
    assert "<dt>Frames</dt><dd><strong>2</strong></dd>" in row

    download = manager_client.get(job.result["download"])
    coco = json.loads(b"".join(download.streaming_content))
    assert [image["file_name"] for image in coco["images"]] == ["a.jpg", "b.jpg"]


def test_a_task_export_without_javascript_goes_to_the_version_page(manager_client, task, jobs):
    with jobs.queued():
        response = manager_client.post(task_url(task), {"format": "voc"})
    assert response.status_code == 302
    assert response["Location"] == task.version.get_absolute_url()


def test_the_dialog_follows_only_a_job_the_user_may_see(client, task, manager, annotator):
    job = job_create(kind=Job.Kind.EXPORT, title="Theirs", user=manager, version=task.version)
    client.force_login(annotator)
    assert client.get(f"{task_url(task)}?job={job.pk}", **HTMX).status_code == 404
    assert client.get(f"{task_url(task)}?job=99999999999999999999", **HTMX).status_code == 404
    client.force_login(manager)
    assert client.get(f"{task_url(task)}?job={job.pk}", **HTMX).status_code == 200
