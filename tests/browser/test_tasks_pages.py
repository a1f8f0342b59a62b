import re

import pytest
from playwright.sync_api import expect

from annotations.models import AnnotationTask
from annotations.services import task_create
from tests.annotations.factories import make_task
from tests.browser.conftest import add_second_label_rule, log_in
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def streets():
    """Five frames: three with cars (one of them occluded), one with a bus, one empty."""
    return VersionFactory(
        frames=[
            frame_data("f1", context_id="cam", timestamp=1, rois=[box("car", confidence=0.9)]),
            frame_data("f2", context_id="cam", timestamp=2, rois=[box("car", confidence=0.4)]),
            frame_data(
                "f3", context_id="cam", timestamp=3, rois=[box("car", meta={"occluded": True})]
            ),
            frame_data("f4", context_id="cam", timestamp=4, rois=[box("bus")]),
            frame_data("f5", context_id="cam", timestamp=5),
        ],
        name="v1",
        dataset=DatasetFactory(name="Streets"),
    )


def open_menu_item(page, task_name: str, item: str) -> None:
    card = page.locator(".task-card", has_text=task_name)
    card.locator("summary").click()
    card.get_by_role("menuitem", name=item).click()


def test_create_a_by_label_task_with_a_lucene_query_and_a_live_count(
    logged_in_page, live_server, streets, screenshot
):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.get_by_role("link", name="Add new annotation").first.click()
    page.wait_for_url("**/tasks/new/")

    page.fill("#id_name", "Occluded cars")
    page.select_option("#id_version", str(streets.pk))
    count = page.locator("[data-frame-count]")
    expect(count).to_have_text("5")

    page.get_by_text("By label", exact=True).click()
    page.fill("#id_rules-0-labels", "car")
    expect(count).to_have_text("3")
    expect(page.locator("#version-labels option")).to_have_count(2)

    page.get_by_title("Lucene query for this rule").click()
    page.fill("#id_rules-0-query", "meta.occluded:")
    expect(page.locator("#id_rules-0-query_errors")).to_contain_text(re.compile(r"position \d+"))
    expect(count).to_have_count(0)
    screenshot(page, "tasks-create-error")

    page.fill("#id_rules-0-query", "meta.occluded:true")
    expect(count).to_have_text("1")
    expect(page.locator("#id_rules-0-query_errors")).to_be_empty()

    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"{live_server.url}/tasks/")
    expect(page.locator("#toasts")).to_contain_text("Task “Occluded cars” created with 1 frame")
    card = page.locator(".task-card", has_text="Occluded cars")
    expect(card).to_contain_text("By label: car, ≥ 1 instance · + Lucene")
    expect(card).to_contain_text("0 / 1 frames done")
    task = AnnotationTask.objects.get()
    assert task.filters[0]["rules"][0]["query"] == "meta.occluded:true"


def test_adding_and_removing_a_label_rule_keeps_what_was_typed(
    logged_in_page, live_server, streets
):
    page = logged_in_page
    add_second_label_rule(page, live_server.url, streets)
    expect(page.locator("#id_rules-1-labels")).to_be_focused()
    page.fill("#id_rules-1-labels", "bus")
    page.select_option("#id_rules-1-exclude", "exclude")
    expect(page.locator("[data-frame-count]")).to_have_text("3")

    page.get_by_role("button", name="Remove rule 1").click()
    expect(page.locator(".rule")).to_have_count(1)
    expect(page.locator("#id_rules-0-labels")).to_have_value("bus")
    expect(page.locator("#id_rules-0-exclude")).to_have_value("exclude")
    expect(page.locator("[data-frame-count]")).to_have_text("4")


def test_an_error_in_the_second_rule_shows_on_that_rule_only(
    logged_in_page, live_server, streets, screenshot
):
    page = logged_in_page
    add_second_label_rule(page, live_server.url, streets)
    page.fill("#id_name", "Two rules")
    page.locator("#rules-1").get_by_title("Lucene query for this rule").click()
    page.fill("#id_rules-1-query", "meta.occluded:")

    page.get_by_role("button", name="Create").click()

    expect(page.locator("#task-form-errors")).to_contain_text("A label rule needs fixing")
    expect(page.locator("#id_rules-1-query_errors")).to_contain_text(re.compile(r"position \d+"))
    expect(page.locator("#id_rules-0-query_errors")).to_be_empty()
    expect(page.locator("#id_rules-0-labels")).to_have_value("car")
    screenshot(page, "tasks-create-second-rule-error")
    assert not AnnotationTask.objects.exists()


