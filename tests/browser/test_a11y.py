"""Axe-core (vendored in tests/browser/vendor) on every page and dialog: no serious or critical
violation. `axe_violations` lists each failing element with its rule, so a failure says what to fix.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations.services import task_create
from datasets.jobs import job_create
from datasets.models import Job
from tests.browser.conftest import (
    add_second_label_rule,
    axe_violations,
    image_uri,
    title_only_controls,
)
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(manager):
    """A Published v1 of "Streets" with three pictured frames (cars, a bus, none), one context."""
    frames = []
    for index, rois in enumerate([[box("car", confidence=0.9)], [box("bus")], []]):
        data = frame_data(f"f{index}", context_id="cam", timestamp=index, rois=rois)
        data["source"]["uri"] = image_uri(f"f{index}", (60 + 60 * index, 110, 150))
        frames.append(data)
    return VersionFactory(
        frames=frames,
        name="v1",
        description="Three frames",
        published=True,
        dataset=DatasetFactory(name="Streets", description="Cars and buses"),
    )


@pytest.fixture
def task(published, manager):
    """A by-label task over `published`, so on a Draft "v2" forked from it."""
    return task_create(
        name="Label cars",
        version=published,
        filters=[{"mode": "by_label", "rules": [{"labels": ["car"], "query": "confidence:>0.5"}]}],
        iteration={"order": "random", "seed": 3},
        user=manager,
    )


def assert_no_violations(page, *, ours: bool = True) -> None:
    """Axe's serious and critical findings; on our own pages also title-only names (Django's admin
    names its sort toggles by title, which axe accepts) and a missing h1 (axe: moderate)."""
    violations = axe_violations(page)
    if ours:
        violations += title_only_controls(page)
        if not page.locator("h1").count():
            violations.append("page-has-heading-one: the page has no h1")
    assert violations == [], "\n".join(violations)


def test_login_page(page, live_server):
    page.goto(f"{live_server.url}/login/")
    assert_no_violations(page)


def test_login_page_with_an_error(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_violations(page)


def test_dataset_list(logged_in_page, live_server, task):
    logged_in_page.goto(f"{live_server.url}/datasets/")
    assert_no_violations(logged_in_page)


def test_dataset_list_with_a_form_error(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/")
    page.click("#dataset-create button[type=submit]")
    expect(page.locator("#dataset-create .field__errors")).to_be_visible()
    assert_no_violations(page)


def test_dataset_detail(logged_in_page, live_server, task):
    logged_in_page.goto(f"{live_server.url}{task.version.dataset.get_absolute_url()}")
    assert_no_violations(logged_in_page)


def test_published_version_page_with_its_frame_grid(logged_in_page, live_server, published):
    page = logged_in_page
    page.goto(f"{live_server.url}{published.get_absolute_url()}")
    expect(page.locator(".frame-card")).to_have_count(3)
    assert_no_violations(page)


def test_version_page_filtered_by_context(logged_in_page, live_server, published):
    page = logged_in_page
    page.goto(f"{live_server.url}{published.get_absolute_url()}")
    page.locator(".frame-card .chip").first.click()
    expect(page.locator(".filter-status")).to_contain_text("cam")
    assert_no_violations(page)


def test_draft_version_page_with_the_upload_form(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    expect(page.locator("#upload")).to_be_visible()
    assert_no_violations(page)


@pytest.fixture
def jobs_of_every_state(task, manager):
    """On the task's Draft: one job in each state, the failed one with errors by line."""
    now = timezone.now()
    states = {
        Job.Status.QUEUED: {},
        Job.Status.RUNNING: {"progress_done": 40, "progress_total": 120, "heartbeat_at": now},
        Job.Status.SUCCEEDED: {
            "progress_done": 3,
            "progress_total": 3,
            "message": "Added 3 frames.",
        },
        Job.Status.FAILED: {
            "message": "2 lines are wrong.",
            "errors": [
                {"line": 2, "field": "source.uri", "message": "Not a URL."},
                {"line": 5, "field": "", "message": "Not JSON."},
            ],
        },
        Job.Status.CANCELLED: {"message": "Cancelled; nothing was written."},
    }
    for status, fields in states.items():
        job = job_create(
            kind=Job.Kind.IMPORT, title=f"Import {status}", user=manager, version=task.version
        )
        Job.objects.filter(pk=job.pk).update(status=status, **fields)
    return task.version


def test_draft_version_page_with_jobs(logged_in_page, live_server, jobs_of_every_state):
    page = logged_in_page
    page.goto(f"{live_server.url}{jobs_of_every_state.get_absolute_url()}")
    expect(page.locator("#version-jobs .job")).to_have_count(5)
    assert_no_violations(page)


def test_jobs_page(logged_in_page, live_server, jobs_of_every_state):
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/jobs/")
    expect(page.locator("#job-table .job")).to_have_count(5)
    assert_no_violations(page)


def test_jobs_page_without_jobs(logged_in_page, live_server):
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/jobs/")
    expect(page.get_by_text("No jobs yet")).to_be_visible()
    assert_no_violations(page)


def test_publish_dialog(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator("dialog[open]")).to_be_visible()
    assert_no_violations(page)


def test_fork_dialog(logged_in_page, live_server, published):
    page = logged_in_page
    page.goto(f"{live_server.url}{published.get_absolute_url()}")
    page.get_by_role("link", name="Fork…").click()
    expect(page.locator("dialog[open]")).to_be_visible()
    assert_no_violations(page)


