"""FrameGroups in the editor, in real Chromium: a frame's sources side by side (grid) or one at a
time (tabs, Alt+1…9), shapes drawn, hit and moved on their own source, copy and paste keeping it.

The frame has three sources of two sizes; the grid puts them in 2 columns with a gap of 1/50 of
the largest side (13 px): front at (0, 0), left at (653, 0), right at (0, 493) in world pixels.
`Editor.point` maps world pixels to the screen; shapes are checked in the API's JSON (source
pixels) and on the shapes canvas.
"""

import pytest
from playwright.sync_api import expect

from tests.annotations.factories import make_task
from tests.browser.conftest import axe_violations, image_uri, title_only_controls
from tests.browser.test_editor import EDITOR, close_to, frames
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, group_data, source_data

pytestmark = pytest.mark.browser

PLACES = {"front": (0, 0), "left": (653, 0), "right": (0, 493)}
SIZES = {"front": (640, 480), "left": (320, 240), "right": (640, 480)}
COLORS = {
    "front": (200, 60, 60),
    "left": (60, 160, 60),
    "right": (60, 60, 200),
    "rear": (90, 90, 90),
}
FRONT_BOX = box("car", x=50, y=50, w=100, h=80, source="front")
LEFT_BOX = box("bike", x=200, y=150, w=60, h=50, source="left")
RIGHT_BOX = box("bus", x=300, y=300, w=100, h=100, source="right")


def rig(key, rois=(), ids=("front", "left", "right")) -> dict:
    sources = [
        source_data(
            id,
            width=SIZES.get(id, (640, 480))[0],
            height=SIZES.get(id, (640, 480))[1],
            uri=image_uri(f"{key}-{id}", COLORS[id], SIZES.get(id, (640, 480))),
        )
        for id in ids
    ]
    return group_data(key, sources, rois=list(rois))


@pytest.fixture
def open_rig(editor, manager):
    """Opens the editor on a task over FrameGroups (one item each); returns the task."""

    def open_frames(*frame_list):
        task = make_task(VersionFactory(frames=list(frame_list)), manager, "Camera rig")
        editor.open(task)
        editor.painted()
        return task

    return open_frames


def world(source, x, y):
    ox, oy = PLACES[source]
    return (ox + x, oy + y)


def saved_rois(editor, task, key="g0"):
    editor.wait_saved()
    return editor.api_frame(task, key)["rois"]


def painted_at(editor, x, y) -> int:
    """The alpha of the shapes canvas at world point (x, y)."""
    return editor.page.evaluate(
        f"""([x, y]) => {{
          const editor = {EDITOR};
          const {{ scale, x: ox, y: oy, dpr }} = editor.store.view;
          const at = (value, offset) => Math.round((offset + value * scale) * dpr);
          const ctx = editor.shapesCanvas.getContext("2d");
          return ctx.getImageData(at(x, ox), at(y, oy), 1, 1).data[3];
        }}""",
        [x, y],
    )


def shown_images(editor):
    """[src, left, top, width, height] of each image shown, screen pixels from the stage."""
    return editor.page.evaluate(
        f"""() => {{
          const stage = {EDITOR}.stage.getBoundingClientRect();
          return [...{EDITOR}.querySelectorAll("img.ed-image")]
            .filter((image) => !image.hidden)
            .map((image) => {{
              const rect = image.getBoundingClientRect();
              return [image.getAttribute("src"), rect.left - stage.left, rect.top - stage.top,
                rect.width, rect.height];
            }});
        }}"""
    )


def view(editor):
    return editor.page.evaluate(f"{EDITOR}.store.view")


def selected_sources(editor):
    return editor.page.evaluate(
        f"""() => {{
          const store = {EDITOR}.store;
          return store.doc.rois.filter((roi) => store.selected.has(roi.id)).map((r) => r.source);
        }}"""
    )


def source_buttons(editor):
    return editor.page.locator("[data-sources] button")


