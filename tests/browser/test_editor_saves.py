"""The editor saves what changed since the server's last answer, by id: an edit of one shape sends
that shape in `rois_changed`, a delete its id in `rois_removed`, an add the new shape; the whole
lists go only when edits would reorder them (an undone delete puts a shape back in its place).
Each test reads the frame back through the API: the server holds exactly what the editor shows.

The undo entry of a change shares the shapes the change left alone (no clone of the frame).
"""

import pytest

from tests.annotations.factories import ManagerFactory, make_task
from tests.browser.conftest import log_in
from tests.browser.test_editor import EDITOR, Editor, frames
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box

pytestmark = pytest.mark.browser

MODULES = "/static/annotations/js/editor/"
# Three boxes in a row, b0 b1 b2 (car, bus, van), 80 by 60 px from x = 20, 140, 260; a frame label.
SHAPES = [
    box(label, x=20 + 120 * index, y=40, w=80, h=60, id=f"b{index}")
    for index, label in enumerate(["car", "bus", "van"])
]


class Saves:
    """The JSON bodies of the frame PATCHes a page sends, in order."""

    def __init__(self, page):
        self.bodies = []
        page.on("request", self.on_request)

    def on_request(self, request):
        if request.method == "PATCH" and "/frames/" in request.url:
            self.bodies.append(request.post_data_json)

    def take(self) -> list[dict]:
        bodies, self.bodies = self.bodies, []
        return bodies


@pytest.fixture
def task(manager):
    frame_list = frames(1, rois={0: SHAPES})
    frame_list[0]["frame_labels"] = [{"id": "day", "labels": ["day"]}]
    return make_task(VersionFactory(frames=frame_list), manager, "Saves")


@pytest.fixture
def editor(logged_in_page, live_server, task):
    editor = Editor(logged_in_page, live_server)
    editor.saves = Saves(logged_in_page)
    editor.open(task)
    yield editor
    assert editor.errors == [], "the editor page logged errors"


def shown(editor: Editor) -> dict:
    return editor.page.evaluate(f"{EDITOR}.store.doc")


def assert_server_holds_what_is_shown(editor: Editor, task) -> None:
    frame = editor.api_frame(task, "f0")
    doc = shown(editor)
    # Dicts compare whatever the order of their keys; 100 == 100.0.
    assert frame["rois"] == doc["rois"]
    assert frame["frame_labels"] == doc["frame_labels"]
    assert frame["meta"] == doc["meta"]


def roi(editor: Editor, id_: str) -> dict:
    return next(item for item in shown(editor)["rois"] if item["id"] == id_)


def test_an_edit_of_one_shape_sends_only_that_shape(editor, task):
    editor.drag((180, 70), (200, 90))  # b1, moved by (20, 20)
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "rois_changed"}
    assert body["revision"] == 1
    assert body["rois_changed"] == [roi(editor, "b1")]
    assert body["rois_changed"][0]["points"] != SHAPES[1]["points"]
    assert_server_holds_what_is_shown(editor, task)


def test_a_delete_sends_the_id_in_rois_removed(editor, task):
    editor.click(180, 70)
    editor.key("Delete")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "rois_removed"}
    assert body["rois_removed"] == ["b1"]
    assert [item["id"] for item in shown(editor)["rois"]] == ["b0", "b2"]
    assert_server_holds_what_is_shown(editor, task)


def test_an_added_shape_is_sent_in_rois_changed_and_not_again_after_its_save(editor, task):
    editor.draw_box((300, 300), (400, 400))  # the current label is the version's first, bus
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "rois_changed"}
    [added] = body["rois_changed"]
    assert added["id"] not in {"b0", "b1", "b2"}
    assert added == shown(editor)["rois"][3]
    assert_server_holds_what_is_shown(editor, task)

    # The saved state is now the server's answer: the next edit sends b0 alone.
    editor.key("v")  # the select tool
    editor.drag((60, 70), (60, 130))
    editor.wait_saved()
    [body] = editor.saves.take()
    assert body["revision"] == 2
    assert [item["id"] for item in body["rois_changed"]] == ["b0"]
    assert_server_holds_what_is_shown(editor, task)


