"""The editor's side panel updates row by row: a selection or an edit touches only the rows it
changes (the others are the same DOM nodes, unmutated), and after adds, deletes and undos the panel
is what a full build of the same state gives.

A MutationObserver on the lists records every change the editor makes to them; the full build is
the panel module's own, run on a detached list.
"""

import pytest
from playwright.sync_api import expect

from tests.annotations.factories import make_task
from tests.browser.test_editor import Editor, frames
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box

pytestmark = pytest.mark.browser

LISTS = "[data-panel] ol[data-list]"
ROWS = "[data-panel] ol[data-list=rois] > li"

# Starts recording: the panel's row nodes now, and each mutation inside either list from here on.
WATCH = """() => {
  const lists = [...document.querySelectorAll("[data-panel] ol[data-list]")];
  window.panelRows = lists.map((list) => [...list.children]);
  window.panelMutations = [];
  window.panelObserver?.disconnect();
  window.panelObserver = new MutationObserver((records) => window.panelMutations.push(...records));
  for (const list of lists) {
    window.panelObserver.observe(list, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
  }
}"""

# What changed since WATCH: per row (by its place then) whether it is still the same node, and the
# rows (by data-id) that mutations touched, each with what changed there.
CHANGES = """() => {
  const lists = [...document.querySelectorAll("[data-panel] ol[data-list]")];
  const kept = lists.map((list, index) => {
    const now = [...list.children];
    return window.panelRows[index].map((row) => now.includes(row));
  });
  const touched = {};
  for (const record of window.panelObserver.takeRecords().concat(window.panelMutations)) {
    const node = record.target.nodeType === Node.ELEMENT_NODE
      ? record.target : record.target.parentElement;
    const row = node.closest("li");
    const key = row ? row.dataset.id || row.className : "the list itself";
    const what = record.type === "attributes" ? `@${record.attributeName}` : record.type;
    touched[key] = [...new Set([...(touched[key] || []), what])].sort();
  }
  window.panelMutations = [];
  return { kept, touched };
}"""

# The panel as the module would build it from nothing, beside the panel the page shows.
FRESH_BUILD = """async () => {
  const editor = document.querySelector("frame-editor");
  const script = document.querySelector("script[type=module][src*='/editor.js']");
  const { frameLabelRows, shapeRows } = await import(new URL("panel.js", script.src));
  const { store } = editor;
  const build = (rows, items) => {
    const list = document.createElement("ol");
    rows(list).update(store, items);
    return list.innerHTML;
  };
  return {
    shown: [editor.$('list="rois"').innerHTML, editor.$('list="frame-labels"').innerHTML],
    fresh: [build(shapeRows, store.doc.rois), build(frameLabelRows, store.doc.frame_labels)],
  };
}"""


@pytest.fixture
def editor(logged_in_page, live_server, manager):
    """The editor on a one-frame task whose frame has five boxes in a row (ids b0…b4, labels a…e;
    d of confidence 0.5) and a frame label."""
    shapes = [
        box(label, x=20 + 120 * index, y=40, w=80, h=60, id=f"b{index}", confidence=confidence)
        for index, (label, confidence) in enumerate(zip("abcde", [1, 1, 1, 0.5, 1], strict=True))
    ]
    frame_list = frames(1, rois={0: shapes})
    frame_list[0]["frame_labels"] = [{"id": "day", "labels": ["day"]}]
    version = VersionFactory(frames=frame_list)
    task = make_task(version, manager, "Panel")
    return Editor(logged_in_page, live_server).open(task)


def watch(editor: Editor) -> None:
    editor.painted()
    editor.page.evaluate(WATCH)


def changes(editor: Editor) -> dict:
    editor.painted()
    return editor.page.evaluate(CHANGES)


def expect_row_ids(editor: Editor, ids: list[str]) -> None:
    expect(editor.page.locator(ROWS)).to_have_count(len(ids))
    for index, id_ in enumerate(ids):
        expect(editor.row(index)).to_have_attribute("data-id", id_)


def assert_panel_is_a_fresh_build(editor: Editor) -> None:
    editor.painted()
    panel = editor.page.evaluate(FRESH_BUILD)
    assert panel["shown"] == panel["fresh"]


