"""Ellipses, rotated boxes, polylines and vertex editing in the editor, in real Chromium.

Drawn shapes are checked in the PATCH the editor sends and in the frame read back through the API;
gestures use image-pixel coordinates (`Editor.point` maps them to the screen).
"""

import math

import pytest
from playwright.sync_api import expect

from tests.annotations.factories import make_task
from tests.browser.test_editor import EDITOR, close_to, frames
from tests.browser.test_editor_saves import Saves
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box

pytestmark = pytest.mark.browser

ROTATION_HANDLE_PX = 24  # store.js: screen pixels from the top edge to the round handle


@pytest.fixture
def open_with(editor, manager):
    """Opens the editor on a task over one frame holding `rois`; returns the task."""

    def open_frame(rois):
        frame_list = frames(1, rois={0: rois})
        task = make_task(VersionFactory(frames=frame_list), manager, "Shapes")
        editor.open(task)
        return task

    return open_frame


def shape(kind, points, label="road", **extra):
    return {"type": kind, "labels": [label], "points": points, **extra}


def saved_rois(editor, task):
    editor.wait_saved()
    return editor.api_frame(task, "f0")["rois"]


def sent_rois(saves) -> list[dict]:
    """Every ROI the editor sent, whole lists or changes."""
    return [roi for body in saves.take() for roi in body.get("rois", body.get("rois_changed", []))]


def knob(editor, points, rotation=0):
    """Where the rotation handle of box `points` turned by `rotation` is, in image pixels."""
    (x0, y0), (x1, y1) = points
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    reach = (y1 - y0) / 2 + ROTATION_HANDLE_PX / editor.scale  # from the centre, straight up
    angle = math.radians(rotation)
    return (cx + reach * math.sin(angle), cy - reach * math.cos(angle))


def alt_click(editor, x, y):
    editor.page.keyboard.down("Alt")
    editor.click(x, y)
    editor.page.keyboard.up("Alt")


def toasts(editor):
    return editor.page.locator("#toasts")


# Ellipses


def test_a_dragged_ellipse_is_sent_and_saved_with_its_box_and_no_rotation(editor, open_with):
    task = open_with([])
    saves = Saves(editor.page)
    tolerance = 1 / editor.scale + 0.01
    editor.key("o")
    editor.drag((300, 100), (100, 200))  # from the top right: the box is normalised
    editor.page.keyboard.type("wheel")
    editor.key("Enter")
    roi = saved_rois(editor, task)[0]
    sent = sent_rois(saves)[0]
    assert (sent["type"], sent["rotation"]) == ("ellipse", 0)
    assert close_to(sent["points"], [[100, 100], [300, 200]], tolerance)
    assert (roi["type"], roi["labels"], roi["rotation"]) == ("ellipse", ["wheel"], 0)
    assert close_to(roi["points"], [[100, 100], [300, 200]], tolerance)


def test_shift_while_dragging_an_ellipse_draws_a_circle(editor, open_with):
    task = open_with([])
    editor.key("o")
    editor.page.mouse.move(*editor.point(100, 100))
    editor.page.mouse.down()
    editor.page.keyboard.down("Shift")
    editor.page.mouse.move(*editor.point(220, 160), steps=5)
    editor.page.mouse.up()
    editor.page.keyboard.up("Shift")
    editor.page.keyboard.type("wheel")
    editor.key("Enter")
    (x0, y0), (x1, y1) = saved_rois(editor, task)[0]["points"]
    assert x1 - x0 == pytest.approx(y1 - y0, abs=0.02)
    assert x1 - x0 == pytest.approx(120, abs=1 / editor.scale + 0.01)


def test_an_ellipse_is_selected_inside_its_curve_not_in_its_box_corner(editor, open_with):
    open_with([shape("ellipse", [[100, 100], [300, 300]], rotation=0)])
    editor.click(110, 110)  # inside the box, outside the circle
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0
    editor.click(200, 120)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 1


# Rotation


def test_dragging_the_round_handle_rotates_a_box_about_its_centre(editor, open_with):
    points = [[200, 150], [300, 250]]
    task = open_with([box("car", x=200, y=150, w=100, h=100)])
    editor.click(250, 200)
    editor.drag(knob(editor, points), (350, 200))  # right of the centre: a quarter turn
    roi = saved_rois(editor, task)[0]
    assert roi["rotation"] == pytest.approx(90, abs=1)
    assert roi["points"] == points


def test_shift_snaps_the_rotation_to_15_degrees_and_it_stays_in_range(editor, open_with):
    points = [[200, 150], [300, 250]]
    task = open_with([box("car", x=200, y=150, w=100, h=100)])
    editor.click(250, 200)
    editor.page.keyboard.down("Shift")
    editor.drag(knob(editor, points), (150, 160))  # up and left: about -68 degrees
    editor.page.keyboard.up("Shift")
    assert saved_rois(editor, task)[0]["rotation"] == -75
    editor.drag(knob(editor, points, -75), (250, 300))  # straight below the centre
    assert saved_rois(editor, task)[0]["rotation"] == 180  # not -180