def test_complete_a_task_through_its_menu_and_find_it_under_completed(
    logged_in_page, live_server, streets, manager
):
    make_task(streets, manager, "Finish me")
    make_task(streets, manager, "Keep going")
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")

    open_menu_item(page, "Finish me", "Complete…")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Complete “Finish me”?")
    dialog.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(".task-card", has_text="Finish me")).to_have_count(0)
    expect(page.locator(".task-card")).to_have_count(1)
    expect(page.locator("#toasts")).to_contain_text("Task “Finish me” completed")

    page.get_by_text("Completed", exact=True).click()
    expect(page).to_have_url(re.compile(r"status=completed"))
    expect(page.locator(".task-card__name")).to_have_text(["Finish me"])
    expect(page.locator(".task-card")).to_contain_text("Completed")


def test_cancel_keeps_the_task_and_delete_removes_its_card(
    logged_in_page, live_server, streets, manager
):
    make_task(streets, manager, "Doomed")
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")

    open_menu_item(page, "Doomed", "Delete…")
    page.get_by_role("dialog").get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(".task-card")).to_have_count(1)

    open_menu_item(page, "Doomed", "Delete…")
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()

    expect(page.locator(".task-card")).to_have_count(0)
    expect(page.locator("#task-cards")).to_contain_text("No annotation tasks yet")
    expect(page.locator("#toasts")).to_contain_text("Task “Doomed” deleted")
    assert not AnnotationTask.objects.exists()


def test_info_dialog_shows_the_filter_and_counts(logged_in_page, live_server, streets, manager):
    task_create(
        name="Confident cars",
        version=streets,
        filters=[{"mode": "by_label", "rules": [{"labels": ["car"], "query": "confidence:>0.5"}]}],
        iteration={"order": "random", "seed": 11},
        user=manager,
    )
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")

    open_menu_item(page, "Confident cars", "Info")

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("confidence:>0.5")
    expect(dialog).to_contain_text("Random seed")
    expect(dialog).to_contain_text("11")
    expect(dialog.get_by_role("link", name="Streets / v1")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_sort_by_name_swaps_the_grid_and_keeps_it_in_the_url(
    logged_in_page, live_server, streets, manager
):
    for name in ("Bravo", "Alpha", "Charlie"):
        make_task(streets, manager, name)
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    names = page.locator(".task-card__name")
    expect(names).to_have_text(["Charlie", "Alpha", "Bravo"])

    page.select_option("select[name=sort]", "name")

    expect(names).to_have_text(["Alpha", "Bravo", "Charlie"])
    expect(page).to_have_url(re.compile(r"sort=name"))
    page.reload()
    expect(names).to_have_text(["Alpha", "Bravo", "Charlie"])


def test_filter_by_dataset(logged_in_page, live_server, streets, manager):
    other = VersionFactory(frames=[frame_data("x")], dataset=DatasetFactory(name="Fields"))
    make_task(streets, manager, "Street task")
    make_task(other, manager, "Field task")
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator(".task-card")).to_have_count(2)

    page.select_option("select[name=dataset]", label="Fields")

    expect(page.locator(".task-card__name")).to_have_text(["Field task"])
    expect(page).to_have_url(re.compile(rf"dataset={other.dataset_id}"))


def test_without_javascript_filter_create_info_and_complete_still_work(
    browser, live_server, streets, manager
):
    make_task(streets, manager, "Existing")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    log_in(page, live_server, manager, "pw-manager")

    page.goto(f"{live_server.url}/tasks/")
    page.get_by_text("Completed", exact=True).click()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"status=completed"))
    expect(page.locator("#task-cards")).to_contain_text("No task matches")

    add_second_label_rule(page, live_server.url, streets)
    page.fill("#id_name", "No script")
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    expect(page.locator(".task-card", has_text="No script")).to_contain_text("0 / 3 frames done")

    card = page.locator(".task-card", has_text="No script")
    card.locator("summary").click()
    card.get_by_role("menuitem", name="Info").click()
    expect(page.locator("dialog[open]")).to_contain_text("Frames in the task")
    page.go_back()
    card.locator("summary").click()
    card.get_by_role("menuitem", name="Complete…").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    expect(page.locator(".task-card", has_text="No script")).to_have_count(0)
    assert AnnotationTask.objects.get(name="No script").status == "completed"
    context.close()