def test_the_grid_shows_each_source_at_its_place_with_its_shapes(editor, open_rig):
    open_rig(rig("g0", [FRONT_BOX, LEFT_BOX, RIGHT_BOX]))
    places = editor.page.evaluate(
        f"Object.fromEntries([...{EDITOR}.store.places.values()].map((p) => [p.id, [p.x, p.y]]))"
    )
    assert places == {id: list(place) for id, place in PLACES.items()}
    scale, x, y = (view(editor)[key] for key in ("scale", "x", "y"))
    images = shown_images(editor)
    assert len(images) == 3
    for (src, left, top, width, height), id in zip(images, PLACES, strict=True):
        assert src.endswith("/image/") if id == "front" else src.endswith(f"?source={id}")
        assert left == pytest.approx(x + PLACES[id][0] * scale, abs=1)
        assert top == pytest.approx(y + PLACES[id][1] * scale, abs=1)
        assert (width, height) == pytest.approx([side * scale for side in SIZES[id]], abs=1)
    expect(editor.page.locator(".ed-source-name:visible")).to_have_text(["front", "left", "right"])
    expect(source_buttons(editor)).to_have_text(["Grid", "front", "left", "right"])
    expect(source_buttons(editor).first).to_have_attribute("aria-pressed", "true")
    # Each box on its own source, none at its points on another.
    assert painted_at(editor, *world("front", 100, 90)) > 0
    assert painted_at(editor, *world("left", 230, 175)) > 0
    assert painted_at(editor, *world("right", 350, 350)) > 0
    assert painted_at(editor, *world("front", 230, 175)) == 0
    assert painted_at(editor, *world("left", 100, 90)) == 0
    # The panel names each shape's source.
    rows = editor.page.locator("[data-panel] ol[data-list=rois] .ed-row-source")
    expect(rows).to_have_text(["front", "left", "right"])
    assert axe_violations(editor.page) + title_only_controls(editor.page) == []


def test_a_box_drawn_on_the_second_source_is_saved_on_it_in_its_pixels(editor, open_rig):
    task = open_rig(rig("g0", [FRONT_BOX]))
    tolerance = 1 / editor.scale + 0.01
    editor.draw_box(world("left", 50, 40), world("left", 250, 200))
    # Past the source's right and bottom edges: the box stops at them.
    editor.draw_box(world("left", 20, 30), world("left", 400, 300))
    new = [roi for roi in saved_rois(editor, task) if roi["source"] == "left"]
    assert [roi["labels"] for roi in new] == [["car"], ["car"]]
    assert close_to(new[0]["points"], [[50, 40], [250, 200]], tolerance)
    assert close_to(new[1]["points"], [[20, 30], [320, 240]], tolerance)


def test_the_brush_paints_a_new_mask_of_the_size_of_the_source_under_it(editor, open_rig):
    task = open_rig(rig("g0", [FRONT_BOX]))
    editor.key("b")
    editor.drag(world("left", 100, 100), world("left", 160, 120))
    mask = next(roi for roi in saved_rois(editor, task) if roi["type"] == "mask")
    assert mask["source"] == "left"
    assert mask["mask"]["size"] == [240, 320]
    (x0, y0), (x1, y1) = mask["points"]
    assert 85 <= x0 < x1 <= 175
    assert 85 <= y0 < y1 <= 135


