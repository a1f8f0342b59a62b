"""Playwright fixtures for every browser test: one Chromium per session, a page per test, and a
page logged in through the login form on pytest-django's `live_server`.

Mark modules with `pytestmark = pytest.mark.browser`. Screenshots go to $SCREENSHOT_DIR when set,
else to the test's tmp_path.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps

from annotations.roles import sync_groups
from tests.browser.find_chromium import CHROMIUM_ARGS, FIX, find_chromium

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses that by default.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

VIEWPORT = {"width": 1280, "height": 800}


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
def _groups(request) -> None:
    """Live-server tests flush the database after each test, groups from migrations included."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    sync_groups(apps, None)


@pytest.fixture
def page(browser) -> Iterator:
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
def screenshot(tmp_path) -> Callable[..., Path]:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
