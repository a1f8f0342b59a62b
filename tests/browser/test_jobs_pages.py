"""Jobs in real Chromium: an upload from the version page queues a job that the page follows (its
progress, then its frames, with no reload), a bad file fails it in place, Cancel stops a queued one,
and the Jobs page follows jobs the same way. The test runs the queued jobs itself, with the
configured backend's real worker code (tests.job_runner)."""

import pytest
from playwright.sync_api import expect

from datasets.jobs import job_create
from datasets.models import Job
from datasets.services import dataset_create
from frames.models import Frame
from tests.frames.media_files import browser_png
from tests.job_runner import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(manager):
    return dataset_create(name="Harbour", user=manager).versions.get()


def upload(page, files: list[dict]) -> None:
    page.set_input_files("input[name=files]", files)
    page.click("#upload button[type=submit]")


def test_an_upload_shows_its_job_then_its_frames_without_a_reload(
    logged_in_page, live_server, draft, screenshot
):
    page = logged_in_page
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    expect(page.locator("#version-jobs")).to_be_hidden()
    page.evaluate("window.notReloaded = true")

    upload(page, [browser_png("red.png", (220, 40, 40)), browser_png("blue.png", (40, 60, 220))])

    expect(page.locator("#toasts")).to_contain_text("queued")
    job = page.locator("#version-jobs .job")
    expect(job).to_have_count(1)
    expect(job.locator(".badge")).to_have_text("Queued")
    expect(job).to_contain_text("Upload of 2 images to Harbour / v1")
    expect(job.locator("progress")).to_have_js_property("position", -1)  # indeterminate
    expect(page.locator("#version-jobs")).to_have_attribute("hx-trigger", "every 1s")

    assert run_queued_jobs() == 1

    # The toast first: it leaves after a few seconds.
    expect(page.locator("#toasts")).to_contain_text("Added 2 frames.")
    expect(job.locator(".badge")).to_have_text("Succeeded")
    expect(job.locator("progress")).to_have_js_property("position", 1)  # value == max: done
    expect(job).to_contain_text("2 of 2 frames")
    expect(job).to_contain_text("Added 2 frames.")
    expect(page.locator(".frame-card")).to_have_count(2)
    expect(page.locator("#version-header")).to_contain_text("2 frames")
    expect(page.locator("#version-jobs")).not_to_have_attribute("hx-trigger", "every 1s")
    page.wait_for_function(
        "[...document.querySelectorAll('.frame-card img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert sorted(page.locator(".frame-card__key").all_inner_texts()) == ["blue", "red"]
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "version-with-a-finished-upload")


def test_an_upload_with_a_file_that_is_not_an_image_fails_in_place(
    logged_in_page, live_server, draft
):
    page = logged_in_page
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    fake = {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"not an image"}

    upload(page, [browser_png("good.png", (10, 200, 10)), fake])
    expect(page.locator("#version-jobs .job .badge")).to_have_text("Queued")
    run_queued_jobs()

    job = page.locator("#version-jobs .job")
    expect(job.locator(".badge")).to_have_text("Failed")
    expect(job.locator(".job__message--error")).to_contain_text("broken.jpg")
    expect(page.locator("#toasts .toast--error")).to_contain_text("broken.jpg")
    expect(page.locator("#frame-grid")).to_contain_text("No frames yet")
    assert not Frame.objects.exists()


def test_cancel_stops_a_queued_upload_before_it_starts(logged_in_page, live_server, draft):
    page = logged_in_page
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    upload(page, [browser_png("red.png", (220, 40, 40))])
    job = page.locator("#version-jobs .job")
    expect(job.locator(".badge")).to_have_text("Queued")

    page.once("dialog", lambda dialog: dialog.accept())
    job.get_by_role("button", name="Cancel").click()

    expect(job.locator(".badge")).to_have_text("Cancelled")
    expect(job).to_contain_text("Cancelled before it started")
    expect(job.get_by_role("button", name="Cancel")).to_have_count(0)
    run_queued_jobs()
    assert Job.objects.get().status == Job.Status.CANCELLED
    assert not Frame.objects.exists()


def test_the_jobs_page_follows_a_job_until_it_ends(
    logged_in_page, live_server, draft, manager, screenshot
):
    page = logged_in_page
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    upload(page, [browser_png("red.png", (220, 40, 40))])
    expect(page.locator("#version-jobs .job .badge")).to_have_text("Queued")
    job_create(kind=Job.Kind.MEDIA_CLEANUP, title="Media cleanup of 3 files", user=manager)

    page.get_by_role("link", name="Jobs", exact=True).click()
    expect(page.locator("h1")).to_have_text("Jobs")
    rows = page.locator("#job-table .job")
    expect(rows).to_have_count(2)
    upload_row = rows.filter(has_text="Upload of “red.png”")
    expect(upload_row.get_by_role("link", name="Harbour / v1")).to_be_visible()

    run_queued_jobs()  # the upload; the cleanup job above was never queued
    expect(page.locator("#toasts")).to_contain_text("Added 1 frame.")
    expect(upload_row.locator(".badge")).to_have_text("Succeeded")
    screenshot(page, "jobs-page")

    upload_row.get_by_role("link", name="Harbour / v1").click()
    expect(page.locator(".frame-card")).to_have_count(1)
