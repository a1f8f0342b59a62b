"""What users type is shown as text, never run: names, descriptions, keys, contexts, labels and
meta carrying markup appear literally on every page that shows them, and no script dialog opens.

Each place gets its own payload (`markup("task")`), so a dialog's message names what leaked.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from annotations.services import task_create
from datasets.jobs import job_create
from datasets.models import Job
from frames.models import Frame, Roi
from tests.browser.conftest import image_uri, is_intentional
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECTED = "img[src='x'], svg[onload], [onerror]"


def markup(where: str) -> str:
    """Markup that runs alert(where) if it reaches the DOM as HTML, in text or in an attribute."""
    return f"<img src=x onerror=alert('{where}')>\"'><svg onload=alert('{where}')>"


@pytest.fixture
def marked(manager):
    """A Published version whose every user-written field carries markup, and a task over it."""
    data = frame_data(
        markup("key"),
        context_id=markup("context"),
        rois=[box(markup("label"), meta={"note": markup("roi meta")})],
        frame_labels=[{"labels": [markup("frame label")]}],
        meta={"note": markup("frame meta")},
    )
    data["source"]["uri"] = image_uri("marked", (90, 120, 160))
    version = VersionFactory(
        frames=[data],
        name=markup("version"),
        description=markup("version description"),
        published=True,
        dataset=DatasetFactory(name=markup("dataset"), description=markup("dataset description")),
    )
    task = task_create(
        name=markup("task"),
        version=version,
        filters=[{"mode": "by_label", "rules": [{"labels": [markup("label")]}]}],
        iteration={"order": "sequential"},
        user=manager,
    )
    return version, task


@pytest.fixture
def dialogs(page) -> list[str]:
    """Messages of the script dialogs the page opens (a leave-page prompt is not one)."""
    opened: list[str] = []

    def on_dialog(dialog):
        if dialog.type != "beforeunload":
            opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def shown(where: str) -> re.Pattern:
    """The markup as text, or as JSON text (meta, and the admin's JSON fields)."""
    text = markup(where)
    return re.compile(f"{re.escape(text)}|{re.escape(json.dumps(text)[1:-1])}")


def assert_inert(page, dialogs: list[str], *places: str) -> None:
    """Each place's markup reads as text on the page; none became an element or ran."""
    body = page.locator("body")
    for where in places:
        expect(body).to_contain_text(shown(where))
    expect(page.locator(INJECTED)).to_have_count(0)
    assert dialogs == []


def test_dataset_and_version_pages_show_markup_as_text(
    logged_in_page, live_server, marked, dialogs
):
    version, task = marked
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/")
    assert_inert(page, dialogs, "dataset", "dataset description")

    page.goto(f"{live_server.url}{version.dataset.get_absolute_url()}")
    assert_inert(page, dialogs, "dataset", "dataset description", "version", "task")

    page.goto(f"{live_server.url}{version.get_absolute_url()}")
    assert_inert(page, dialogs, "dataset", "version", "version description", "key", "context")
    page.locator(".frame-card .chip").click()  # the context filter, through htmx
    expect(page.locator(".filter-status")).to_contain_text(markup("context"))
    assert_inert(page, dialogs, "key", "context")
    page.reload()  # the pushed URL: the filter's field shows the context too
    expect(page.locator("#filter-context")).to_have_value(markup("context"))
    assert_inert(page, dialogs, "key", "context")

    page.get_by_role("link", name="Fork…").click()
    expect(page.locator("dialog[open]")).to_contain_text(markup("version"))
    assert_inert(page, dialogs, "version")

    page.goto(f"{live_server.url}{task.version.get_absolute_url()}")
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator("dialog[open]")).to_contain_text(markup("task"))
    assert_inert(page, dialogs, "task")


def test_job_pages_show_titles_messages_and_errors_as_text(
    logged_in_page, live_server, manager, dialogs
):
    version = VersionFactory(name=markup("version"), dataset=DatasetFactory(name=markup("dataset")))
    job = job_create(kind=Job.Kind.IMPORT, title=markup("job"), user=manager, version=version)
    page = logged_in_page
    page.goto(f"{live_server.url}{version.get_absolute_url()}")
    expect(page.locator("#version-jobs .job")).to_contain_text(markup("job"))
    assert_inert(page, dialogs, "job", "version")

    errors = [{"line": 1, "field": markup("field"), "message": markup("error")}]
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, message=markup("message"), errors=errors
    )
    # The page's next poll: the job in place, and a toast naming it.
    expect(page.locator("#version-jobs .job__errors")).to_contain_text(markup("error"))
    expect(page.locator("#toasts")).to_contain_text(markup("message"))
    assert_inert(page, dialogs, "job", "message", "field", "error")

    page.goto(f"{live_server.url}/datasets/jobs/")
    assert_inert(page, dialogs, "job", "message", "field", "error", "dataset", "version")


def test_a_dataset_created_through_the_form_shows_its_name_as_text(
    logged_in_page, live_server, dialogs
):
    page = logged_in_page
    page.goto(f"{live_server.url}/datasets/")
    page.fill("#id_name", markup("new dataset"))
    page.fill("#id_description", markup("new description"))
    page.click("#dataset-create button[type=submit]")
    page.wait_for_url("**/datasets/*/")
    expect(page.locator("h1")).to_have_text(markup("new dataset"))
    assert_inert(page, dialogs, "new dataset", "new description")


