"""The brush and eraser of masks in the editor, in real Chromium.

Strokes are made with the mouse in image-pixel coordinates (`Editor.point` maps them to the
screen); what the editor sends and what the API reads back are decoded with pycocotools and
compared with the pixels the stroke should cover: every pixel whose centre is within the brush's
radius of the stroke, give or take a pixel and a half at the edge (the pointer lands on whole
screen pixels).
"""

import numpy as np
import pytest
from playwright.sync_api import expect
from pycocotools import mask as mask_utils

from tests.annotations.factories import make_task
from tests.browser.test_editor import EDITOR, HEIGHT, WIDTH, frames
from tests.browser.test_editor_saves import Saves
from tests.browser.test_editor_shapes import toasts
from tests.datasets.factories import VersionFactory

pytestmark = pytest.mark.browser

RED = "#ff0000"


@pytest.fixture
def open_with(editor, manager):
    """Opens the editor on a task over one 640x480 frame holding `rois`; returns the task."""

    def open_frame(rois):
        task = make_task(VersionFactory(frames=frames(1, rois={0: rois})), manager, "Masks")
        editor.open(task)
        return task

    return open_frame


def encode(arr: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(arr.astype(np.uint8)))
    return {"size": list(rle["size"]), "counts": rle["counts"].decode()}


def decode(rle: dict) -> np.ndarray:
    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()}).astype(bool)


def mask_roi(arr, label="puddle", **extra) -> dict:
    return {"type": "mask", "labels": [label], "mask": encode(arr), **extra}


def rect(x0, y0, x1, y1) -> np.ndarray:
    arr = np.zeros((HEIGHT, WIDTH), bool)
    arr[y0:y1, x0:x1] = True
    return arr


