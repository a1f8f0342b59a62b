"""Unit tests of the editor's pure modules (store, geometry, history, colours, keymap, metadata
parsing), imported as ES modules in Chromium: no Node toolchain needed. The store runs in a Web
Worker, which has no DOM, so a DOM call there fails the test."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings

from frames.colors import label_color

pytestmark = pytest.mark.browser

MODULES = "/static/annotations/js/editor/"
EDITOR_JS = Path(settings.BASE_DIR) / "static/annotations/js/editor"
GZIP_BUDGET = 48 * 1024  # 45 KB before FrameGroups (issue 15): their layout took 3.7 KB


@pytest.fixture
def js(page, live_server):
    # Any same-origin document will do as the place to import the modules from.
    page.goto(f"{live_server.url}{MODULES}geometry.js")

    def run(module: str, body: str, arg=None):
        return page.evaluate(
            f"async (arg) => {{ const m = await import('{MODULES}{module}.js'); {body} }}", arg
        )

    return run


# A module worker: `arg` in, the body's return value out. A page's `document` is not there.
WORKER = """
async ({ source, arg }) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const answer = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ error: event.message || "the worker did not load" });
    worker.postMessage(arg);
  });
  worker.terminate();
  return answer;
}
"""


@pytest.fixture
def store_js(page, live_server):
    page.goto(f"{live_server.url}{MODULES}store.js")

    def run(body: str, arg=None):
        modules = f"{live_server.url}{MODULES}"
        source = f"""
        import * as m from "{modules}store.js";
        import {{ createHistory }} from "{modules}history.js";
        import * as mask_js from "{modules}mask.js";
        const fakeRecord = (rois, size = [100, 100]) => ({{
          key: "f0", width: size[0], height: size[1], history: createHistory(),
          doc: {{ rois, frame_labels: [], meta: {{}} }},
          saver: {{ changes: 0, changed() {{ this.changes += 1; }} }},
        }});
        const box = (id, x, more = {{}}) => ({{
          id, type: "box", labels: ["car"], points: [[x, x], [x + 10, x + 10]], color: "#ff0000",
          confidence: 1, meta: {{}}, locked: false, ...more,
        }});
        const storeWith = (rois) => {{
          const store = m.createStore({{}});
          store.records = [fakeRecord(rois)];
          return store;
        }};
        self.onmessage = async ({{ data: arg }}) => {{
          try {{
            postMessage({{ result: await (async () => {{ {body} }})() }});
          }} catch (error) {{
            postMessage({{ error: String(error.stack || error) }});
          }}
        }};
        """
        answer = page.evaluate(WORKER, {"source": source, "arg": arg})
        assert "error" not in answer, answer.get("error")
        return answer["result"]

    return run


def test_the_store_runs_without_a_dom(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0)]);
        m.select(store, "a");
        return [typeof document, typeof window, store.doc.rois.length, store.selected.has("a")];"""
    )
    assert result == ["undefined", "undefined", 1, True]


def test_a_commit_is_undone_and_redone_and_each_time_saved(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0)]);
        m.commit(store, (doc) => doc.rois.push(box("b", 50)));
        const after = store.doc.rois.map((roi) => roi.id);
        m.restoreDoc(store, "undo");
        const undone = store.doc.rois.map((roi) => roi.id);
        m.restoreDoc(store, "redo");
        return [after, undone, store.doc.rois.length, store.record.saver.changes];"""
    )
    assert result == [["a", "b"], ["a"], 2, 3]


def test_undo_drops_the_selection_of_shapes_it_removes(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0)]);
        m.commit(store, (doc) => doc.rois.push(box("b", 50)));
        m.select(store, ["a", "b"]);
        m.restoreDoc(store, "undo");
        return [...store.selected];"""
    )
    assert result == ["a"]


def test_a_read_only_store_changes_nothing(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0)]);
        m.setReadOnly(store, "Published");
        m.commit(store, (doc) => doc.rois.push(box("b", 50)));
        return [store.doc.rois.length, store.record.saver.changes, store.tool];"""
    )
    assert result == [1, 0, "select"]


def test_select_replaces_adds_and_toggles(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0), box("b", 20), box("c", 40)]);
        const ids = () => [...store.selected].sort();
        m.select(store, ["a", "b"]);
        const first = ids();
        m.select(store, ["b", "c"], "toggle");
        const toggled = ids();
        m.select(store, "c");
        return [first, toggled, ids()];"""
    )
    assert result == [["a", "b"], ["a", "c"], ["c"]]