def test_a_rotated_box_is_hit_where_it_is_drawn(editor, open_with):
    # A 200 x 40 bar turned a quarter: it stands upright over x = 180..220, y = 100..300.
    bar = box("pole", x=100, y=180, w=200, h=40, rotation=90)
    open_with([bar])
    editor.click(120, 200)  # inside the box before rotation, outside the bar
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0
    editor.click(200, 120)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 1


def test_a_rotated_box_resizes_in_its_own_frame_and_moves_with_its_rotation(editor, open_with):
    bar = box("pole", x=100, y=180, w=200, h=40, rotation=90)
    task = open_with([bar])
    tolerance = 2 / editor.scale + 0.02
    editor.click(200, 200)
    # Turned a quarter, the bottom-right corner handle of the box is on screen at (180, 300);
    # dragging it 40 px down lengthens the bar downwards: the top end stays at y = 100.
    editor.drag((180, 300), (180, 340))
    roi = saved_rois(editor, task)[0]
    assert roi["rotation"] == 90
    assert close_to(roi["points"], [[80, 200], [320, 240]], tolerance)
    editor.drag((200, 220), (250, 220))
    roi = saved_rois(editor, task)[0]
    assert roi["rotation"] == 90
    assert close_to(roi["points"], [[130, 200], [370, 240]], tolerance)


def test_copy_paste_undo_and_redo_keep_the_rotation(editor, open_with):
    ellipse = shape("ellipse", [[100, 100], [300, 200]], rotation=30)
    task = open_with([ellipse])
    editor.click(200, 150)
    editor.key("Control+c", "Control+v")
    assert [roi["rotation"] for roi in saved_rois(editor, task)] == [30, 30]
    editor.key("Control+z")
    assert len(saved_rois(editor, task)) == 1
    editor.click(200, 150)
    editor.drag(knob(editor, [[100, 100], [300, 200]], 30), (300, 150))
    editor.wait_saved()
    turned = editor.rois()[0]["rotation"]
    assert turned != 30
    editor.key("Control+z")
    assert saved_rois(editor, task)[0]["rotation"] == 30
    editor.key("Control+y")
    assert saved_rois(editor, task)[0]["rotation"] == turned


def test_a_locked_box_has_no_rotation_handle(editor, open_with):
    task = open_with([box("car", x=200, y=150, w=100, h=100, locked=True)])
    editor.row(0).locator("[data-action=selectRow]").click()
    editor.drag(knob(editor, [[200, 150], [300, 250]]), (350, 200))
    assert saved_rois(editor, task)[0]["rotation"] == 0


# Polylines


def test_a_polyline_is_finished_by_enter_and_saved_open(editor, open_with):
    task = open_with([])
    saves = Saves(editor.page)
    editor.page.locator("[data-action=tool][data-arg=polyline]").click()
    for point in [(100, 100), (200, 150), (300, 100)]:
        editor.click(*point)
    editor.key("Enter")  # finishes the line; the version has no label yet, so it asks for one
    editor.page.keyboard.type("lane")
    editor.key("Enter")
    roi = saved_rois(editor, task)[0]
    assert roi["type"] == "polyline"
    assert close_to(roi["points"], [[100, 100], [200, 150], [300, 100]], 1 / editor.scale + 0.01)
    assert "rotation" not in sent_rois(saves)[0]


def test_a_double_click_finishes_a_polyline_without_a_repeated_point(editor, open_with):
    task = open_with([shape("box", [[0, 0], [10, 10]], "lane")])
    editor.key("n")
    editor.click(100, 100)
    editor.page.mouse.dblclick(*editor.point(200, 150))
    roi = saved_rois(editor, task)[1]
    assert roi["type"] == "polyline"
    assert close_to(roi["points"], [[100, 100], [200, 150]], 1 / editor.scale + 0.01)


def test_escape_cancels_a_polyline_and_one_point_is_no_line(editor, open_with):
    task = open_with([shape("box", [[0, 0], [10, 10]], "lane")])
    editor.key("n")
    editor.click(100, 100)
    editor.click(200, 150)
    editor.key("Escape")
    editor.click(300, 300)
    editor.key("Enter")
    assert len(saved_rois(editor, task)) == 1
    assert editor.page.evaluate(f"{EDITOR}.store.drawing") is None


def test_a_polyline_is_hit_near_its_line_not_across_its_opening(editor, open_with):
    open_with([shape("polyline", [[100, 100], [300, 100], [300, 300]])])
    editor.click(200, 200)  # inside the triangle a polygon would close
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0
    editor.click(200, 102)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 1


# Vertex editing


SQUARE = [[100, 100], [300, 100], [300, 300], [100, 300]]
TRIANGLE = [[100, 100], [300, 100], [200, 300]]


def test_pressing_on_an_edge_inserts_a_vertex_and_drags_it(editor, open_with):
    task = open_with([shape("polygon", SQUARE)])
    editor.click(200, 200)
    editor.drag((200, 100), (200, 60))
    points = saved_rois(editor, task)[0]["points"]
    assert len(points) == 5
    assert points[0] == [100, 100]
    assert close_to([points[1]], [[200, 60]], 1 / editor.scale + 0.01)
    assert points[2:] == SQUARE[1:]