def distance_to(a, b) -> np.ndarray:
    """Each pixel centre's distance to the segment from `a` to `b` (image pixels)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    px, py = xx + 0.5, yy + 0.5
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy or 1), 0, 1)
    return np.hypot(px - ax - t * dx, py - ay - t * dy)


def assert_stroke(arr, a, b, size, *, beside=None, within=None, slack=1.5):
    """`arr` holds the stroke from `a` to `b` of a brush `size` pixels across (the part of it
    `within`), and no more (but the pixels of `beside`)."""
    distance = distance_to(a, b)
    inside = distance <= size / 2 - slack
    outside = distance > size / 2 + slack
    if within is not None:
        inside &= within
    if beside is not None:
        outside &= ~beside
    assert arr[inside].all(), "the stroke left pixels out"
    assert not arr[outside].any(), "the stroke went too far"


def bounds(arr):
    ys, xs = np.nonzero(arr)
    return [[int(xs.min()), int(ys.min())], [int(xs.max()) + 1, int(ys.max()) + 1]]


def stroke(editor, *points):
    editor.page.mouse.move(*editor.point(*points[0]))
    editor.page.mouse.down()
    for point in points[1:]:
        editor.page.mouse.move(*editor.point(*point), steps=4)
    editor.page.mouse.up()


def brush_size(editor, size):
    field = editor.page.locator("[data-brush-size]")
    field.fill(str(size))
    field.press("Enter")
    editor.page.locator("[data-stage]").focus()


def saved_rois(editor, task):
    editor.wait_saved()
    return editor.api_frame(task, "f0")["rois"]


def sent_rois(bodies) -> list[dict]:
    return [roi for body in bodies for roi in body.get("rois", body.get("rois_changed", []))]


def select_row(editor, index=0):
    editor.row(index).locator("[data-action=selectRow]").click()


def pixel(editor, canvas, x, y):
    """The RGBA of a canvas ("shapes" or "overlay") at image point (x, y)."""
    return editor.page.evaluate(
        f"""([canvas, x, y]) => {{
          const editor = {EDITOR};
          editor.render();
          const {{ scale, x: ox, y: oy, dpr }} = editor.store.view;
          const ctx = editor.$(canvas).getContext("2d");
          const at = [Math.round((x * scale + ox) * dpr), Math.round((y * scale + oy) * dpr)];
          return Array.from(ctx.getImageData(at[0], at[1], 1, 1).data);
        }}""",
        [canvas, x, y],
    )


def test_a_brush_stroke_makes_a_mask_of_the_source_size_that_is_saved(editor, open_with):
    task = open_with([])
    saves = Saves(editor.page)
    editor.key("b")
    brush_size(editor, 20)
    stroke(editor, (100, 100), (260, 180))
    # The version has no label yet: the label field asks for one, as for other shapes.
    editor.page.keyboard.type("puddle")
    editor.key("Enter")
    (roi,) = saved_rois(editor, task)
    (sent,) = sent_rois(saves.take())
    assert sent["type"] == "mask"
    assert sent["source"] == "default"
    assert sent["mask"]["size"] == [HEIGHT, WIDTH]
    painted = decode(sent["mask"])
    assert_stroke(painted, (100, 100), (260, 180), 20)
    assert (roi["type"], roi["labels"], roi["source"]) == ("mask", ["puddle"], "default")
    assert roi["mask"] == sent["mask"]
    assert roi["points"] == bounds(painted) == sent["points"]


def test_strokes_before_the_label_is_typed_make_one_mask(editor, open_with):
    task = open_with([])
    editor.key("b")
    brush_size(editor, 10)
    stroke(editor, (100, 100), (200, 100))
    editor.page.locator("[data-stage]").focus()
    stroke(editor, (100, 300), (200, 300))
    editor.page.locator("[data-label-input]").fill("puddle")
    editor.page.locator("[data-label-input]").press("Enter")
    (roi,) = saved_rois(editor, task)
    painted = decode(roi["mask"])
    first = distance_to((100, 100), (200, 100)) <= 5 - 1.5
    second = distance_to((100, 300), (200, 300)) <= 5 - 1.5
    assert painted[first].all()
    assert painted[second].all()
    assert roi["points"] == bounds(painted)


def test_the_brush_paints_into_the_selected_mask_in_one_save(editor, open_with):
    square = rect(100, 100, 200, 200)
    task = open_with([mask_roi(square)])
    saves = Saves(editor.page)
    editor.click(150, 150)  # selects the mask
    editor.key("b")
    brush_size(editor, 16)
    stroke(editor, (190, 150), (300, 150))
    (roi,) = saved_rois(editor, task)
    assert len(saves.take()) == 1, "one stroke, one save"
    painted = decode(roi["mask"])
    assert painted[square].all()
    assert_stroke(painted, (190, 150), (300, 150), 16, beside=square)
    assert roi["points"] == bounds(painted)


def test_the_eraser_erases_from_the_selected_mask(editor, open_with):
    square = rect(100, 100, 300, 200)
    task = open_with([mask_roi(square)])
    editor.click(150, 150)
    editor.key("e")
    brush_size(editor, 20)
    stroke(editor, (200, 80), (200, 220))  # across the middle, past both edges
    (roi,) = saved_rois(editor, task)
    left = decode(roi["mask"])
    erased = square & ~left
    assert not (left & ~square).any()
    assert_stroke(erased, (200, 80), (200, 220), 20, within=square)
    assert erased.any()
    assert left[150, 120]
    assert left[150, 280]


def test_the_eraser_needs_a_selected_mask(editor, open_with):
    task = open_with([mask_roi(rect(100, 100, 200, 200))])
    editor.key("e")
    stroke(editor, (150, 150), (160, 160))
    expect(toasts(editor)).to_contain_text("Select a mask to erase from")
    assert decode(saved_rois(editor, task)[0]["mask"]).sum() == 100 * 100


def test_erasing_a_whole_mask_deletes_it_and_undo_brings_it_back(editor, open_with):
    square = rect(100, 100, 110, 110)
    task = open_with([mask_roi(square)])
    saves = Saves(editor.page)
    select_row(editor)
    editor.key("e")
    brush_size(editor, 40)
    stroke(editor, (105, 105), (106, 106))
    expect(toasts(editor)).to_contain_text("no pixel left")
    assert saved_rois(editor, task) == []
    # No empty mask went to the server: the save removed the shape.
    assert all(
        roi.get("mask") is None or decode(roi["mask"]).any() for roi in sent_rois(saves.take())
    )
    editor.key("Control+z")
    (roi,) = saved_rois(editor, task)
    assert (decode(roi["mask"]) == square).all()


def test_brackets_change_the_brush_size_shown_and_kept(editor, open_with):
    open_with([])
    field = editor.page.locator("[data-brush-size]")
    expect(field).to_be_hidden()  # over the image only while the brush or the eraser is the tool
    editor.key("e")
    expect(field).to_be_visible()
    editor.key("b")
    brush_size(editor, 16)
    editor.key("]")
    expect(field).to_have_value("20")
    editor.key("]", "]")
    expect(field).to_have_value("32")
    editor.key("[")
    expect(field).to_have_value("24")
    assert editor.page.evaluate(f"{EDITOR}.store.brushSize") == 24
    editor.page.reload()
    editor.wait_item(0)
    expect(editor.page.locator("[data-brush-size]")).to_have_value("24")
    # The sheet lists the tools and the size keys.
    editor.key("?")
    sheet = editor.page.locator("[data-help]")
    for text in ["Brush: paint", "Eraser: erase", "Smaller / larger brush"]:
        expect(sheet).to_contain_text(text)


def test_a_stroke_is_one_undo_step_and_redo_puts_it_back(editor, open_with):
    square = rect(100, 100, 200, 200)
    task = open_with([mask_roi(square)])
    editor.click(150, 150)
    editor.key("b")
    brush_size(editor, 12)
    stroke(editor, (200, 150), (260, 150), (260, 250))
    painted = decode(saved_rois(editor, task)[0]["mask"])
    assert painted.sum() > square.sum()
    editor.key("Control+z")
    (roi,) = saved_rois(editor, task)
    assert (decode(roi["mask"]) == square).all()
    assert roi["points"] == [[100, 100], [200, 200]]
    editor.key("Control+y")
    assert (decode(saved_rois(editor, task)[0]["mask"]) == painted).all()


def test_a_mask_is_copied_pasted_and_moved_by_whole_pixels(editor, open_with):
    square = rect(100, 100, 160, 140)
    task = open_with([mask_roi(square)])
    editor.click(120, 120)
    editor.key("Control+c", "Control+v")
    rois = saved_rois(editor, task)
    assert len(rois) == 2
    assert rois[0]["mask"] == rois[1]["mask"]
    assert rois[1]["id"] != rois[0]["id"]
    # The copy is selected: drag it right and down.
    editor.drag((130, 120), (170.3, 150.6))
    original, moved = saved_rois(editor, task)
    assert original["mask"] == rois[0]["mask"]
    (x0, y0), _ = moved["points"]
    dx, dy = x0 - 100, y0 - 100
    assert abs(dx - 40) <= 1
    assert abs(dy - 31) <= 1
    assert (decode(moved["mask"]) == np.roll(square, (dy, dx), axis=(0, 1))).all()
    assert moved["points"] == [[100 + dx, 100 + dy], [160 + dx, 140 + dy]]


def test_a_locked_mask_is_not_painted_or_erased(editor, open_with):
    square = rect(100, 100, 200, 200)
    task = open_with([mask_roi(square, locked=True)])
    saves = Saves(editor.page)
    editor.click(150, 150)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0  # not hit: locked
    select_row(editor)
    for tool in ["b", "e"]:
        editor.key(tool)
        stroke(editor, (150, 150), (300, 300))
    expect(toasts(editor)).to_contain_text("locked")
    editor.painted()
    assert saves.take() == []
    (roi,) = saved_rois(editor, task)
    assert (decode(roi["mask"]) == square).all()


def test_masks_show_in_their_colour_and_are_hit_by_pixel(editor, open_with):
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    disc = (xx + 0.5 - 150) ** 2 + (yy + 0.5 - 150) ** 2 < 50**2
    open_with([mask_roi(disc, color=RED), mask_roi(rect(300, 100, 400, 200), color="#0000ff")])
    r, g, b, a = pixel(editor, "shapes", 150, 150)
    assert (r, g, b) == (255, 0, 0)
    assert abs(a - 128) <= 2
    r, g, b, a = pixel(editor, "shapes", 350, 150)
    assert (r, g, b) == (0, 0, 255)
    assert abs(a - 128) <= 2
    assert pixel(editor, "shapes", 250, 150)[3] == 0
    # Inside the disc's box, outside the disc: no hit.
    editor.click(108, 108)
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 0
    editor.click(150, 150)
    assert editor.page.evaluate(f"[...{EDITOR}.store.selected]") == [editor.rois()[0]["id"]]
    # Selected, it is drawn on the overlay, still in its colour; the opacity slider applies.
    assert pixel(editor, "shapes", 150, 150)[3] == 0
    assert pixel(editor, "overlay", 150, 150)[:3] == [255, 0, 0]
    slider = editor.row(0).locator("[data-opacity]")
    slider.fill("1")
    editor.key("Escape", "Escape")  # leaves the slider, then clears the selection
    assert pixel(editor, "shapes", 150, 150) == [255, 0, 0, 255]


def test_masks_are_multi_selected_locked_and_hidden(editor, open_with):
    task = open_with(
        [mask_roi(rect(100, 100, 200, 200), color=RED), mask_roi(rect(300, 100, 400, 200))]
    )
    editor.click(150, 150)
    editor.page.keyboard.down("Shift")
    editor.click(350, 150)
    editor.page.keyboard.up("Shift")
    assert editor.page.evaluate(f"{EDITOR}.store.selected.size") == 2
    editor.key("l")
    assert [roi["locked"] for roi in saved_rois(editor, task)] == [True, True]
    editor.key("h")
    editor.key("Escape")
    assert pixel(editor, "shapes", 150, 150)[3] == 0
    assert pixel(editor, "shapes", 350, 150)[3] == 0
    editor.key("h")  # nothing selected: nothing to show again
    editor.row(0).locator("[data-action=toggleHide]").click()
    assert pixel(editor, "shapes", 150, 150)[:3] == [255, 0, 0]