def test_selecting_a_shape_changes_only_the_class_of_the_rows_whose_selection_changed(editor):
    editor.row(1).locator(".ed-row-title").click()
    watch(editor)
    editor.row(3).locator(".ed-row-title").click()
    result = changes(editor)
    assert result["kept"] == [[True] * 5, [True]]
    assert result["touched"] == {"b1": ["@class"], "b3": ["@class"]}
    expect(editor.row(3)).to_have_class("ed-row is-selected")
    expect(editor.row(1)).to_have_class("ed-row")


def test_selecting_on_the_canvas_changes_only_that_row(editor):
    watch(editor)
    editor.click(280, 70)  # the third box
    result = changes(editor)
    assert result["kept"] == [[True] * 5, [True]]
    assert result["touched"] == {"b2": ["@class"]}


def test_adding_a_label_to_one_shape_rewrites_only_that_row(editor):
    watch(editor)
    add = editor.row(2).locator("[data-add-label]")
    add.fill("occluded")
    add.press("Enter")
    expect(editor.row(2).locator(".ed-chip")).to_have_text(["c", "occluded"])
    result = changes(editor)
    assert result["kept"] == [[True] * 5, [True]]
    assert list(result["touched"]) == ["b2"]
    assert_panel_is_a_fresh_build(editor)


def test_moving_a_shape_leaves_the_panel_untouched(editor):
    editor.click(280, 70)
    watch(editor)
    editor.drag((280, 70), (300, 200))
    editor.wait_saved()
    assert editor.rois()[2]["points"][0][1] > 40
    assert changes(editor) == {"kept": [[True] * 5, [True]], "touched": {}}


def test_deleting_a_shape_removes_its_row_and_renumbers_the_rows_after_it_in_place(editor):
    watch(editor)
    editor.row(1).locator("[data-action=remove]").click()
    expect(editor.page.locator(ROWS)).to_have_count(4)
    result = changes(editor)
    assert result["kept"] == [[True, False, True, True, True], [True]]
    assert "b0" not in result["touched"]
    expect(editor.page.locator(f"{ROWS} .ed-row-title")).to_have_text(
        ["1. Box", "2. Box", "3. Box", "4. Box"]
    )
    expect(editor.row(3).locator("[data-shape-color]")).to_have_attribute(
        "aria-label", "Colour of shape 4"
    )
    assert_panel_is_a_fresh_build(editor)


def test_the_panel_stays_a_fresh_build_through_add_delete_undo_and_redo(editor):
    editor.row(1).locator(".ed-row-title").click()
    editor.key("Delete")
    editor.key("Delete")  # nothing is selected any more: nothing goes
    expect(editor.page.locator(ROWS)).to_have_count(4)
    editor.page.locator("[data-action=addFrameLabel]").click()
    expect(editor.page.locator("[data-list=frame-labels] > li")).to_have_count(2)
    editor.draw_box((200, 300), (300, 400))
    expect(editor.page.locator(ROWS)).to_have_count(5)
    assert_panel_is_a_fresh_build(editor)
    watch(editor)

    editor.key("Control+z", "Control+z")  # the new box, then the new frame label
    expect(editor.page.locator(ROWS)).to_have_count(4)
    result = changes(editor)
    assert result["kept"] == [[True, True, True, True, False], [True, False]]
    editor.key("Control+z")  # the deleted box comes back in its place
    expect_row_ids(editor, ["b0", "b1", "b2", "b3", "b4"])
    assert_panel_is_a_fresh_build(editor)

    editor.key("Control+y", "Control+y", "Control+y")
    new_box = editor.rois()[-1]["id"]
    expect_row_ids(editor, ["b0", "b2", "b3", "b4", new_box])
    expect(editor.page.locator("[data-list=frame-labels] > li")).to_have_count(2)
    assert_panel_is_a_fresh_build(editor)


def test_locking_hiding_and_the_confidence_filter_match_a_fresh_build(editor):
    editor.row(0).locator("[data-action=toggleLock]").click()
    editor.row(4).locator("[data-action=toggleHide]").click()
    editor.row(3).locator(".ed-row-title").click()
    editor.page.eval_on_selector(
        "[data-min-confidence]",
        """input => {
          input.value = '0.8';
          input.dispatchEvent(new Event('input', {bubbles: true}));
          input.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
    )
    expect(editor.row(0).locator("[data-action=remove]")).to_be_disabled()
    expect(editor.row(3)).to_have_class("ed-row is-selected is-hidden")
    expect(editor.row(4)).to_have_class("ed-row is-hidden")
    assert_panel_is_a_fresh_build(editor)