def test_changes_collect_dirty_parts_for_one_redraw(store_js):
    result = store_js(
        """let calls = 0;
        const store = m.createStore({ onInvalidate: () => calls++ });
        m.invalidate(store, "overlay");
        m.invalidate(store, "shapes", "panel");
        const parts = [...m.takeDirty(store)].sort();
        return [parts, calls, store.dirty.size];"""
    )
    assert result == [["overlay", "panel", "shapes"], 2, 0]


def test_a_shape_without_a_current_label_waits_for_one(store_js):
    result = store_js(
        """const store = storeWith([]);
        const added = m.addItem(store, { type: "box", points: [[0, 0], [5, 5]] });
        const waiting = store.pending?.type;
        store.label = "bus";
        m.addItem(store, store.pending);
        const [roi] = store.doc.rois;
        return [added, waiting, roi.labels, roi.color, store.selected.has(roi.id)];"""
    )
    assert result == [False, "box", ["bus"], label_color("bus"), True]


def test_editable_targets_leave_out_locked_items(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0), box("b", 20, { locked: true })]);
        m.select(store, ["a", "b"]);
        return [m.targets(store).length, m.targets(store, null, true).map((item) => item.id)];"""
    )
    assert result == [2, ["a"]]


def test_hit_test_takes_the_topmost_unlocked_visible_shape(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0), box("b", 5), box("c", 5, { locked: true })]);
        const top = m.hitShape(store, [8, 8])?.id;
        m.toggleHidden(store, [store.doc.rois[1]]);
        const belowHidden = m.hitShape(store, [8, 8])?.id;
        return [top, belowHidden, m.hitShape(store, [90, 90])];"""
    )
    assert result == ["b", "a", None]