def test_frame_labels_are_sent_by_id_too(editor, task):
    editor.page.click("[data-action=addFrameLabel]")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "frame_labels_changed"}
    assert body["frame_labels_changed"] == shown(editor)["frame_labels"][1:]

    label_rows = editor.page.locator("[data-panel] ol[data-list=frame-labels] > li")
    label_rows.nth(0).locator("[data-action=remove]").click()
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "frame_labels_removed"}
    assert body["frame_labels_removed"] == ["day"]
    assert_server_holds_what_is_shown(editor, task)


def test_undo_and_redo_send_edits_and_an_undone_delete_keeps_its_place(editor, task):
    editor.drag((300, 70), (300, 150))  # b2, moved down by 80
    editor.wait_saved()
    assert [item["id"] for item in editor.saves.take()[0]["rois_changed"]] == ["b2"]
    editor.key("Control+z")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert body["rois_changed"] == [roi(editor, "b2")]
    assert roi(editor, "b2")["points"] == SHAPES[2]["points"]
    assert_server_holds_what_is_shown(editor, task)
    editor.key("Control+y")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert body["rois_changed"] == [roi(editor, "b2")]
    assert roi(editor, "b2")["points"] != SHAPES[2]["points"]
    assert_server_holds_what_is_shown(editor, task)

    editor.click(180, 70)
    editor.key("Delete")
    editor.wait_saved()
    assert editor.saves.take()[0]["rois_removed"] == ["b1"]
    # Edits would add b1 back after b2: the whole list goes instead, in the editor's order.
    editor.key("Control+z")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert set(body) == {"revision", "meta", "rois", "frame_labels"}
    assert [item["id"] for item in body["rois"]] == ["b0", "b1", "b2"]
    assert_server_holds_what_is_shown(editor, task)
    editor.key("Control+y")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert body["rois_removed"] == ["b1"]
    assert [item["id"] for item in shown(editor)["rois"]] == ["b0", "b2"]
    assert_server_holds_what_is_shown(editor, task)


def test_an_added_label_is_undone_on_screen_and_on_the_server(editor, task):
    add = editor.row(1).locator("[data-add-label]")
    add.fill("occluded")
    add.press("Enter")
    editor.wait_saved()
    assert editor.saves.take()[0]["rois_changed"] == [roi(editor, "b1")]
    assert roi(editor, "b1")["labels"] == ["bus", "occluded"]
    editor.page.locator("[data-stage]").focus()  # Ctrl+Z in the label field undoes typing
    editor.key("Control+z")
    editor.wait_saved()
    [body] = editor.saves.take()
    assert body["rois_changed"] == [roi(editor, "b1")]
    assert roi(editor, "b1")["labels"] == ["bus"]
    assert_server_holds_what_is_shown(editor, task)


def test_a_conflict_keeps_mine_on_screen_and_the_merge_is_saved_by_id(
    editor, task, browser, live_server
):
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = Editor(other_context.new_page(), live_server)
        other.saves = Saves(other.page)
        log_in(other.page, live_server, ManagerFactory(username="lead"), "pw-lead")
        other.open(task, position=0)
        editor.drag((60, 70), (60, 130))  # b0, moved down by 60
        editor.wait_saved()
        other.draw_box((300, 300), (400, 400))
        other.page.wait_for_selector("[data-shown=conflict]:not([hidden])")
        [refused] = other.saves.take()
        assert refused["revision"] == 1
        assert len(refused["rois_changed"]) == 1
        assert len(other.rois()) == 4  # mine stays on screen
        assert other.page.evaluate(f"{EDITOR}.store.record.status") == "conflict"

        other.page.click("[data-action=resolve][data-arg=mine]")
        other.wait_saved()
        [merged] = other.saves.take()
        assert merged["revision"] == 2
        assert merged["rois_changed"] == refused["rois_changed"]  # only mine: b0 is theirs
        assert other.rois()[0] == editor.rois()[0]  # their move of b0
        assert_server_holds_what_is_shown(other, task)
    finally:
        other_context.close()


