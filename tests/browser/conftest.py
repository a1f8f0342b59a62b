"""Playwright fixtures for every browser test: one Chromium per session, a page per test, and a
page logged in through the login form on pytest-django's `live_server`.

Every browser context a test opens (the `page` fixture's, or one from `browser.new_context()`;
not `browser.new_page()`) is watched: a console error or an uncaught exception in any of its pages
fails the test, unless `is_intentional` lists it. `axe_violations` runs the vendored axe-core.

Mark modules with `pytestmark = pytest.mark.browser`. Screenshots go to $SCREENSHOT_DIR when set,
else to the test's tmp_path.
"""

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import expect

from annotations.roles import sync_groups
from frames.media import media_uri
from tests.annotations.factories import ManagerFactory
from tests.browser.find_chromium import CHROMIUM_ARGS, FIX, find_chromium

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses that by default.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

VIEWPORT = {"width": 1280, "height": 800}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# Chromium logs every failed request as a console error, "Failed to load resource: …". Only these
# are expected: the JSON API refusing a request (a 4xx: the 409 of a stale save, the 404 after a
# task's last item), an API request a test aborts itself (`route.abort()`: net::ERR_FAILED), and
# the 404 of /favicon.ico, which Chromium asks for by itself on a document naming no icon (the
# editor's unit tests open a script file as their page). A failed page, static file or image
# request, and any 5xx, fail the test.
FAILED_RESOURCE = re.compile(
    r"^Failed to load resource: "
    r"(?:the server responded with a status of (?P<status>\d{3})\b|net::ERR_FAILED$)"
)
INTENTIONAL_PATH = re.compile(r"^/api/")


def is_intentional(text: str, url: str) -> bool:
    match = FAILED_RESOURCE.match(text)
    if not match:
        return False
    path = urlsplit(url).path
    if path == "/favicon.ico":
        return match["status"] == "404"
    if not INTENTIONAL_PATH.match(path):
        return False
    return match["status"] is None or match["status"].startswith("4")


class BrowserErrors:
    """Console errors and uncaught exceptions of the contexts it watches, as readable lines."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.contexts: list = []

    def watch(self, context) -> None:
        if context in self.contexts:
            return
        self.contexts.append(context)
        context.on("console", self.on_console)
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if not is_intentional(message.text, url):
            self.errors.append(f"console: {message.text} ({url})")

    def check(self) -> None:
        # Events reach Python while it waits on the browser: one round trip per open page
        # delivers what the last step of the test logged.
        for context in self.contexts:
            for page in context.pages:
                with contextlib.suppress(Exception):  # closed or navigating: nothing to collect
                    page.evaluate("0")
        if self.errors:
            lines = "\n".join(self.errors)
            pytest.fail(f"The browser logged errors:\n{lines}", pytrace=False)


ERRORS_KEY = pytest.StashKey[BrowserErrors]()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        pytest.fail(FIX, pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def browser_errors(request, monkeypatch) -> BrowserErrors | None:
    """Watches every context the test opens; `pytest_runtest_call` below fails the test on errors."""
    if "browser" not in request.fixturenames:
        return None
    browser = request.getfixturevalue("browser")
    errors = BrowserErrors()
    new_context = browser.new_context

    def watched_new_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        errors.watch(context)
        return context

    monkeypatch.setattr(browser, "new_context", watched_new_context)
    request.node.stash[ERRORS_KEY] = errors
    return errors


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a test that failed already raises here, with its own message
    errors = item.stash.get(ERRORS_KEY, None)
    if errors is not None:
        errors.check()
    return result


@pytest.fixture(autouse=True)
def _groups(request) -> None:
    """Live-server tests flush the database after each test, groups from migrations included."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    sync_groups(apps, None)


@pytest.fixture
def page(browser, browser_errors) -> Iterator:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, live_server, user, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def logged_in_page(page, live_server, manager):
    """A page with the `manager` fixture's user logged in through the login form."""
    log_in(page, live_server, manager, "pw-manager")
    return page


@pytest.fixture
def editor(logged_in_page, live_server):
    """The annotation editor driven as a Manager; a test fails if the page logged errors."""
    from tests.browser.test_editor import Editor  # the module of the editor's own tests

    editor = Editor(logged_in_page, live_server)
    yield editor
    assert editor.errors == [], "the editor page logged errors"


@pytest.fixture
def admin_page(page, live_server):
    """A page with a superuser ("boss", a Manager with staff rights) logged in."""
    boss = ManagerFactory(username="boss", superuser=True)
    log_in(page, live_server, boss, "pw-boss")
    return page


def image_uri(name: str, color: tuple[int, int, int], size=(640, 480)) -> str:
    """A `media:` URI of a stored PNG, so frame thumbnails and the editor load a real image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return media_uri(default_storage.save(f"browser/{name}.png", ContentFile(buffer.getvalue())))


@pytest.fixture
def screenshot(tmp_path) -> Callable[..., Path]:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# Axe-core's rules run as shipped, plus label-content-name-mismatch (WCAG 2.5.3 Label in Name),
# which axe marks experimental. Moderate and minor findings are not checked.
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}}}
BLOCKING = ("serious", "critical")


def axe_violations(page, *, within: str | None = None) -> list[str]:
    """Axe-core's serious and critical violations on the page (or in `within`), one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "([within, options]) => axe.run(within ? document.querySelector(within) : document, options)",
        [within, AXE_OPTIONS],
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['html'][:160]}"
        f" | {node['failureSummary'].splitlines()[-1].strip()}"
        for violation in result["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


# Axe accepts a `title` as a button's name; the issue does not: a control needs a name that assistive
# technology and speech input users get without hovering (aria-label, a <label>, or its own text).
TITLE_ONLY = """() => [...document.querySelectorAll(
  "button[title], input[title], select[title], textarea[title], a[title], summary[title]"
)].filter((el) => el.getClientRects().length && el.type !== "hidden"
  && !el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby") && !el.labels?.length
  && ![...el.childNodes].some((node) => node.nodeType === Node.TEXT_NODE
      ? node.textContent.trim()
      : node.getAttribute?.("aria-hidden") !== "true" && node.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 160))"""


def title_only_controls(page) -> list[str]:
    """Visible controls whose only name is their `title`, as `title-only-name: <html>` lines."""
    return [f"title-only-name: {html}" for html in page.evaluate(TITLE_ONLY)]


def add_second_label_rule(page, url: str, version) -> None:
    """The create form on `version`, By label, a first rule for car, then a second rule."""
    page.goto(f"{url}/tasks/new/")
    page.select_option("#id_version", str(version.pk))
    page.get_by_text("By label", exact=True).click()
    page.fill("#id_rules-0-labels", "car")
    page.get_by_role("button", name="Add label rule").click()
    expect(page.locator(".rule")).to_have_count(2)
    expect(page.locator("#id_rules-0-labels")).to_have_value("car")
