"""After a 409 and on reopening a page with a backup, the editor compares shapes by value: the
server answers a shape with its keys in its own order, which is no edit of mine.
"""

import json

import pytest
from playwright.sync_api import expect

from tests.annotations.factories import ManagerFactory, make_task
from tests.browser.conftest import log_in
from tests.browser.test_editor import EDITOR, Editor, frames
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box

pytestmark = pytest.mark.browser

SAVES = "**/api/versions/*/frames/*/"


@pytest.fixture
def task(manager):
    frame_list = frames(1, rois={0: [box("car", x=20, y=40, w=80, h=60, id="b0")]})
    return make_task(VersionFactory(frames=frame_list), manager, "Conflicts")


@pytest.fixture
def editor(logged_in_page, live_server, task):
    editor = Editor(logged_in_page, live_server)
    editor.open(task)
    yield editor
    assert editor.errors == [], "the editor page logged errors"


def test_mine_after_a_conflict_keeps_their_edit_of_a_shape_i_saved_and_left_alone(
    editor, task, browser, live_server
):
    editor.draw_box((300, 200), (400, 300))  # mine, saved with the editor's order of keys
    editor.wait_saved()
    [_, mine] = editor.rois()
    [_, saved] = editor.api_frame(task, "f0")["rois"]
    assert mine == saved
    assert list(mine) != list(saved)  # the same shape, keys in another order
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = Editor(other_context.new_page(), live_server)
        log_in(other.page, live_server, ManagerFactory(username="lead"), "pw-lead")
        other.open(task, position=0)
        other.key("v")  # the select tool
        other.drag((350, 250), (350, 330))  # my box, moved down by 80
        other.wait_saved()
        theirs = other.api_frame(task, "f0")["rois"][1]
        assert other.errors == []
    finally:
        other_context.close()
    assert theirs["id"] == mine["id"]

    editor.key("v")
    editor.drag((60, 70), (60, 130))  # b0, moved down by 60
    editor.page.wait_for_selector("[data-shown=conflict]:not([hidden])")
    editor.page.click("[data-action=resolve][data-arg=mine]")
    editor.wait_saved()
    [b0, added] = editor.api_frame(task, "f0")["rois"]
    assert added == theirs
    assert b0["points"] != box("car", x=20, y=40, w=80, h=60)["points"]  # my move of b0
    assert editor.rois() == [b0, added]


def test_a_backup_the_server_already_holds_shows_no_clash(editor, task):
    held = []  # the save reaches the server; its answer never reaches the page

    def hold_saves(route):
        if route.request.method == "PATCH":
            held.append(route.fetch())
        else:
            route.fallback()

    editor.page.route(SAVES, hold_saves)
    editor.draw_box((300, 200), (400, 300))
    for _ in range(200):  # Playwright runs the route handler while the page waits
        if held:
            break
        editor.page.wait_for_timeout(50)
    saved = editor.api_frame(task, "f0")
    assert saved["revision"] == 2
    backup_key = f"hyperlabel-frame:{task.version_id}:f0"
    backup = json.loads(editor.page.evaluate(f"localStorage.getItem('{backup_key}')"))
    assert backup["revision"] == 1
    assert backup["doc"]["rois"] == saved["rois"]
    assert list(backup["doc"]["rois"][1]) != list(saved["rois"][1])  # keys in another order

    # The route stays: unrouting would send the held save again.
    editor.page.evaluate("window.onbeforeunload = null")
    editor.page.on("dialog", lambda dialog: dialog.accept())
    editor.page.reload()
    editor.wait_item(0)
    expect(editor.page.locator("[data-shown=conflict]")).to_be_hidden()
    assert editor.page.evaluate(f"{EDITOR}.store.record.status") == "saved"
    assert editor.page.evaluate(f"localStorage.getItem('{backup_key}')") is None
    assert editor.rois() == saved["rois"]