def test_alt_2_shows_the_second_source_alone_and_the_choice_is_kept(editor, open_rig):
    open_rig(rig("g0", [FRONT_BOX, LEFT_BOX, RIGHT_BOX]))
    editor.page.locator("[data-stage]").focus()
    editor.key("Alt+2")
    editor.painted()
    images = shown_images(editor)
    assert [src.split("?")[-1] for src, *_ in images] == ["source=left"]
    expect(editor.page.locator(".ed-source-name:visible")).to_have_text(["left"])
    expect(source_buttons(editor).nth(2)).to_have_attribute("aria-pressed", "true")
    expect(source_buttons(editor).first).to_have_attribute("aria-pressed", "false")
    # The left source is the world now: its box is drawn, the front's is not.
    assert painted_at(editor, 230, 175) > 0
    assert painted_at(editor, 100, 90) == 0
    editor.click(100, 90)  # where the front box is on its own source: nothing there now
    assert selected_sources(editor) == []
    editor.click(230, 175)
    assert selected_sources(editor) == ["left"]

    editor.page.reload()
    editor.wait_item(0)
    assert editor.page.evaluate(f"{EDITOR}.store.sourceMode") == "tabs"
    # A row of a shape on another tab shows its source.
    editor.page.locator("[data-panel] ol[data-list=rois] > li").nth(2).locator(
        "[data-action=selectRow]"
    ).click()
    editor.painted()
    assert [src.split("?")[-1] for src, *_ in shown_images(editor)] == ["source=right"]
    assert selected_sources(editor) == ["right"]
    editor.page.locator("[data-stage]").focus()
    editor.key("Alt+0")
    editor.painted()
    assert len(shown_images(editor)) == 3


def test_a_click_and_a_marquee_pick_shapes_on_the_source_under_the_pointer(editor, open_rig):
    same_place = {"x": 50, "y": 50, "w": 100, "h": 80}
    open_rig(
        rig(
            "g0",
            [box("car", source="front", **same_place), box("car", source="right", **same_place)],
        )
    )
    editor.click(*world("right", 100, 90))
    assert selected_sources(editor) == ["right"]
    editor.click(*world("front", 100, 90))
    assert selected_sources(editor) == ["front"]
    editor.key("Escape")
    editor.page.keyboard.down("Shift")
    editor.drag(world("right", 20, 20), world("right", 200, 200))
    editor.page.keyboard.up("Shift")
    assert selected_sources(editor) == ["right"]


def test_a_moved_shape_stays_inside_its_own_source(editor, open_rig):
    task = open_rig(rig("g0", [LEFT_BOX]))
    editor.click(*world("left", 230, 175))
    editor.drag(world("left", 230, 175), world("left", 500, 400))  # far past the source's corner
    roi = saved_rois(editor, task)[0]
    assert roi["source"] == "left"
    assert close_to(roi["points"], [[260, 190], [320, 240]], 0.01)


def test_copy_and_paste_keep_each_shapes_source_or_use_the_active_one(editor, open_rig):
    task = open_rig(rig("g0", [FRONT_BOX, LEFT_BOX, RIGHT_BOX]), rig("g1", ids=("front", "rear")))
    editor.key("Control+Shift+C")
    editor.key("Control+v")
    rois = saved_rois(editor, task)
    assert [roi["source"] for roi in rois] == ["front", "left", "right"] * 2
    assert [roi["points"] for roi in rois[3:]] == [roi["points"] for roi in rois[:3]]

    editor.key("ArrowRight")  # done: the next item, a frame of sources front and rear
    editor.wait_item(1)
    editor.painted()
    # Rear is at (653, 0): a press on it makes it the active source.
    editor.click(653 + 320, 240)
    editor.key("Control+v")
    pasted = saved_rois(editor, task, "g1")
    assert [roi["source"] for roi in pasted] == ["front", "rear", "rear"]
    assert [roi["points"] for roi in pasted] == [
        [[50, 50], [150, 130]],
        [[200, 150], [260, 200]],
        [[300, 300], [400, 400]],
    ]


def test_a_frame_of_one_source_has_no_source_bar_and_one_image(editor, manager):
    task = make_task(VersionFactory(frames=frames(1)), manager, "One camera")
    editor.open(task)
    editor.painted()
    expect(editor.page.locator("[data-sources]")).to_be_hidden()
    assert len(shown_images(editor)) == 1
    assert editor.page.locator(".ed-source-name").count() == 0
    _src, left, top, width, height = shown_images(editor)[0]
    scale, x, y = (view(editor)[key] for key in ("scale", "x", "y"))
    assert (left, top, width, height) == pytest.approx([x, y, 640 * scale, 480 * scale], abs=1)