def test_task_pages_show_markup_as_text(logged_in_page, live_server, marked, dialogs):
    version, _ = marked
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/")
    card = page.locator(".task-card")
    expect(card).to_contain_text(markup("label"))  # the filter's summary
    assert_inert(page, dialogs, "task", "dataset")

    card.locator("summary").click()
    card.get_by_role("menuitem", name="Info").click()
    expect(page.locator("dialog[open]")).to_contain_text(markup("label"))
    assert_inert(page, dialogs, "task", "dataset")
    page.keyboard.press("Escape")

    card.locator("summary").click()
    card.get_by_role("menuitem", name="Complete…").click()
    expect(page.locator("dialog[open]")).to_contain_text(markup("task"))
    assert_inert(page, dialogs, "task")
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/tasks/new/")
    page.select_option("#id_version", str(version.pk))
    page.get_by_text("By label", exact=True).click()
    expect(page.locator("#version-labels option")).to_have_count(2)
    labels = page.locator("#version-labels option").evaluate_all("els => els.map(e => e.value)")
    assert sorted(labels) == sorted([markup("frame label"), markup("label")])
    expect(page.locator("#id_version")).to_contain_text(markup("version"))
    assert_inert(page, dialogs)


def test_editor_shows_markup_as_text(logged_in_page, live_server, marked, dialogs):
    _, task = marked
    page = logged_in_page
    page.goto(f"{live_server.url}/tasks/{task.pk}/annotate/")
    page.wait_for_selector("frame-editor[data-item='0']")
    expect(page.locator("[data-list=rois] .ed-chip")).to_have_text(markup("label"))
    expect(page.locator("[data-list=frame-labels] .ed-chip")).to_have_text(markup("frame label"))
    expect(page.locator("[data-labels]")).to_contain_text(markup("label"))
    expect(page.locator("[data-info=meta]")).to_contain_text(shown("frame meta"))
    assert_inert(page, dialogs, "task", "key", "context", "label", "frame label")

    page.locator("[data-list=rois] [data-action=editMeta]").click()
    meta = page.locator("dialog[data-json] textarea")
    expect(meta).to_be_visible()
    assert json.loads(meta.input_value()) == {"note": markup("roi meta")}
    expect(page.locator(INJECTED)).to_have_count(0)
    assert dialogs == []


def test_admin_shows_markup_as_text(admin_page, live_server, marked, dialogs):
    version, task = marked
    frame = Frame.objects.get(key=markup("key"))
    roi = Roi.objects.exclude(type=Roi.Type.FRAME).get()
    job = job_create(kind=Job.Kind.UPLOAD, title=markup("job"), user=None, version=version)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=markup("job message"))
    page = admin_page
    pages = {
        "/admin/datasets/dataset/": ["dataset"],
        f"/admin/datasets/dataset/{version.dataset_id}/change/": ["dataset", "dataset description"],
        "/admin/datasets/version/": ["version", "dataset", "task"],
        f"/admin/datasets/version/{version.pk}/change/": ["version", "version description"],
        "/admin/frames/frame/": ["key", "context"],
        "/admin/frames/roi/": ["label"],
        "/admin/annotations/annotationtask/": ["task"],
        f"/admin/annotations/annotationtask/{task.pk}/change/": ["task", "label"],
        f"/admin/frames/frame/{frame.pk}/change/": ["key", "context", "frame meta"],
        f"/admin/frames/roi/{roi.pk}/change/": ["label", "roi meta"],
        "/admin/datasets/job/": ["job"],
        f"/admin/datasets/job/{job.pk}/change/": ["job", "job message"],
    }
    for path, places in pages.items():
        page.goto(f"{live_server.url}{path}")
        assert_inert(page, dialogs, *places)


# The conftest's error watcher, which every browser test relies on: what it catches, what it lets by.


def test_the_error_watcher_catches_console_errors_and_uncaught_exceptions(
    page, live_server, browser_errors
):
    page.goto(f"{live_server.url}/login/")
    page.evaluate("console.error('logged on purpose')")
    # Uncaught: thrown by a timer callback, which resolves first so that evaluate returns.
    page.evaluate(
        "new Promise((resolve) => setTimeout(() => { resolve(); throw new Error('thrown on purpose'); }))"
    )
    with pytest.raises(pytest.fail.Exception, match="logged on purpose"):
        browser_errors.check()
    assert any("thrown on purpose" in error for error in browser_errors.errors)
    browser_errors.errors.clear()


def test_the_error_watcher_expects_api_refusals_but_not_a_missing_static_file(
    page, live_server, browser_errors
):
    page.goto(f"{live_server.url}/login/")
    page.evaluate("fetch('/api/tasks/0/')")  # 401 or 404: the API refuses, on purpose
    page.evaluate("fetch('/static/css/missing.css')")
    with pytest.raises(pytest.fail.Exception):
        browser_errors.check()
    assert len(browser_errors.errors) == 1
    assert "/static/css/missing.css" in browser_errors.errors[0]
    browser_errors.errors.clear()


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("the server responded with a status of 409 (Conflict)", "/api/versions/1/frames/f/", True),
        ("the server responded with a status of 404 (Not Found)", "/api/tasks/1/items/2/", True),
        ("net::ERR_FAILED", "/api/versions/1/frames/f/", True),
        ("the server responded with a status of 404 (Not Found)", "/favicon.ico", True),
        ("the server responded with a status of 500 (Internal Server Error)", "/api/tasks/", False),
        ("the server responded with a status of 404 (Not Found)", "/static/css/app.css", False),
        ("the server responded with a status of 404 (Not Found)", "/frames/1/thumb/", False),
        ("net::ERR_FAILED", "/tasks/", False),
    ],
)
def test_the_error_watcher_expects_only_the_listed_network_errors(text, path, expected):
    message = f"Failed to load resource: {text}"
    assert is_intentional(message, f"http://localhost:8000{path}") is expected