def test_export_dialog_with_a_filter_error(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    page.get_by_role("link", name="Export…").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_text("By label", exact=True).click()
    dialog.locator("#id_rules-0-conf_min").fill("0.9")
    dialog.locator("#id_rules-0-conf_max").fill("0.2")
    dialog.get_by_label("Frame query").fill("context_id:(cam")
    expect(dialog.locator("#id_frame_query_errors")).to_be_visible()  # live, from the count
    dialog.get_by_label("Frame query").fill("")
    dialog.get_by_role("button", name="Export").click()
    expect(page.locator("dialog[open] #rules-0-errors")).to_be_visible()
    assert_no_violations(page)
    page.locator("dialog[open]").get_by_text("COCO detection results").click()
    expect(page.locator("#id_include_images")).to_be_disabled()
    assert_no_violations(page)


def test_import_dialog_with_an_error(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    page.get_by_role("link", name="Import annotations…").click()
    page.locator("dialog[open]").get_by_role("button", name="Import").click()
    expect(page.locator("dialog[open] #id_file_error")).to_be_visible()
    assert_no_violations(page)


def test_version_page_with_a_finished_export_and_import(logged_in_page, live_server, task, manager):
    export = job_create(
        kind=Job.Kind.EXPORT, title="Export as VOC", user=manager, version=task.version
    )
    report = {
        "frames": 3,
        "written": {"box": 2},
        "converted": {"polygon → box": 1},
        "skipped": {"keypoints: VOC holds boxes only": 1},
        "images": 2,
        "images_missing": ["f2"],
    }
    result = {
        "download": f"/api/jobs/{export.pk}/download/",
        "file_name": "v.zip",
        "report": report,
    }
    Job.objects.filter(pk=export.pk).update(status=Job.Status.SUCCEEDED, result=result)
    imported = job_create(kind=Job.Kind.IMPORT, title="Import", user=manager, version=task.version)
    skipped = [{"file": "a.json", "index": 3, "reason": "No frame has this file name."}]
    result = {"frames_created": 0, "frames_matched": 2, "rois_created": 4, "skipped": skipped}
    Job.objects.filter(pk=imported.pk).update(status=Job.Status.SUCCEEDED, result=result)
    page = logged_in_page
    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    expect(page.locator("#version-jobs .job__report")).to_have_count(2)
    assert_no_violations(page)


def test_task_export_dialog(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.locator(".task-card summary").click()
    page.get_by_role("menuitem", name="Export…").click()
    expect(page.locator("dialog[open]")).to_contain_text("in the task’s order")
    assert_no_violations(page)


def test_task_list(logged_in_page, live_server, task, manager):
    task_create(
        name="All of them",
        version=task.version,
        filters=[],
        iteration={"order": "sequential", "limit": 2, "clip_length": 2},
        user=manager,
    )
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator(".task-card")).to_have_count(2)
    assert_no_violations(page)


def test_task_list_with_its_menu_open(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.locator(".task-card summary").click()
    expect(page.get_by_role("menuitem", name="Info")).to_be_visible()
    assert_no_violations(page)


def test_task_info_dialog(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.locator(".task-card summary").click()
    page.get_by_role("menuitem", name="Info").click()
    expect(page.locator("dialog[open]")).to_contain_text("Random seed")
    assert_no_violations(page)


def test_task_complete_dialog(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    page.locator(".task-card summary").click()
    page.get_by_role("menuitem", name="Complete…").click()
    expect(page.locator("dialog[open]")).to_be_visible()
    assert_no_violations(page)


def test_task_create_form(logged_in_page, live_server, published):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/new/")
    page.select_option("#id_version", str(published.pk))
    expect(page.locator("[data-frame-count]")).to_have_text("3")
    assert_no_violations(page)


def test_task_create_form_by_label_with_errors(logged_in_page, live_server, published):
    page = logged_in_page
    add_second_label_rule(page, live_server.url, published)
    page.locator("#rules-1 .rule__code").click()
    page.fill("#id_rules-1-query", "meta.occluded:")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#id_rules-1-query_errors")).not_to_be_empty()
    assert_no_violations(page)


def test_editor(logged_in_page, live_server, task):
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/{task.pk}/annotate/")
    page.wait_for_selector("frame-editor[data-item='0']")
    expect(page.locator("[data-list=rois] > li")).to_have_count(1)
    assert_no_violations(page)


def test_admin_index(admin_page, live_server):
    admin_page.goto(f"{live_server.url}/admin/")
    assert_no_violations(admin_page, ours=False)


def test_admin_changelist_and_change_form(admin_page, live_server, task):
    page = admin_page
    page.goto(f"{live_server.url}/admin/annotations/annotationtask/")
    assert_no_violations(page, ours=False)
    page.goto(f"{live_server.url}/admin/datasets/dataset/{task.version.dataset_id}/change/")
    assert_no_violations(page, ours=False)


def test_admin_job_list(admin_page, live_server, jobs_of_every_state):
    page = admin_page
    page.goto(f"{live_server.url}/admin/datasets/job/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    assert_no_violations(page, ours=False)
    failed = Job.objects.get(status=Job.Status.FAILED)
    page.goto(f"{live_server.url}/admin/datasets/job/{failed.pk}/change/")
    assert_no_violations(page, ours=False)