def test_hiding_a_selected_shape_deselects_it(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0)]);
        m.select(store, "a");
        m.toggleHidden(store, store.doc.rois);
        return [store.selected.size, m.isVisible(store, store.doc.rois[0])];"""
    )
    assert result == [0, False]


def test_a_rotated_box_is_hit_inside_its_turned_outline_only(store_js):
    # 40 x 10 at the centre (50, 50), turned a quarter: it stands over x 45..55, y 30..70.
    result = store_js(
        """const bar = box("a", 0, { points: [[30, 45], [70, 55]], rotation: 90 });
        const store = storeWith([bar]);
        return [m.hitShape(store, [50, 32])?.id, m.hitShape(store, [33, 50])?.id ?? null];"""
    )
    assert result == ["a", None]


def test_the_rotation_handle_is_above_the_turned_top_edge_of_an_unlocked_shape(store_js):
    result = store_js(
        """const store = storeWith([box("a", 0, { points: [[40, 40], [60, 60]], rotation: 90 })]);
        m.select(store, "a");
        // Turned a quarter, "above" is to the right: 10 to the edge, 24 screen px beyond it.
        const right = m.hitHandle(store, [50 + 10 + 24, 50])?.handle;
        const top = m.hitHandle(store, [50, 50 - 10 - 24])?.handle ?? null;
        store.doc.rois[0].locked = true;
        return [right, top, m.hitHandle(store, [84, 50])];"""
    )
    assert result == ["rotate", None, None]


def test_a_vertex_goes_only_while_the_shape_keeps_its_minimum(store_js):
    result = store_js(
        """const square = { ...box("p", 0), type: "polygon", points: [[0, 0], [9, 0], [9, 9], [0, 9]] };
        const line = { ...box("l", 0), type: "polyline", points: [[0, 0], [9, 0]] };
        const store = storeWith([square, line]);
        const first = m.removeVertex(store, "p", 1);
        const second = m.removeVertex(store, "p", 0);
        const third = m.removeVertex(store, "l", 0);
        return [first, second, third, store.doc.rois.map((roi) => roi.points.length),
                store.record.saver.changes];"""
    )
    assert result[0] == ""
    assert "at least 3 vertices" in result[1]
    assert "at least 2 vertices" in result[2]
    assert result[3:] == [[3, 2], 1]


def test_new_boxes_and_ellipses_carry_a_rotation_and_polylines_none(store_js):
    result = store_js(
        """const store = storeWith([]);
        store.label = "car";
        for (const type of ["box", "ellipse", "polyline"]) {
          m.addItem(store, { type, points: [[0, 0], [5, 5]] });
        }
        return store.doc.rois.map((roi) => roi.rotation ?? null);"""
    )
    assert result == [0, 0, None]


# Masks: a 100 x 100 frame; "m" has the pixels x 10..19, y 30..39 set (column-major RLE).
MASK_SETUP = """
const { createMask, paintLine, finishMask, maskFor } = mask_js;
const square = createMask(100, 100);
for (let x = 10; x < 20; x++) paintLine(square, [x + 0.5, 30.5], [x + 0.5, 39.5], 0.5);
const rle = finishMask(square);
const mask = (id, more = {}) => ({
  ...box(id, 0), type: "mask", points: [[10, 30], [20, 40]], mask: rle, source: "default", ...more,
});
"""


def test_brush_sizes_step_through_a_ladder_and_stop_at_its_ends(store_js):
    result = store_js(
        """return [m.stepBrush(16, 1), m.stepBrush(16, -1), m.stepBrush(50, 1), m.stepBrush(50, -1),
          m.stepBrush(1, -1), m.stepBrush(256, 1), m.MAX_BRUSH];"""
    )
    assert result == [20, 12, 64, 48, 1, 256, 256]


def test_a_mask_waits_for_its_label_with_its_pixels_and_source(store_js):
    result = store_js(
        MASK_SETUP
        + """const store = storeWith([]);
        const added = m.addItem(store, { type: "mask", points: [[10, 30], [20, 40]], mask: rle,
          source: "cam2" });
        const waiting = store.pending.mask === rle;
        store.label = "puddle";
        m.addItem(store, store.pending);
        const [roi] = store.doc.rois;
        return [added, waiting, roi.type, roi.mask === rle, roi.source, "rotation" in roi,
          m.selectedMask(store)?.id === roi.id];"""
    )
    assert result == [False, True, "mask", True, "cam2", False, True]


def test_a_mask_is_hit_by_its_pixels_not_its_box(store_js):
    result = store_js(
        MASK_SETUP
        + """const store = storeWith([mask("a"), mask("b", { locked: true, points: [[0, 0], [1, 1]] })]);
        return [m.hitShape(store, [15, 35])?.id, m.hitShape(store, [19.9, 39.9])?.id,
          m.hitShape(store, [20.1, 35]), m.hitShape(store, [9.9, 35])];"""
    )
    assert result == ["a", "a", None, None]


def test_only_one_selected_visible_mask_is_painted(store_js):
    result = store_js(
        MASK_SETUP
        + """const store = storeWith([mask("a"), mask("b"), box("c", 50)]);
        const seen = [];
        for (const ids of [["a"], ["a", "b"], ["c"], []]) {
          m.select(store, ids);
          seen.push(m.selectedMask(store)?.id ?? null);
        }
        m.select(store, "b");
        m.toggleHidden(store, [store.doc.rois[1]]);
        seen.push(m.selectedMask(store));
        return seen;"""
    )
    assert result == ["a", None, None, None, None]


def test_undo_and_redo_keep_each_masks_rle_so_nothing_is_decoded_again(store_js):
    result = store_js(
        MASK_SETUP
        + """const store = storeWith([mask("a"), mask("b")]);
        const other = store.doc.rois[1].mask;
        const more = createMask(100, 100);
        paintLine(more, [50, 50], [60, 60], 3);
        const painted = finishMask(more); // a stroke's new rle
        m.updateItem(store, "a", (roi) => { roi.mask = painted; });
        const decoded = maskFor(rle);
        m.restoreDoc(store, "undo");
        const back = store.doc.rois[0].mask;
        m.restoreDoc(store, "redo");
        return [back === rle, maskFor(back) === decoded, store.doc.rois[0].mask === painted,
          store.doc.rois[1].mask === other];"""
    )
    assert result == [True, True, True, True]


def test_a_masks_size_is_its_sources(store_js):
    result = store_js(
        """const record = { width: 640, height: 480, sources: [
          { id: "front", width: 1920, height: 1080 }, { id: "rear", width: 800, height: 600 }] };
        return [m.sourceSize(record, "rear"), m.sourceSize(record, "front"),
          m.sourceSize({ width: 640, height: 480 }, "default")];"""
    )
    assert result == [[600, 800], [1080, 1920], [480, 640]]


def test_a_frame_groups_shapes_are_hit_at_their_sources_place_and_not_on_hidden_tabs(store_js):
    result = store_js(
        """const store = storeWith([box("a", 10, { source: "front" }), box("b", 10, { source: "rear" })]);
        store.record.sources = [
          { id: "front", width: 100, height: 100 }, { id: "rear", width: 50, height: 50 }];
        m.setFrame(store, 0);
        const grid = [m.hitShape(store, [15, 15])?.id, m.hitShape(store, [102 + 15, 15])?.id,
          m.hitShape(store, [70, 15]), m.sourceAt(store, [101.8, 5]).id, store.world];
        store.sourceMode = "tabs";
        store.source = "rear";
        m.select(store, ["a", "b"]);
        m.arrange(store);
        return [grid, m.hitShape(store, [15, 15])?.id, [...store.selected], store.world];"""
    )
    # Two columns of cells of the largest source, a gap of 100 / 50 = 2 px: rear is at x 102, the
    # nearer source to x 101.8; in tabs it is the world alone.
    assert result == [
        ["a", "b", None, "rear", {"width": 202, "height": 100}],
        "b",
        ["b"],
        {"width": 50, "height": 50},
    ]


def test_sources_are_laid_out_in_a_grid_of_ceil_sqrt_n_columns_or_alone(js):
    result = js(
        "geometry",
        """const sources = ["a", "b", "c"].map((id) => ({ id, width: 100, height: 50 }));
        const at = ({ places, width, height }) => [places.map((p) => [p.id, p.x, p.y]), width, height];
        return [at(m.layoutSources(sources, "grid", "b")), at(m.layoutSources(sources, "tabs", "b")),
          at(m.layoutSources(sources, "tabs", "gone")), at(m.layoutSources(sources.slice(0, 1), "tabs"))];""",
    )
    assert result == [
        [[["a", 0, 0], ["b", 102, 0], ["c", 0, 52]], 202, 102],
        [[["b", 0, 0]], 100, 50],
        [[["a", 0, 0]], 100, 50],
        [[["a", 0, 0]], 100, 50],
    ]


def test_alt_and_a_digit_pick_a_source_whatever_the_layout_types(js):
    result = js(
        "keymap",
        """const press = (key, code) => m.lookup({ key, code, altKey: true });
        return [press("2", "Digit2"), press("¡", "Digit1"), press("0", "Digit0"), m.lookup({ key: "2", code: "Digit2" })];""",
    )
    assert result == [["pickSource", 1], ["pickSource", 0], ["sourceMode", "grid"], ["digit", 1]]


def test_the_editor_modules_fit_the_gzip_budget():
    # WhiteNoise serves each file gzipped at level 9: that sum is what a browser downloads.
    sizes = {
        path.name: len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        for path in EDITOR_JS.glob("*.js")
    }
    assert sum(sizes.values()) <= GZIP_BUDGET, sizes


def test_label_colours_match_the_python_ones(js):
    # 2,000 generated names include hues whose channels land exactly on .5 (label483).
    labels = ["car", "Straße", "自転車", "🚗", "x" * 300, *(f"label{i}" for i in range(2000))]
    assert js("colors", "return arg.map(m.labelColor);", labels) == list(map(label_color, labels))


def test_to_image_and_to_screen_are_inverse(js):
    result = js(
        "geometry",
        "const view = {scale: 2.5, x: 13, y: -7}; return m.toImage(view, m.toScreen(view, [10, 20]));",
    )
    assert result == pytest.approx([10, 20])


def test_zoom_at_keeps_the_image_point_under_the_cursor(js):
    result = js(
        "geometry",
        """const view = {scale: 1, x: 100, y: 50};
        const before = m.toImage(view, [300, 200]);
        const after = m.toImage(m.zoomAt(view, 3, [300, 200]), [300, 200]);
        return [before, after];""",
    )
    assert result[0] == pytest.approx(result[1])


def test_zoom_is_limited(js):
    assert js("geometry", "return m.zoomAt({scale: 1, x: 0, y: 0}, 1e9, [0, 0]).scale;") == 40


def test_fit_view_centres_the_whole_image(js):
    view = js(
        "geometry", "return m.fitView({width: 1000, height: 600}, {width: 2000, height: 1000}, 0);"
    )
    assert view == {"scale": 0.5, "x": 0, "y": 50}


def test_point_in_polygon_handles_concave_shapes(js):
    result = js(
        "geometry",
        """const u = [[0, 0], [30, 0], [30, 30], [20, 30], [20, 10], [10, 10], [10, 30], [0, 30]];
        return [m.pointInPolygon([5, 20], u), m.pointInPolygon([15, 20], u), m.pointInPolygon([15, 5], u)];""",
    )
    assert result == [True, False, True]


def test_box_hit_test_uses_the_tolerance(js):
    result = js(
        "geometry",
        "const b = [[10, 10], [20, 20]]; return [m.hitBox(b, [22, 15], 3), m.hitBox(b, [25, 15], 3)];",
    )
    assert result == [True, False]


def test_resizing_a_box_past_its_opposite_corner_keeps_it_normalised(js):
    result = js("geometry", "return m.resizeBox([[10, 10], [20, 20]], 2, [5, 30]);")
    assert result == [[5, 10], [10, 30]]


def test_a_turned_box_resizes_with_its_opposite_corner_fixed_on_screen(js):
    result = js(
        "geometry",
        """const box = [[100, 180], [300, 220]];
        const corner = (points) => m.boxCorners(points, 90)[0].map((v) => Math.round(v * 100) / 100);
        const resized = m.resizeRotatedBox(box, 90, 2, [180, 340]);
        return [corner(box), corner(resized), resized, m.resizeRotatedBox(box, 0, 2, [320, 240])];""",
    )
    fixed, after, resized, unturned = result
    assert fixed == after == [220, 100]
    assert resized == [[80, 200], [320, 240]]
    assert unturned == [[100, 180], [320, 240]]


def test_rotation_angles_are_clockwise_snapped_and_in_range(js):
    result = js(
        "geometry",
        """const c = [0, 0];
        return [m.angleTo(c, [0, -5]), m.angleTo(c, [5, 0]), m.angleTo(c, [0, 5]),
                m.angleTo(c, [-5, 0]), m.angleTo(c, [-5, -2], 15), m.normalizeAngle(-180),
                m.normalizeAngle(540), m.normalizeAngle(-190)];""",
    )
    assert result == [0, 90, 180, -90, -75, 180, 180, 170]


def test_ellipse_and_polyline_hit_tests(js):
    result = js(
        "geometry",
        """const oval = [[0, 0], [40, 20]];
        const line = [[0, 0], [10, 0], [10, 10]];
        return [m.hitEllipse(oval, [20, 10], 0), m.hitEllipse(oval, [2, 2], 0),
                m.hitEllipse(oval, [41, 10], 2), m.hitPolyline(line, [5, 1], 2),
                m.hitPolyline(line, [4, 6], 2)];""",
    )
    assert result == [True, False, True, True, False]


def test_an_edge_press_names_where_the_new_vertex_goes(js):
    result = js(
        "geometry",
        """const square = [[0, 0], [10, 0], [10, 10], [0, 10]];
        return [m.edgeAt(square, [5, 1], 2, true), m.edgeAt(square, [0, 5], 2, true),
                m.edgeAt(square, [0, 5], 2, false), m.edgeAt(square, [5, 5], 2, true)];""",
    )
    assert result == [
        {"index": 1, "point": [5, 0]},
        {"index": 4, "point": [0, 5]},
        None,
        None,
    ]


def test_a_move_is_limited_to_the_image(js):
    result = js("geometry", "return m.clampDelta([10, 10, 50, 50], -30, 100, 100, 80);")
    assert result == [-10, 30]


def test_the_grid_finds_the_topmost_shape_and_skips_far_ones(js):
    result = js(
        "geometry",
        """const items = [{bounds: [0, 0, 50, 50]}, {bounds: [40, 40, 90, 90]}, {bounds: [900, 900, 950, 950]}];
        const grid = m.createGrid(items, 1000, 1000);
        return [grid.at([45, 45]), grid.at([10, 10]), grid.at([500, 500]), grid.at([52, 52], 3)];""",
    )
    assert result == [[1, 0], [0], [], [1, 0]]


def test_the_grid_looks_in_every_cell_a_tolerance_wider_than_a_cell_reaches(js):
    # 50 px in 32 cells: 1.6 px a cell; a tolerance of 6 px passes 8 cells each way.
    result = js(
        "geometry",
        "return m.createGrid([{ bounds: [10, 10, 20, 20] }], 50, 50).at([15, 15], 6);",
    )
    assert result == [0]


def test_undo_then_redo_returns_each_state(js):
    result = js(
        "history",
        """const h = m.createHistory(10);
        h.push('a'); h.push('b');
        const first = h.undo('c'); const second = h.undo(first);
        const again = h.redo(second);
        return [first, second, again, h.canUndo, h.canRedo];""",
    )
    assert result == ["b", "a", "b", True, True]


def test_a_new_change_clears_redo(js):
    result = js(
        "history",
        "const h = m.createHistory(); h.push('a'); h.undo('b'); h.push('c'); return h.canRedo;",
    )
    assert result is False


def test_history_keeps_at_most_its_cap(js):
    result = js(
        "history",
        """const h = m.createHistory(3); for (const s of 'abcde') h.push(s);
        const seen = []; let state = 'f';
        while (h.canUndo) { state = h.undo(state); seen.push(state); }
        return seen;""",
    )
    assert result == ["e", "d", "c"]


MERGE = """
const roi = (id, x) => ({id, points: [[x, 0], [x + 1, 1]]});
const doc = (rois, meta = {}) => ({rois, frame_labels: [], meta});
"""


def test_merge_keeps_their_changes_and_applies_mine(js):
    result = js(
        "history",
        MERGE
        + """const base = doc([roi('a', 1), roi('b', 2), roi('c', 3)]);
        const theirs = doc([roi('a', 10), roi('b', 2), roi('c', 3), roi('t', 4)]);
        const mine = doc([roi('a', 1), roi('b', 20), roi('m', 5)], {note: 1});
        const merged = m.mergeDocs(base, mine, theirs);
        return [merged.rois.map((r) => [r.id, r.points[0][0]]), merged.meta];""",
    )
    # a: their edit; b: mine; c: deleted by me; t: theirs added; m: mine added.
    assert result == [[["a", 10], ["b", 20], ["t", 4], ["m", 5]], {"note": 1}]


def test_merge_without_a_base_lets_mine_win_by_id(js):
    result = js(
        "history",
        MERGE
        + """const merged = m.mergeDocs(null, doc([roi('a', 1), roi('m', 5)]), doc([roi('a', 9), roi('t', 4)]));
        return merged.rois.map((r) => [r.id, r.points[0][0]]);""",
    )
    assert result == [["a", 1], ["t", 4], ["m", 5]]


def test_invalid_metadata_names_line_and_column(js):
    result = js("dialogs", "return m.parseMeta(arg);", '{\n  "a": 1,\n  "b" 2\n}')
    assert result["error"].startswith("Invalid JSON at line 3, column 7")
    assert result["position"] == 18


def test_metadata_must_be_an_object(js):
    result = js("dialogs", "return [m.parseMeta('[1]').error, m.parseMeta('{}').value];")
    assert "this is an array" in result[0]
    assert result[1] == {}


def test_keymap_names_combinations_like_the_sheet(js):
    result = js(
        "keymap",
        """const e = (key, extra = {}) => m.comboOf({key, code: '', ...extra});
        return [e('z', {ctrlKey: true}), e('Z', {ctrlKey: true, shiftKey: true}), e('M', {shiftKey: true}),
                e('?', {shiftKey: true}), e('”', {altKey: true, code: 'BracketRight'}), e('r'), e('Delete')];""",
    )
    assert result == ["Ctrl+Z", "Ctrl+Shift+Z", "Shift+M", "?", "Alt+]", "r", "Delete"]


def test_ellipse_and_polyline_keys_do_not_take_lock_or_the_other_tools(js):
    result = js(
        "keymap",
        """const press = (key) => m.lookup({ key, code: "" });
        return ["o", "n", "l", "r", "p", "k", "e", "b", "[", "]"].map((key) => press(key) ?? null);""",
    )
    assert result == [
        ["tool", "ellipse"],
        ["tool", "polyline"],
        ["toggleLock"],
        ["tool", "box"],
        ["tool", "polygon"],
        ["tool", "keypoints"],
        ["tool", "eraser"],
        ["tool", "brush"],
        ["brushSize", -1],
        ["brushSize", 1],
    ]
