import pytest
from playwright.sync_api import expect

from datasets.services import dataset_create
from tests.frames.media_files import browser_png
from tests.job_runner import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_creates_a_dataset_and_uploads_images(logged_in_page, live_server, screenshot):
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/")
    page.fill("#id_name", "Street scenes")
    page.fill("#id_description", "Two test images")
    page.click("#dataset-create button[type=submit]")

    page.wait_for_url("**/datasets/*/")
    page.get_by_role("link", name="v1").click()
    page.wait_for_selector("#upload")
    page.set_input_files(
        "input[name=files]",
        [browser_png("red.png", (220, 40, 40)), browser_png("blue.png", (40, 60, 220))],
    )
    expect(page.locator("[data-file-list]")).to_contain_text("2 files chosen")
    page.click("#upload button[type=submit]")
    expect(page.locator("#version-jobs .job .badge")).to_have_text("Queued")
    run_queued_jobs()

    expect(page.locator("#toasts")).to_contain_text("Added 2 frames.")
    page.wait_for_selector(".frame-card >> nth=1")
    thumbs = page.locator(".frame-card img")
    assert thumbs.count() == 2
    page.wait_for_function(
        "[...document.querySelectorAll('.frame-card img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert sorted(page.locator(".frame-card__key").all_inner_texts()) == ["blue", "red"]
    screenshot(page, "version-with-uploads")


def test_publish_asks_in_a_modal_dialog_then_freezes_the_version(
    logged_in_page, live_server, manager, screenshot
):
    dataset = dataset_create(name="Harbour", user=manager)
    page = logged_in_page
    page.goto(f"{live_server.url}{dataset.get_absolute_url()}")

    page.click("text=Publish…")
    dialog = page.locator("dialog[open]")
    assert dialog.evaluate("element => element.matches(':modal')")
    page.keyboard.press("Escape")
    expect(page.locator("dialog")).to_have_count(0)  # removed once it has closed

    page.click("text=Publish…")
    screenshot(page, "publish-dialog")
    page.click("dialog button[type=submit]")

    page.wait_for_selector(".badge--published")
    assert "is Published and read-only now" in page.inner_text("#toasts")
    assert dataset.versions.get().is_published
