"""A task's Info in Chromium: a Manager sees who holds which item and releases or reassigns it
(htmx posting to the items API with the session and CSRF header); per-annotator counts."""

import pytest
from playwright.sync_api import expect

from annotations.models import TaskItem
from annotations.services import frame_save, task_item_done, task_next
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held_task(manager):
    version = VersionFactory(
        frames=[frame_data(f"f{i}", rois=[box("car")]) for i in range(6)],
        name="v1",
        dataset=DatasetFactory(name="Streets"),
    )
    task = make_task(version, manager, "Check cars")
    alice, bob = AnnotatorFactory(username="alice"), AnnotatorFactory(username="bob")
    done = task_next(task=task, user=alice)
    frame_save(version=task.version, key="f0", revision=1, user=alice, meta={"ok": True})
    task_item_done(task=task, position=done.position, user=alice)
    task_next(task=task, user=alice)
    task_next(task=task, user=bob)
    return task


def test_a_manager_reassigns_and_releases_held_items_on_the_info_page(
    logged_in_page, live_server, held_task, screenshot
):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/{held_task.pk}/info/")
    holders = page.locator("#task-holders")
    expect(holders.locator("tr[data-holder]")).to_have_count(2)
    expect(page.locator(".info-section", has_text="Annotators")).to_contain_text("alice")
    screenshot(page, "task-info-holders")

    row = holders.locator("tr[data-holder='2']")
    row.get_by_label("Assign item 3 to").select_option("alice")
    with page.expect_response(lambda r: r.url.endswith("/assign/")) as assigned:
        row.get_by_role("button", name="Assign").click()
    assert assigned.value.status == 200, assigned.value.text()
    expect(holders.locator("tr[data-holder='2'] td").nth(1)).to_have_text("alice")
    assert TaskItem.objects.get(task=held_task, position=2).claimed_by.username == "alice"

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.url.endswith("/release/")) as released:
        holders.locator("tr[data-holder='1']").get_by_role("button", name="Release").click()
    assert released.value.status == 200, released.value.text()
    expect(page.locator("#task-holders tr[data-holder]")).to_have_count(1)
    assert TaskItem.objects.get(task=held_task, position=1).status == "todo"