# The modules as the editor imports them, in a page of the live server.
UNDO_ENTRY = """async (modules) => {
  const { commit, createStore, restoreDoc } = await import(`${modules}store.js`);
  const { createHistory } = await import(`${modules}history.js`);
  const box = (id, x) => ({ id, type: "box", labels: ["car"], points: [[x, x], [x + 9, x + 9]] });
  const store = createStore({});
  const doc = { rois: [box("a", 0), box("b", 20), box("c", 40)], frame_labels: [], meta: {} };
  const before = [...doc.rois];
  store.records = [{ doc, history: createHistory(), saver: { changed() {} } }];
  commit(store, (doc) => {
    doc.rois.find((roi) => roi.id === "b").points = [[1, 1], [5, 5]];
  });
  const after = [...store.doc.rois];
  restoreDoc(store, "undo");
  const undone = [...store.doc.rois];
  restoreDoc(store, "redo");
  return {
    kept: after.map((roi, i) => roi === before[i]),
    untouched: before[1].points,
    undone: undone.map((roi, i) => roi === before[i]),
    redone: store.doc.rois[1] === after[1],
  };
}"""


def test_an_undo_entry_shares_the_shapes_a_change_left_alone(page, live_server):
    page.goto(f"{live_server.url}{MODULES}store.js")
    result = page.evaluate(UNDO_ENTRY, f"{live_server.url}{MODULES}")
    assert result == {
        "kept": [True, False, True],
        "untouched": [[20, 20], [29, 29]],
        "undone": [True, True, True],
        "redone": True,
    }


SAVE_BODY = """async ([modules, base, doc]) => {
  const { saveBody } = await import(`${modules}sync.js`);
  return saveBody(base, doc);
}"""


@pytest.mark.parametrize(
    ("base", "rois", "expected"),
    [
        # Changed and new (after the others) by id; key order does not count.
        (
            ["a", "b"],
            [{"labels": ["x"], "id": "a"}, {"id": "b", "labels": ["b"]}, {"id": "n"}],
            {"rois_changed": [{"labels": ["x"], "id": "a"}, {"id": "n"}]},
        ),
        (["a", "b", "c"], [{"id": "a", "labels": ["a"]}], {"rois_removed": ["b", "c"]}),
        # New before an old one, or old ones swapped: edits cannot say so.
        (["a"], [{"id": "n"}, {"id": "a", "labels": ["a"]}], None),
        (["a", "b"], [{"id": "b", "labels": ["b"]}, {"id": "a", "labels": ["a"]}], None),
        # Everything changed or gone: the whole list is no bigger.
        (["a"], [{"id": "a", "labels": ["x"]}], None),
        (["a", "b"], [], None),
    ],
)
def test_the_save_body_holds_the_changes_by_id_unless_the_whole_list_is_better(
    page, live_server, base, rois, expected
):
    page.goto(f"{live_server.url}{MODULES}sync.js")
    base_doc = {"rois": [{"id": id_, "labels": [id_]} for id_ in base], "frame_labels": []}
    doc = {"rois": rois, "frame_labels": [], "meta": {}}
    body = page.evaluate(SAVE_BODY, [f"{live_server.url}{MODULES}", base_doc | {"meta": {}}, doc])
    whole = {"rois": rois, "frame_labels": [], "meta": {}}
    assert body == ({"meta": {}} | expected if expected else whole)


def test_without_a_saved_state_the_whole_lists_go(page, live_server):
    page.goto(f"{live_server.url}{MODULES}sync.js")
    doc = {"rois": [{"id": "a"}], "frame_labels": [], "meta": {"k": 1}}
    body = page.evaluate(SAVE_BODY, [f"{live_server.url}{MODULES}", None, doc])
    assert body == doc
