"""Export and import in real Chromium: the version page's Export… dialog queues a job whose
Download link appears once it ran, and the file downloads through the browser; Import
annotations… takes a COCO file into a Draft, with errors in place; the task menu's Export… follows
its job in the dialog. The test runs the queued jobs itself (tests.job_runner)."""

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.services import task_create
from datasets.models import Job
from datasets.services import dataset_create
from frames.models import Roi
from frames.services import frames_bulk_create
from tests.browser.conftest import axe_violations, image_uri
from tests.frames.factories import box, frame_data
from tests.job_runner import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(manager):
    """A Draft "Harbour / v1" with three pictured frames: boats, a buoy, and none."""
    version = dataset_create(name="Harbour", user=manager).versions.get()
    frames = []
    for index, rois in enumerate([[box("boat"), box("boat", x=100)], [box("buoy")], []]):
        data = frame_data(f"pier-{index}", context_id="pier", timestamp=index, rois=rois)
        data["source"]["uri"] = image_uri(f"pier-{index}", (40 + 60 * index, 120, 170))
        frames.append(data)
    frames_bulk_create(version=version, frames=frames)
    version.refresh_from_db()
    return version


def shot(page_or_locator, name: str, tmp_path: Path) -> None:
    """A screenshot of the page or of one element, without toasts, into $SCREENSHOT_DIR when set."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = getattr(page_or_locator, "page", page_or_locator)
    page.evaluate("document.querySelectorAll('#toasts [data-toast]').forEach((t) => t.remove())")
    page_or_locator.screenshot(path=str(folder / f"{name}.png"))


def open_export(page, live_server, version):
    page.goto(f"{live_server.url}{version.get_absolute_url()}")
    page.get_by_role("link", name="Export…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    return dialog


def test_a_coco_export_from_the_version_page_downloads_through_the_browser(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    expect(dialog.get_by_role("radio", name="COCO", exact=True)).to_be_checked()
    shot(page, "export-dialog", tmp_path)

    dialog.get_by_text("Hyperlabel JSON Lines").click()
    dialog.get_by_text("COCO", exact=True).click()
    expect(dialog.get_by_role("radio", name="COCO", exact=True)).to_be_checked()
    dialog.get_by_role("button", name="Export").click()

    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#toasts")).to_contain_text("queued")
    row = page.locator("#version-jobs .job")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Queued")

    assert run_queued_jobs() == 1

    download_link = row.get_by_role("link", name="Download")
    expect(download_link).to_be_visible()
    expect(row.locator(".badge")).to_have_text("Succeeded")
    expect(row.locator(".job__report")).to_contain_text("3")
    expect(row.locator(".job__report")).to_contain_text("box")
    shot(page.locator("#version-jobs"), "export-job-succeeded", tmp_path)
    shot(page, "version-with-a-finished-export", tmp_path)

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    coco = json.loads(Path(download.path()).read_text())
    assert sorted(image["file_name"] for image in coco["images"]) == [
        "pier-0.png",
        "pier-1.png",
        "pier-2.png",
    ]
    assert len(coco["annotations"]) == 3
    assert [category["name"] for category in coco["categories"]] == ["boat", "buoy"]


def test_a_voc_export_says_what_it_converted_and_skipped(
    logged_in_page, live_server, draft, tmp_path
):
    quay = frame_data(
        "quay",
        rois=[
            box("boat"),
            {"type": "polygon", "labels": ["jetty"], "points": [[5, 5], [60, 5], [30, 40]]},
            {"type": "keypoints", "labels": ["gull"], "points": [[9, 9], [12, 14]]},
        ],
        frame_labels=[{"labels": ["sunny"]}],
    )
    quay["source"]["uri"] = image_uri("quay", (90, 90, 200))
    frames_bulk_create(version=draft, frames=[quay])
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    dialog.get_by_text("Pascal VOC").click()
    dialog.get_by_role("button", name="Export").click()
    expect(page.locator("#version-jobs .job .badge")).to_have_text("Queued")
    run_queued_jobs()

    report = page.locator("#version-jobs .job__report")
    expect(report).to_contain_text("4 boxes")
    expect(report.locator(".job__report-skipped")).to_contain_text("VOC holds boxes only")
    expect(report).to_contain_text("polygon → box")
    expect(page.get_by_role("link", name="Download")).to_have_attribute(
        "href", f"/api/jobs/{Job.objects.get().pk}/download/"
    )
    shot(page.locator("#version-jobs"), "export-job-voc-report", tmp_path)


def test_detection_results_turn_the_images_box_off_and_say_why(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    images = dialog.get_by_role("checkbox", name="Include the images")
    images.check()

    dialog.get_by_text("COCO detection results").click()
    expect(images).to_be_disabled()
    expect(images).not_to_be_checked()
    expect(dialog.locator("#export-images")).to_contain_text("cannot carry images")
    shot(page, "export-dialog-detection-results", tmp_path)

    dialog.get_by_text("YOLO (Ultralytics)").click()
    expect(images).to_be_enabled()


def test_export_by_label_follows_a_live_count_and_starts_the_job(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    count = dialog.locator("[data-frame-count]")
    expect(count).to_have_text("3")
    rules = dialog.locator("#rules")
    expect(rules).to_be_hidden()

    dialog.get_by_text("Empty frames", exact=True).click()
    expect(count).to_have_text("1")
    dialog.get_by_text("By label", exact=True).click()
    expect(rules).to_be_visible()
    expect(count).to_have_text("2")  # a blank rule: any annotation
    expect(dialog.locator("#version-labels option")).to_have_count(2)
    dialog.locator("#id_rules-0-labels").fill("boat")
    expect(count).to_have_text("1")
    shot(page, "export-dialog-by-label", tmp_path)

    dialog.get_by_role("button", name="Export").click()

    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#toasts")).to_contain_text("filtered as COCO: queued")
    row = page.locator("#version-jobs .job")
    expect(row.locator(".badge")).to_have_text("Queued")
    assert run_queued_jobs() == 1
    expect(row.locator(".badge")).to_have_text("Succeeded")
    job = Job.objects.get()
    assert job.result["report"]["frames"] == 1
    assert job.params["filters"][0]["rules"][0]["labels"] == ["boat"]


def test_export_rules_are_added_and_removed_in_the_dialog(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    dialog.get_by_text("By label", exact=True).click()
    dialog.locator("#id_rules-0-labels").fill("boat")
    dialog.get_by_role("button", name="Add label rule").click()

    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".rule")).to_have_count(2)
    expect(dialog.locator("#id_rules-1-labels")).to_be_focused()
    expect(dialog.locator("#id_rules-0-labels")).to_have_value("boat")
    dialog.locator("#id_rules-1-labels").fill("buoy")
    dialog.locator("#id_rules-1-exclude").select_option("exclude")
    count = dialog.locator("[data-frame-count]")
    expect(count).to_have_text("1")
    shot(page, "export-dialog-two-rules", tmp_path)

    dialog.get_by_role("button", name="Remove rule 1").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".rule")).to_have_count(1)
    expect(dialog.locator("#id_rules-0-labels")).to_have_value("buoy")
    expect(dialog.locator("[data-frame-count]")).to_have_text("2")  # all but the buoy's
    assert not Job.objects.exists()


def test_export_filter_errors_show_in_place_and_start_no_job(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_export(page, live_server, draft)
    dialog.get_by_text("By label", exact=True).click()
    dialog.get_by_title("Lucene query for this rule").click()
    dialog.locator("#id_rules-0-query").fill("label:(boat")
    errors = dialog.locator("#id_rules-0-query_errors")
    expect(errors).to_contain_text(re.compile(r"position \d+"))  # live, from the count
    expect(dialog.locator("[data-frame-count]")).to_have_count(0)

    dialog.locator("#id_rules-0-query").fill("")
    expect(errors).to_be_empty()
    dialog.locator("#id_rules-0-conf_min").fill("0.9")
    dialog.locator("#id_rules-0-conf_max").fill("0.2")
    dialog.get_by_role("button", name="Export").click()

    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#rules-0-errors")).to_contain_text(
        "Confidence from: The minimum 0.9 is above the maximum 0.2."
    )
    expect(dialog.locator("#export-form-errors")).to_contain_text("A label rule needs fixing")
    expect(dialog.locator("#id_rules-0-conf_min")).to_have_value("0.9")
    shot(page, "export-dialog-with-an-error", tmp_path)
    assert axe_violations(page) == []
    assert not Job.objects.exists()

    dialog.locator("#id_rules-0-conf_max").fill("1")
    expect(dialog.locator("[data-frame-count]")).to_have_text("2")  # confidence 0.9 to 1
    expect(dialog.locator("#export-form-errors")).to_be_empty()
    expect(dialog.locator("#rules-0-errors")).to_be_empty()
    dialog.get_by_label("Frame query").fill("context_id:(pier")
    expect(dialog.locator("#id_frame_query_errors")).to_contain_text("position 16")
    dialog.get_by_role("button", name="Export").click()

    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#id_frame_query_errors")).to_contain_text("position 16")
    expect(dialog.get_by_label("Frame query")).to_have_value("context_id:(pier")
    assert not Job.objects.exists()


COCO = {
    "images": [
        {"id": 7, "file_name": "pier-2.png", "width": 640, "height": 480},
        {"id": 8, "file_name": "pier-1.png", "width": 640, "height": 480},
    ],
    "categories": [{"id": 1, "name": "gull"}],
    "annotations": [
        {"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40], "area": 1200},
        {"id": 2, "image_id": 8, "category_id": 1, "bbox": [50, 60, 10, 10], "area": 100},
    ],
}


def open_import(page, live_server, version):
    page.goto(f"{live_server.url}{version.get_absolute_url()}")
    page.get_by_role("link", name="Import annotations…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    return dialog


def test_a_coco_file_imports_into_a_draft_through_the_dialog(
    logged_in_page, live_server, draft, tmp_path
):
    page = logged_in_page
    dialog = open_import(page, live_server, draft)
    gulls = {
        "name": "gulls.json",
        "mimeType": "application/json",
        "buffer": json.dumps(COCO).encode(),
    }
    dialog.locator("input[name=file]").set_input_files(gulls)
    expect(dialog.locator("[data-file-list]")).to_have_text("1 file chosen: gulls.json")
    shot(page, "import-dialog", tmp_path)

    dialog.locator("input[name=file]").set_input_files([])
    dialog.get_by_role("button", name="Import").click()  # no file
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#id_file_error")).to_be_visible()
    shot(page, "import-dialog-with-an-error", tmp_path)
    assert not Job.objects.exists()

    dialog.locator("input[name=file]").set_input_files(gulls)
    dialog.get_by_text("COCO", exact=True).click()
    dialog.get_by_role("button", name="Import").click()

    expect(page.locator("dialog[open]")).to_have_count(0)
    row = page.locator("#version-jobs .job")
    expect(row.locator(".badge")).to_have_text("Queued")
    run_queued_jobs()

    expect(row.locator(".badge")).to_have_text("Succeeded")
    report = row.locator(".job__report")
    expect(report).to_contain_text("Frames matched")
    expect(report.locator("dd").nth(1)).to_have_text("2")
    expect(report.locator("dd").nth(2)).to_have_text("2")
    shot(page.locator("#version-jobs"), "import-job-succeeded", tmp_path)
    assert sum(roi.labels == ["gull"] for roi in Roi.objects.all()) == 2


def test_a_broken_file_fails_its_import_in_place(logged_in_page, live_server, draft):
    page = logged_in_page
    dialog = open_import(page, live_server, draft)
    dialog.locator("input[name=file]").set_input_files(
        {"name": "broken.json", "mimeType": "application/json", "buffer": b'{"images": ['}
    )
    dialog.get_by_text("COCO", exact=True).click()
    dialog.get_by_role("button", name="Import").click()

    row = page.locator("#version-jobs .job")
    if page.locator("dialog[open] .notice--error, dialog[open] .field__errors").count():
        return  # refused at once, in the dialog
    expect(row.locator(".badge")).to_have_text("Queued")
    run_queued_jobs()
    expect(row.locator(".badge")).to_have_text("Failed")
    expect(row.locator(".job__message--error")).to_be_visible()


def test_the_task_menu_exports_the_tasks_frames_and_the_dialog_follows_the_job(
    logged_in_page, live_server, draft, manager, tmp_path
):
    task_create(
        name="Boats",
        version=draft,
        filters=[{"mode": "by_label", "rules": [{"labels": ["boat"]}]}],
        iteration={"order": "sequential"},
        user=manager,
    )
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.locator(".task-card summary").click()
    page.get_by_role("menuitem", name="Export…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("The task’s 1 frame in the task’s order")
    shot(page, "task-export-dialog", tmp_path)

    dialog.get_by_text("Hyperlabel JSON Lines").click()
    dialog.get_by_role("button", name="Export").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".job .badge")).to_have_text("Queued")

    run_queued_jobs()

    expect(dialog.locator(".job .badge")).to_have_text("Succeeded")
    download_link = dialog.get_by_role("link", name="Download")
    expect(download_link).to_be_visible()
    shot(page, "task-export-dialog-done", tmp_path)
    with page.expect_download() as info:
        download_link.click()
    lines = Path(info.value.path()).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["pier-0"]