def test_a_click_on_an_edge_inserts_a_vertex_there(editor, open_with):
    task = open_with([shape("polyline", [[100, 100], [300, 100]])])
    editor.click(200, 101)
    editor.click(150, 100)
    points = saved_rois(editor, task)[0]["points"]
    assert close_to(points, [[100, 100], [150, 100], [300, 100]], 1 / editor.scale + 0.01)


def test_alt_click_removes_a_vertex_but_a_polygon_keeps_three(editor, open_with):
    task = open_with([shape("polygon", SQUARE)])
    editor.click(200, 200)
    alt_click(editor, 300, 300)
    assert saved_rois(editor, task)[0]["points"] == [[100, 100], [300, 100], [100, 300]]
    alt_click(editor, 300, 100)
    expect(toasts(editor)).to_contain_text("at least 3 vertices")
    assert saved_rois(editor, task)[0]["points"] == [[100, 100], [300, 100], [100, 300]]


def test_delete_removes_the_clicked_vertex_instead_of_the_shape(editor, open_with):
    task = open_with([shape("polygon", SQUARE)])
    editor.click(200, 200)
    editor.click(300, 100)
    assert editor.page.evaluate(f"{EDITOR}.store.vertex") == {
        "id": editor.rois()[0]["id"],
        "index": 1,
    }
    editor.key("Delete")
    assert saved_rois(editor, task)[0]["points"] == [SQUARE[0], *SQUARE[2:]]
    triangle = [SQUARE[0], SQUARE[2], SQUARE[3]]
    editor.click(300, 300)
    editor.key("Backspace")
    expect(toasts(editor)).to_contain_text("at least 3 vertices")
    assert saved_rois(editor, task)[0]["points"] == triangle
    editor.click(150, 250)  # inside: the vertex is no longer chosen
    assert editor.page.evaluate(f"{EDITOR}.store.vertex") is None
    editor.key("Delete")
    assert saved_rois(editor, task) == []


def test_a_polyline_keeps_two_vertices(editor, open_with):
    task = open_with([shape("polyline", [[100, 100], [300, 100], [300, 300]])])
    editor.click(200, 101)
    alt_click(editor, 300, 300)
    assert saved_rois(editor, task)[0]["points"] == [[100, 100], [300, 100]]
    editor.click(300, 100)
    editor.key("Delete")
    expect(toasts(editor)).to_contain_text("at least 2 vertices")
    assert len(saved_rois(editor, task)[0]["points"]) == 2


def test_a_locked_polygon_keeps_its_vertices(editor, open_with):
    task = open_with([shape("polygon", SQUARE, locked=True)])
    editor.row(0).locator("[data-action=selectRow]").click()
    alt_click(editor, 300, 300)
    editor.drag((200, 100), (200, 60))
    assert saved_rois(editor, task)[0]["points"] == SQUARE


# Keys, lock, hide and the sheet


def test_keys_o_and_n_pick_the_ellipse_and_polyline_tools_shown_in_the_sheet(editor, open_with):
    open_with([])
    editor.page.locator("[data-stage]").focus()
    for key, tool in [("o", "ellipse"), ("n", "polyline")]:
        editor.key(key)
        button = editor.page.locator(f"[data-action=tool][data-arg={tool}]")
        expect(button).to_have_attribute("aria-pressed", "true")
        assert f"({key.upper()})" in button.get_attribute("title")
    editor.key("?")
    sheet = editor.page.locator("dialog[data-help]").inner_text()
    assert "Ellipse" in sheet
    assert "Polyline" in sheet
    assert "Alt+click" in sheet


def test_multi_select_lock_and_hide_apply_to_ellipses_and_polylines(editor, open_with):
    rois = [
        shape("ellipse", [[100, 100], [200, 200]], rotation=45),
        shape("polyline", [[300, 100], [400, 100]]),
    ]
    task = open_with(rois)
    editor.page.keyboard.down("Shift")
    editor.drag((50, 50), (450, 250))
    editor.page.keyboard.up("Shift")
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 2
    editor.key("l")
    assert [roi["locked"] for roi in saved_rois(editor, task)] == [True, True]
    editor.key("h")
    assert editor.page.evaluate(f"{EDITOR}.store.hidden.size") == 2
    editor.click(150, 150)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0


def test_screenshot_of_the_new_shapes(editor, open_with):
    rois = [
        box("car", x=60, y=80, w=160, h=90, rotation=20),
        shape("ellipse", [[300, 60], [460, 160]], "wheel", rotation=-30),
        shape("polyline", [[40, 420], [200, 330], [380, 380], [600, 300]], "lane"),
        shape("polygon", [[420, 240], [600, 220], [620, 330], [460, 360]], "road"),
    ]
    open_with(rois)
    editor.click(140, 125)
    editor.painted()
    editor.screenshot("editor-new-shapes")
    expect(editor.page.locator("[data-panel] ol[data-list=rois] > li")).to_have_count(4)
