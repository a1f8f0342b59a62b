"""The annotation editor in real Chromium: drawing, editing, saving and moving through a task.

Shapes are checked through the REST API (`GET /api/versions/{id}/frames/{key}/`) after the editor
says it saved, so each test proves what the server has, not only what the page shows.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import expect

from annotations.services import task_complete, task_next
from frames.media import media_uri
from tests.annotations.factories import ManagerFactory, make_task
from tests.browser.conftest import log_in
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.browser

EDITOR = "document.querySelector('frame-editor')"
SCREENSHOTS = Path(
    os.environ.get("EDITOR_SCREENSHOTS") or Path(__file__).parents[2] / "screenshots"
)
WIDTH, HEIGHT = 640, 480
# Chromium logs each failed request as a console error; tests that provoke them (409s, aborted
# saves, the 404 after the last item) expect those. Script errors are never expected.
FAILED_REQUEST = "Failed to load resource"


def image_uri(key: str, color: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), color).save(buffer, "PNG")
    return media_uri(default_storage.save(f"editor/{key}.png", ContentFile(buffer.getvalue())))


def frames(count: int, *, rois=None, context=lambda index: "cam1") -> list[dict]:
    result = []
    for index in range(count):
        data = frame_data(
            f"f{index}",
            context_id=context(index),
            timestamp=index * 40,
            rois=(rois or {}).get(index, []),
            width=WIDTH,
            height=HEIGHT,
        )
        data["source"]["uri"] = image_uri(f"f{index}", (40 + 40 * index, 110, 150))
        result.append(data)
    return result


@pytest.fixture
def task_over(manager):
    """A task by `manager` over a new version of `frame_list` (Published: the task forks it)."""

    def make(frame_list, *, clip_length=0, published=False, name="Street scenes"):
        version = VersionFactory(frames=frame_list, published=published)
        return make_task(version, manager, name, iteration={"clip_length": clip_length})

    return make


class Editor:
    """Drives the editor page: image-pixel coordinates in, API JSON out."""

    def __init__(self, page, live_server):
        self.page = page
        self.url = live_server.url
        self.errors = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def on_console(self, message):
        if message.type == "error" and FAILED_REQUEST not in message.text:
            self.errors.append(message.text)

    def open(self, task, position=None, item=None):
        query = "" if position is None else f"?position={position}"
        self.page.goto(f"{self.url}/tasks/{task.pk}/annotate/{query}")
        self.wait_item(item if item is not None else position or 0)
        return self

    def wait_item(self, item):
        self.page.wait_for_selector(f"frame-editor[data-item='{item}']")

    def point(self, x, y):
        return self.page.evaluate(
            f"""([x, y]) => {{
              const editor = {EDITOR};
              const rect = editor.stage.getBoundingClientRect();
              const view = editor.store.view;
              return [rect.left + x * view.scale + view.x, rect.top + y * view.scale + view.y];
            }}""",
            [x, y],
        )

    @property
    def scale(self) -> float:
        return self.page.evaluate(f"{EDITOR}.store.view.scale")

    def click(self, x, y, **kwargs):
        self.page.mouse.click(*self.point(x, y), **kwargs)

    def drag(self, start, end):
        self.page.mouse.move(*self.point(*start))
        self.page.mouse.down()
        self.page.mouse.move(*self.point(*end), steps=6)
        self.page.mouse.up()

    def key(self, *keys):
        for key in keys:
            self.page.keyboard.press(key)

    def draw_box(self, start, end):
        self.key("r")
        self.drag(start, end)

    def wait_saved(self):
        self.page.wait_for_function(
            f"""() => {EDITOR}.store.records.every(
              (r) => r.changes === r.savedChanges && r.status === 'saved')"""
        )

    def painted(self):
        """Waits until the editor has re-rendered what the last event changed."""
        self.page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )

    def rois(self):
        return self.page.evaluate(f"{EDITOR}.store.doc.rois")

    def api_frame(self, task, key):
        response = self.page.request.get(f"{self.url}/api/versions/{task.version_id}/frames/{key}/")
        assert response.ok, response.text()
        return response.json()

    def row(self, index):
        return self.page.locator("[data-panel] ol[data-list=rois] > li").nth(index)

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def close_to(points, expected, tolerance):
    flat = [value for point in points for value in point]
    wanted = [value for point in expected for value in point]
    return len(flat) == len(wanted) and all(
        abs(a - b) <= tolerance for a, b in zip(flat, wanted, strict=True)
    )


def test_drawn_box_polygon_and_key_points_are_saved_in_image_pixels(editor, task_over):
    task = task_over(frames(2))
    editor.open(task)
    tolerance = 1 / editor.scale + 0.01
    editor.draw_box((300, 200), (400, 300))
    # The version has no labels yet: the label field takes focus and the typed label is used.
    editor.page.keyboard.type("car")
    editor.key("Enter")
    editor.key("p")
    for point in [(100, 350), (200, 350), (150, 420)]:
        editor.click(*point)
    editor.click(100, 350)  # closes on the first vertex
    editor.key("k")
    for point in [(500, 100), (550, 120)]:
        editor.click(*point)
    editor.key("Enter")
    editor.wait_saved()

    editor.page.reload()
    editor.wait_item(0)
    saved = editor.api_frame(task, "f0")["rois"]
    assert [roi["type"] for roi in saved] == ["box", "polygon", "keypoints"]
    assert all(roi["labels"] == ["car"] for roi in saved)
    assert close_to(saved[0]["points"], [[300, 200], [400, 300]], tolerance)
    assert close_to(saved[1]["points"], [[100, 350], [200, 350], [150, 420]], tolerance)
    assert close_to(saved[2]["points"], [[500, 100], [550, 120]], tolerance)
    assert len(editor.rois()) == 3


def test_dragging_a_shape_moves_it_and_a_corner_resizes_it(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    tolerance = 1 / editor.scale + 0.01
    editor.drag((150, 140), (190, 170))
    editor.wait_saved()
    moved = editor.api_frame(task, "f0")["rois"][0]["points"]
    assert close_to(moved, [[140, 130], [240, 210]], tolerance)

    editor.drag((240, 210), (300, 250))  # bottom-right handle of the selected box
    editor.wait_saved()
    resized = editor.api_frame(task, "f0")["rois"][0]["points"]
    assert close_to(resized, [[140, 130], [300, 250]], 2 * tolerance)


def test_a_locked_shape_neither_moves_nor_deletes_until_unlocked(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    editor.click(150, 140)
    editor.key("l")
    editor.wait_saved()
    assert editor.api_frame(task, "f0")["rois"][0]["locked"] is True

    editor.drag((150, 140), (250, 240))
    editor.key("Delete")
    assert editor.rois()[0]["points"] == [[100, 100], [200, 180]]

    editor.row(0).locator("[data-action=toggleLock]").click()
    editor.row(0).locator("[data-action=remove]").click()
    editor.wait_saved()
    assert editor.api_frame(task, "f0")["rois"] == []


def test_shape_colour_and_extra_labels_are_saved_and_the_last_label_stays(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    editor.page.eval_on_selector(
        "[data-shape-color]",
        "input => { input.value = '#00ff88'; input.dispatchEvent(new Event('change', {bubbles: true})); }",
    )
    editor.painted()
    add = editor.row(0).locator("[data-add-label]")
    add.fill("occluded")
    add.press("Enter")
    editor.wait_saved()
    roi = editor.api_frame(task, "f0")["rois"][0]
    assert roi["color"] == "#00ff88"
    assert roi["labels"] == ["car", "occluded"]

    editor.row(0).locator("[data-action=removeLabel][data-label=car]").click()
    editor.wait_saved()
    assert editor.api_frame(task, "f0")["rois"][0]["labels"] == ["occluded"]
    assert editor.row(0).locator("[data-action=removeLabel]").count() == 0


def test_invalid_metadata_json_is_refused_with_its_position_and_the_text_kept(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    editor.row(0).locator("[data-action=editMeta]").click()
    dialog = editor.page.locator("dialog[data-json]")
    text = '{\n  "occluded": true,\n  "truncated" false\n}'
    dialog.locator("textarea").fill(text)
    dialog.locator("[data-json-save]").click()
    error = dialog.locator("[data-json-error]")
    assert "line 3" in error.inner_text()
    assert dialog.locator("textarea").input_value() == text
    editor.screenshot("editor-metadata-error")

    dialog.locator("textarea").fill("[1, 2]")
    dialog.locator("[data-json-save]").click()
    assert "JSON object" in error.inner_text()

    dialog.locator("textarea").fill('{"occluded": true}')
    dialog.locator("[data-json-save]").click()
    editor.wait_saved()
    assert editor.api_frame(task, "f0")["rois"][0]["meta"] == {"occluded": True}


def test_frame_label_and_frame_metadata_are_saved(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    editor.page.click("[data-action=addFrameLabel]")
    editor.page.click("[data-panel] summary")
    editor.page.click("[data-action=editFrameMeta]")
    editor.page.locator("dialog[data-json] textarea").fill('{"weather": "rain"}')
    editor.page.click("dialog[data-json] [data-json-save]")
    editor.wait_saved()
    frame = editor.api_frame(task, "f0")
    assert [item["labels"] for item in frame["frame_labels"]] == [["car"]]
    assert frame["meta"] == {"weather": "rain"}


def test_copy_then_paste_on_the_next_frame_puts_the_shape_at_the_same_place(editor, task_over):
    task = task_over(frames(2, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    editor.click(150, 140)
    editor.key("Control+c", "ArrowRight")
    editor.wait_item(1)
    editor.key("Control+v", "Control+v")
    editor.wait_saved()
    pasted = editor.api_frame(task, "f1")["rois"]
    assert [roi["points"] for roi in pasted] == [[[100, 100], [200, 180]]] * 2
    assert pasted[0]["id"] != pasted[1]["id"]


def test_copy_all_then_paste_copies_every_shape(editor, task_over):
    rois = [box("car", x=10, y=10), box("bus", x=300, y=200)]
    task = task_over(frames(2, rois={0: rois}))
    editor.open(task)
    editor.page.click("[data-action=copyAll]")
    editor.page.click("[data-action=next]")
    editor.wait_item(1)
    editor.page.click("[data-action=paste]")
    editor.wait_saved()
    labels = [roi["labels"] for roi in editor.api_frame(task, "f1")["rois"]]
    assert labels == [["car"], ["bus"]]


def test_undo_and_redo_reach_the_server(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    editor.draw_box((300, 200), (400, 300))
    editor.wait_saved()
    editor.key("Control+z")
    editor.wait_saved()
    assert len(editor.api_frame(task, "f0")["rois"]) == 1
    editor.key("Control+y")
    editor.wait_saved()
    assert len(editor.api_frame(task, "f0")["rois"]) == 2


def test_after_zooming_a_drawn_box_is_still_in_image_pixels(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    before = editor.scale
    editor.page.click("[data-action=zoom][data-arg='1.25']")
    editor.page.mouse.move(*editor.point(320, 240))
    editor.page.mouse.wheel(0, -300)
    assert editor.scale > before * 1.25
    editor.draw_box((300, 220), (340, 250))
    editor.wait_saved()
    points = editor.api_frame(task, "f0")["rois"][1]["points"]
    assert close_to(points, [[300, 220], [340, 250]], 1 / editor.scale + 0.01)


def test_clip_strip_steps_through_the_clip_with_shapes_per_frame(editor, task_over):
    task = task_over(frames(3, rois={1: [box("bus", x=50, y=50)]}), clip_length=3)
    editor.open(task)
    strip = editor.page.locator("[data-strip] button")
    expect(strip).to_have_count(3)
    assert editor.rois() == []
    editor.key("ArrowRight")
    expect(strip.nth(1)).to_have_attribute("aria-current", "true")
    assert [roi["labels"] for roi in editor.rois()] == [["bus"]]
    editor.click(60, 60)
    editor.key("Control+c", "ArrowRight", "Control+v")
    editor.wait_saved()
    assert [roi["labels"] for roi in editor.api_frame(task, "f2")["rois"]] == [["bus"]]
    editor.screenshot("editor-clip")


def test_previous_goes_back_to_the_item_this_user_finished(editor, task_over):
    task = task_over(frames(2, rois={0: [box("car")]}))
    editor.open(task)
    editor.page.click("[data-action=next]")
    editor.wait_item(1)
    editor.page.click("[data-action=previous]")
    editor.wait_item(0)
    expect(editor.page.locator("[data-position]")).to_contain_text("(done)")


def test_after_the_last_item_the_editor_says_the_task_is_finished(editor, task_over):
    task = task_over(frames(1))
    editor.open(task)
    editor.page.click("[data-action=next]")
    editor.wait_item("finished")
    expect(editor.page.locator("[data-message]")).to_contain_text("No items are left")


def test_a_failed_save_is_kept_in_local_storage_and_restored_after_a_reload(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    editor.page.route("**/api/versions/*/frames/*/", lambda route: route.abort())
    editor.draw_box((300, 200), (400, 300))
    editor.page.wait_for_selector("#save-status[data-state=error]")
    assert len(editor.api_frame(task, "f0")["rois"]) == 1

    editor.page.unroute("**/api/versions/*/frames/*/")
    editor.page.evaluate("window.onbeforeunload = null")
    editor.page.on("dialog", lambda dialog: dialog.accept())
    editor.page.reload()
    editor.wait_item(0)
    editor.wait_saved()
    assert len(editor.api_frame(task, "f0")["rois"]) == 2


def test_shift_click_selects_several_shapes_to_delete_together(editor, task_over):
    rois = [box("car", x=10, y=10), box("bus", x=300, y=200), box("van", x=500, y=400)]
    task = task_over(frames(1, rois={0: rois}))
    editor.open(task)
    editor.click(20, 20)
    expect(editor.page.locator("[data-info=selected]")).to_have_text("1 selected")
    assert editor.page.locator("[data-shown=multi]").is_hidden()
    editor.page.keyboard.down("Shift")
    editor.click(310, 210)
    editor.page.keyboard.up("Shift")
    expect(editor.page.locator("[data-info=selected]")).to_have_text("2 selected")
    editor.key("Delete")
    editor.wait_saved()
    assert [roi["labels"] for roi in editor.api_frame(task, "f0")["rois"]] == [["van"]]


def test_hidden_shapes_cannot_be_selected_on_the_canvas(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    editor.row(0).locator("[data-action=toggleHide]").click()
    editor.click(150, 140)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0


def test_the_question_mark_opens_the_shortcut_sheet(editor, task_over):
    task = task_over(frames(1))
    editor.open(task)
    editor.page.locator("[data-stage]").focus()
    editor.key("?")
    sheet = editor.page.locator("dialog[data-help]")
    expect(sheet).to_be_visible()
    assert "Rectangle" in sheet.inner_text()


def test_a_completed_task_opens_read_only_with_a_banner(editor, task_over, manager):
    task = task_over(frames(1, rois={0: [box("car")]}))
    task_complete(task=task, user=manager)
    editor.open(task)
    expect(editor.page.locator("[data-info=readonly]")).to_contain_text("Completed")
    expect(editor.page.locator("[data-action=tool][data-arg=box]")).to_be_disabled()
    editor.drag((20, 20), (120, 120))
    assert editor.api_frame(task, "f0")["revision"] == 1


def test_two_editors_on_one_frame_get_a_conflict_and_nothing_is_lost(
    editor, task_over, browser, live_server
):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = Editor(other_context.new_page(), live_server)
        # Another Manager: Managers may save any frame, so both editors write this one.
        log_in(other.page, live_server, ManagerFactory(username="lead"), "pw-lead")
        other.open(task, position=0)
        editor.draw_box((300, 200), (400, 300))
        editor.wait_saved()
        other.draw_box((50, 300), (150, 400))
        other.page.wait_for_selector("[data-shown=conflict]:not([hidden])")
        assert len(other.rois()) == 2  # mine stays on screen
        other.screenshot("editor-conflict")

        other.page.click("[data-action=resolve][data-arg=mine]")
        other.wait_saved()
    finally:
        other_context.close()
    saved = editor.api_frame(task, "f0")["rois"]
    assert len(saved) == 3  # the original box, theirs and mine


def test_loading_theirs_after_a_conflict_can_be_undone(editor, task_over, browser, live_server):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = Editor(other_context.new_page(), live_server)
        other.page.context.add_cookies(editor.page.context.cookies())
        other.open(task, position=0)
        editor.draw_box((300, 200), (400, 300))
        editor.wait_saved()
        other.draw_box((50, 300), (150, 400))
        other.page.wait_for_selector("[data-shown=conflict]:not([hidden])")
        other.page.click("[data-action=resolve][data-arg=theirs]")
        assert len(other.rois()) == 2
        expect(other.page.locator("[data-shown=conflict]")).to_be_hidden()
        other.key("Control+z")
        assert len(other.rois()) == 2  # mine again: the box drawn here, not theirs
        assert any(roi["points"][0][1] > 290 for roi in other.rois())
    finally:
        other_context.close()


def test_screenshot_of_the_editor_with_shapes(editor, task_over):
    rois = [
        box("car", x=40, y=60, w=160, h=100),
        box("person", x=380, y=120, w=60, h=150),
        {
            "type": "polygon",
            "labels": ["road"],
            "points": [[0, 400], [640, 360], [640, 480], [0, 480]],
        },
        {"type": "keypoints", "labels": ["face"], "points": [[400, 140], [420, 140], [410, 160]]},
    ]
    task = task_over(frames(2, rois={0: rois}))
    editor.open(task)
    editor.click(100, 100)
    editor.screenshot("editor-shapes")
    expect(editor.page.locator("[data-panel] ol[data-list=rois] > li")).to_have_count(4)


def test_a_label_colour_circle_recolours_the_shapes_of_that_label(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car"), box("bus", x=300, y=200)]}))
    editor.open(task)
    editor.page.eval_on_selector(
        "[data-label-color=car]",
        "input => { input.value = '#123456'; input.dispatchEvent(new Event('change', {bubbles: true})); }",
    )
    editor.wait_saved()
    colors = [roi["color"] for roi in editor.api_frame(task, "f0")["rois"]]
    assert colors[0] == "#123456"
    assert colors[1] != "#123456"


def test_lock_all_and_unlock_all_apply_to_every_shape(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car"), box("bus", x=300, y=200)]}))
    editor.open(task)
    editor.page.click("[data-action=lockAll][data-arg=true]")
    editor.wait_saved()
    assert [roi["locked"] for roi in editor.api_frame(task, "f0")["rois"]] == [True, True]
    editor.page.click("[data-action=lockAll][data-arg=false]")
    editor.wait_saved()
    assert [roi["locked"] for roi in editor.api_frame(task, "f0")["rois"]] == [False, False]


def test_a_shift_drag_box_selects_shapes_that_a_digit_then_relabels(editor, task_over):
    rois = [box("car", x=10, y=10), box("bus", x=100, y=100), box("van", x=500, y=400)]
    task = task_over(frames(1, rois={0: rois}))
    editor.open(task)
    editor.page.keyboard.down("Shift")
    editor.drag((5, 5), (150, 150))
    editor.page.keyboard.up("Shift")
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 2
    editor.key("2")  # labels in the version: bus, car, van (sorted); the second is car
    editor.wait_saved()
    labels = [roi["labels"] for roi in editor.api_frame(task, "f0")["rois"]]
    assert labels == [["car"], ["car"], ["van"]]


def test_backspace_removes_the_last_vertex_and_escape_cancels_the_polygon(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    editor.key("p")
    for point in [(100, 300), (200, 300), (150, 400)]:
        editor.click(*point)
    editor.key("Backspace")
    assert editor.page.evaluate(f"{EDITOR}.store.drawing.points.length") == 2
    editor.key("Escape")
    assert editor.page.evaluate(f"{EDITOR}.store.drawing") is None
    assert len(editor.rois()) == 1


def test_the_confidence_slider_hides_shapes_below_it(editor, task_over):
    rois = [box("car", confidence=0.3), box("bus", x=300, y=200, confidence=0.9)]
    task = task_over(frames(1, rois={0: rois}))
    editor.open(task)
    editor.page.eval_on_selector(
        "[data-min-confidence]",
        "input => { input.value = '0.5'; input.dispatchEvent(new Event('input', {bubbles: true}));"
        " input.dispatchEvent(new Event('change', {bubbles: true})); }",
    )
    editor.click(20, 20)  # where the low-confidence car is
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0
    expect(editor.row(0)).to_have_class(re.compile("is-hidden"))


def test_leaving_with_unsaved_changes_asks_first(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    cancel_leaving = "() => { const e = new Event('beforeunload', {cancelable: true}); dispatchEvent(e); return e.defaultPrevented; }"
    assert editor.page.evaluate(cancel_leaving) is False
    editor.page.route("**/api/versions/*/frames/*/", lambda route: None)  # the save never answers
    editor.draw_box((300, 200), (400, 300))
    assert editor.page.evaluate(cancel_leaving) is True


def test_the_next_items_image_is_prefetched(editor, task_over):
    task = task_over(frames(2))
    requested = []
    editor.page.on("request", lambda request: requested.append(request.url))
    editor.open(task)
    next_image = editor.api_frame(task, "f1")["image_url"]
    editor.page.wait_for_function(
        "(url) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(url))",
        arg=next_image,
    )
    assert any(url.endswith(next_image) for url in requested)


def test_space_and_drag_pans_the_view(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car")]}))
    editor.open(task)
    before = editor.page.evaluate(f"{EDITOR}.store.view.x")
    editor.page.locator("[data-stage]").focus()
    editor.page.keyboard.down(" ")
    editor.drag((300, 300), (400, 300))
    editor.page.keyboard.up(" ")
    after = editor.page.evaluate(f"{EDITOR}.store.view.x")
    assert after - before == pytest.approx(100 * editor.scale, abs=1)
    assert editor.rois()[0]["points"] == [[10, 10], [30, 30]]


def test_dragging_a_polygon_vertex_moves_only_that_vertex(editor, task_over):
    polygon = {
        "type": "polygon",
        "labels": ["road"],
        "points": [[100, 100], [300, 100], [200, 300]],
    }
    task = task_over(frames(1, rois={0: [polygon]}))
    editor.open(task)
    editor.click(200, 150)
    editor.drag((300, 100), (350, 60))
    editor.wait_saved()
    points = editor.api_frame(task, "f0")["rois"][0]["points"]
    assert points[0] == [100, 100]
    assert points[2] == [200, 300]
    assert close_to([points[1]], [[350, 60]], 1 / editor.scale + 0.01)


# Skip, read-only items of others, the History panel


def test_shift_s_skips_the_item_and_the_next_one_is_claimed(editor, task_over):
    task = task_over(frames(3))
    editor.open(task)
    editor.page.locator("[data-stage]").focus()
    editor.key("Shift+S")
    editor.wait_item(1)
    item = editor.page.request.get(f"{editor.url}/api/tasks/{task.pk}/items/0/").json()
    assert (item["status"], item["claimed_by"]) == ("todo", None)
    editor.page.click("[data-action=help]")
    assert "Skip the item" in editor.page.locator("dialog[data-help]").inner_text()


def test_an_annotator_opens_someone_elses_held_item_read_only(
    page, live_server, task_over, manager, annotator
):
    task = task_over(frames(2, rois={0: [box("car")]}))
    task_next(task=task, user=manager)
    log_in(page, live_server, annotator, "pw-annotator")
    editor = Editor(page, live_server).open(task, position=0)
    expect(page.locator("[data-info=readonly]")).to_contain_text("held by manager")
    expect(page.locator("[data-action=tool][data-arg=box]")).to_be_disabled()
    editor.drag((20, 20), (120, 120))
    assert editor.api_frame(task, "f0")["revision"] == 1
    assert editor.errors == []


def test_the_history_panel_lists_saves_and_restores_an_earlier_revision(editor, task_over):
    task = task_over(frames(1, rois={0: [box("car", x=100, y=100, w=100, h=80)]}))
    editor.open(task)
    original = editor.api_frame(task, "f0")["rois"]
    editor.draw_box((300, 200), (400, 300))
    editor.wait_saved()
    editor.page.locator("[data-history] summary").click()
    rows = editor.page.locator("[data-history-list] > li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Revision 2 (current)")
    expect(rows.first).to_contain_text("1 shape(s) added")
    expect(rows.nth(1)).to_contain_text("as imported")
    editor.page.locator("[data-history]").scroll_into_view_if_needed()
    editor.screenshot("editor-history")

    rows.nth(1).locator("[data-action=restore]").click()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("restored revision 1")
    saved = editor.api_frame(task, "f0")
    assert (saved["revision"], saved["rois"]) == (3, original)
    assert len(editor.rois()) == 1
