"""The editor's mask module (static/annotations/js/editor/mask.js) in Chromium, checked against
pycocotools: its RLE strings decode to pycocotools' pixels and it writes pycocotools' exact
strings; the brush and eraser cover what they should, with no gaps; bounds, empty masks, the
read-only contract, and the cached drawing."""

import itertools
import os
from collections import deque

import numpy as np
import pytest
from pycocotools import mask as mask_utils

pytestmark = pytest.mark.browser

MODULES = "/static/annotations/js/editor/"


@pytest.fixture
def js(page, live_server):
    page.goto(f"{live_server.url}{MODULES}mask.js")

    def run(body: str, arg=None):
        return page.evaluate(
            f"async (arg) => {{ const m = await import('{MODULES}mask.js'); {body} }}", arg
        )

    return run


def coco(arr: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(arr.astype(np.uint8)))["counts"].decode()


def runs(arr: np.ndarray) -> list[int]:
    """Uncompressed COCO counts: column-major runs, starting with zeros."""
    flat = arr.flatten(order="F").astype(np.int8)
    edges = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], edges, [flat.size]])
    counts = np.diff(bounds).tolist()
    return [0, *counts] if flat.size and flat[0] else counts


def column_major(arr: np.ndarray) -> str:
    return "".join("1" if v else "0" for v in arr.flatten(order="F"))


def disc(h, w, cx, cy, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r


def segment_distance(h, w, a, b):
    yy, xx = np.mgrid[0:h, 0:w]
    px, py = xx + 0.5, yy + 0.5
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1) if length2 else 0
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def polyline_distance(h, w, points):
    return np.minimum.reduce([segment_distance(h, w, a, b) for a, b in itertools.pairwise(points)])


def bounds(arr):
    ys, xs = np.nonzero(arr)
    if not len(xs):
        return None
    return [[int(xs.min()), int(ys.min())], [int(xs.max()) + 1, int(ys.max()) + 1]]


def samples():
    rng = np.random.default_rng(15)
    out = {
        "one pixel": np.ones((1, 1)),
        "empty": np.zeros((5, 7)),
        "full": np.ones((5, 7)),
        "first pixel": np.pad(np.ones((1, 1)), ((0, 4), (0, 6))),
        "last pixel": np.pad(np.ones((1, 1)), ((4, 0), (6, 0))),
        "noise": rng.random((37, 53)) < 0.5,  # short runs: negative differences
        "sparse": rng.random((120, 200)) < 0.02,
        "blobs": disc(120, 200, 60, 40, 30) | disc(120, 200, 150, 90, 25),
        "edges": np.pad(np.ones((118, 198)), 1) == 0,  # a frame of pixels on the borders
    }
    stripes = np.zeros((64, 300))
    stripes[:, ::7] = 1
    out["stripes"] = stripes
    return out


SAMPLES = samples()


@pytest.mark.parametrize("name", list(SAMPLES))
def test_pycocotools_strings_decode_to_the_same_pixels(js, name):
    arr = SAMPLES[name]
    result = js(
        """const counts = m.decodeCounts(arg.counts);
        const mask = m.maskFromRle({ size: arg.size, counts: arg.counts });
        return [counts, Array.from(m.maskBits(mask)).join(""), m.maskBounds(mask), m.isEmpty(mask),
          m.maskArea(mask)];""",
        {"counts": coco(arr), "size": list(arr.shape)},
    )
    assert result == [runs(arr), column_major(arr), bounds(arr), not arr.any(), int(arr.sum())]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_encoding_writes_the_string_pycocotools_writes(js, name):
    arr = SAMPLES[name]
    h, w = arr.shape
    result = js(
        """const bits = Uint8Array.from(arg.bits, (c) => (c === "1" ? 1 : 0));
        const mask = m.maskFromBits(arg.w, arg.h, bits);
        return [m.bitsToCounts(bits), m.encodeCounts(arg.counts), m.toRle(mask)];""",
        {"bits": column_major(arr), "w": w, "h": h, "counts": runs(arr)},
    )
    assert result == [runs(arr), coco(arr), {"size": [h, w], "counts": coco(arr)}]


def test_a_full_hd_mask_round_trips_with_large_counts(js):
    arr = disc(1080, 1920, 700.4, 500.2, 400) & ~disc(1080, 1920, 700, 500, 120)
    arr[:, 1900:] = 1  # runs longer than a column
    arr[1000:, :] = 1
    string = coco(arr)
    result = js(
        """const mask = m.maskFromRle({ size: [1080, 1920], counts: arg });
        const copy = m.editableMask(mask);
        return [m.toRle(copy).counts === arg, m.maskBounds(mask), m.maskArea(mask),
          m.encodeCounts(m.decodeCounts(arg)) === arg];""",
        string,
    )
    assert result == [True, bounds(arr), int(arr.sum()), True]


def test_uncompressed_counts_decode_as_pycocotools_reads_them(js):
    arr = SAMPLES["blobs"]
    h, w = arr.shape
    counts = runs(arr)
    expected = mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)["counts"].decode()
    result = js(
        """const mask = m.maskFromRle({ size: arg.size, counts: arg.counts });
        return [Array.from(m.maskBits(mask)).join(""), m.toRle(mask).counts];""",
        {"size": [h, w], "counts": counts},
    )
    assert result == [column_major(arr), expected]
    assert expected == coco(arr)


@pytest.mark.parametrize(
    "rle",
    [
        {"size": [2, 3], "counts": [1, 2]},  # adds up to 3, not 6
        {"size": [2, 3], "counts": "0 "},  # a character below "0"
        {"size": [2, 3], "counts": "P"},  # a continuation with nothing after it
        {"size": [2], "counts": [6]},
        {"size": [2, 3], "counts": [7, -1]},
    ],
)
def test_malformed_rles_are_refused(js, rle):
    message = js(
        "try { m.maskFromRle(arg); return null; } catch (error) { return error.message; }", rle
    )
    assert message
    assert message.startswith("RLE")


STROKE = """const mask = m.createMask(arg.w, arg.h);
  const paint = arg.erase ? m.eraseLine : m.paintLine;
  for (let i = 1; i < arg.points.length; i++) {
    paint(mask, arg.points[i - 1], arg.points[i], arg.radius);
  }
  return m.toRle(mask);"""


def decoded(rle) -> np.ndarray:
    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()}).astype(bool)


def test_a_brush_stroke_covers_every_pixel_within_its_radius_and_no_more(js):
    h, w = 120, 200
    points = [[10.3, 20.7], [60.2, 95.1], [180.6, 30.2], [185, 100], [185.5, 100.2], [2, 118]]
    rle = js(STROKE, {"w": w, "h": h, "points": points, "radius": 4.5})
    arr = decoded(rle)
    distance = polyline_distance(h, w, points)
    assert arr[distance <= 4.5 - 1e-6].all()
    assert not arr[distance > 4.5 + 1e-6].any()


def test_many_small_pointer_moves_leave_no_gap(js):
    # 200 moves of a jittery hand, some a fraction of a pixel, some 30 pixels.
    rng = np.random.default_rng(3)
    steps = rng.normal(0, 6, (200, 2))
    steps[::17] *= 5
    points = (np.cumsum(steps, axis=0) + np.array([160, 100])).clip([-5, -5], [325, 205]).tolist()
    h, w = 200, 320
    rle = js(STROKE, {"w": w, "h": h, "points": points, "radius": 3})
    arr = decoded(rle)
    distance = polyline_distance(h, w, points)
    assert arr[distance <= 3 - 1e-6].all()
    assert not arr[distance > 3 + 1e-6].any()


def eight_connected(arr) -> bool:
    ys, xs = np.nonzero(arr)
    todo = deque([(ys[0], xs[0])])
    seen = {(ys[0], xs[0])}
    while todo:
        y, x = todo.popleft()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                n = (y + dy, x + dx)
                inside = 0 <= n[0] < arr.shape[0] and 0 <= n[1] < arr.shape[1]
                if n not in seen and inside and arr[n]:
                    seen.add(n)
                    todo.append(n)
    return len(seen) == len(ys)


def test_a_one_pixel_brush_draws_a_connected_line_through_its_end_pixels(js):
    points = [[1.0, 1.0], [40.0, 9.0], [43.2, 60.9], [3.7, 30.1], [90.99, 59.99]]
    rle = js(STROKE, {"w": 100, "h": 64, "points": points, "radius": 0.1})
    arr = decoded(rle)
    assert eight_connected(arr)
    for x, y in points:
        assert arr[int(y), int(x)]
    assert arr.sum() < 400  # a thin line, not a band


def test_a_disc_is_the_pixels_whose_centres_are_within_the_radius(js):
    rle = js(
        """const mask = m.createMask(50, 40);
        m.paintDisc(mask, [20.2, 15.7], 7.3);
        m.paintDisc(mask, [-3, -3], 5);  // partly off the image: clipped
        return m.toRle(mask);"""
    )
    expected = disc(40, 50, 20.2, 15.7, 7.3) | disc(40, 50, -3, -3, 5)
    assert (decoded(rle) == expected).all()


def test_the_eraser_clears_along_its_stroke_and_the_bounds_shrink(js):
    h, w = 120, 200
    result = js(
        """const mask = m.createMask(200, 120);
        m.paintDisc(mask, [100, 60], 30);
        const before = m.maskBounds(mask);
        const rect = m.eraseLine(mask, [60, 60], [140, 60], 5);
        const cut = m.toRle(mask);
        m.eraseLine(mask, [0, 0], [0, 120], 100);  // clears every column left of x = 100
        m.eraseDisc(mask, [5, 5], 3);  // nothing there: changes nothing
        return [before, rect, cut, m.maskBounds(mask), m.toRle(mask)];""",
    )
    before, rect, cut, after, rle = result
    full = disc(h, w, 100, 60, 30)
    assert before == bounds(full)
    assert rect == [60 - 5, 60 - 5, 140 + 5, 60 + 5]
    band = segment_distance(h, w, (60, 60), (140, 60)) <= 5
    assert (decoded(cut) == (full & ~band)).all()
    right = full & ~band
    right[:, :100] = False
    assert (decoded(rle) == right).all()
    assert after == bounds(right)


def test_a_run_of_ones_ending_on_the_last_pixel_of_the_box(js):
    result = js(
        """const mask = m.createMask(20, 10);
        m.paintDisc(mask, [10.5, 9.5], 0.5);
        const one = m.toRle(mask);
        m.paintLine(mask, [19.5, 0.5], [19.5, 9.5], 0.5);  // the whole last column
        return [one, m.toRle(mask)];"""
    )
    first = np.zeros((10, 20), bool)
    first[9, 10] = True
    last = first.copy()
    last[:, 19] = True
    assert result == [
        {"size": [10, 20], "counts": coco(first)},
        {"size": [10, 20], "counts": coco(last)},
    ]


def test_bounds_are_pixel_edges_and_match_pycocotools(js):
    arr = np.zeros((30, 40), bool)
    arr[3, 39] = arr[29, 5] = arr[10, 10] = True
    rle = {"size": [30, 40], "counts": coco(arr)}
    got = js("return m.maskBounds(m.maskFromRle(arg));", rle)
    x, y, bw, bh = mask_utils.toBbox({"size": [30, 40], "counts": coco(arr).encode()})
    assert got == [[5, 3], [40, 30]] == [[x, y], [x + bw, y + bh]]


def test_an_empty_mask(js):
    result = js(
        """const mask = m.createMask(7, 5);
        const fresh = [m.isEmpty(mask), m.maskBounds(mask), m.toRle(mask), m.finishMask(mask)];
        const painted = m.createMask(7, 5);
        m.paintLine(painted, [1, 1], [6, 4], 2);
        const nonEmpty = m.isEmpty(painted);
        m.eraseLine(painted, [0, 0], [7, 5], 10);
        return [...fresh, nonEmpty, m.isEmpty(painted), m.maskBounds(painted), m.maskArea(painted),
          m.finishMask(painted), m.paintLine(painted, [50, 50], [60, 60], 2)];"""
    )
    empty = np.zeros((5, 7))
    assert result == [
        True,
        None,
        {"size": [5, 7], "counts": coco(empty)},
        None,
        False,
        True,
        None,
        0,
        None,
        None,  # a stroke off the image changes nothing
    ]


def test_read_only_masks_are_copied_to_be_edited(js):
    arr = SAMPLES["blobs"]
    rle = {"size": list(arr.shape), "counts": coco(arr)}
    result = js(
        """const shown = m.maskFor(arg);
        const again = m.maskFor(arg) === shown;
        let refused = null;
        try { m.paintDisc(shown, [5, 5], 3); } catch (error) { refused = error.message; }
        const mine = m.editableMask(arg);
        m.paintDisc(mine, [5, 5], 3);
        const saved = m.finishMask(mine);
        return [again, refused, m.toRle(shown).counts === arg.counts, m.maskFor(saved) === mine,
          saved, m.hasPixel(mine, 5, 5), m.hasPixel(shown, 5, 5), m.hasPixel(shown, 60, 40)];""",
        rle,
    )
    again, refused, unchanged, adopted, saved, *hits = result
    assert again
    assert unchanged
    assert adopted
    assert "read-only" in refused
    assert (decoded(saved) == (arr | disc(120, 200, 5, 5, 3))).all()
    assert hits == [True, False, True]


def test_a_moved_mask_loses_what_leaves_the_image(js):
    arr = SAMPLES["blobs"]
    rle = {"size": list(arr.shape), "counts": coco(arr)}
    got = js("return m.toRle(m.movedMask(arg, 70, -20));", rle)
    expected = np.zeros_like(arr)
    expected[: 120 - 20, 70:] = arr[20:, : 200 - 70]
    assert (decoded(got) == expected).all()


DRAWN = """
const canvas = document.createElement("canvas");
canvas.width = mask.width * (arg.scale || 1);
canvas.height = mask.height * (arg.scale || 1);
const ctx = canvas.getContext("2d");
const drawn = (color = arg.color, alpha = 1) => {
  ctx.setTransform(arg.scale || 1, 0, 0, arg.scale || 1, 0, 0);
  ctx.clearRect(0, 0, mask.width, mask.height);
  m.drawMask(ctx, mask, color, alpha);
  return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
};
// Pixels drawn wrongly: set and not in the colour, or unset and not transparent.
const wrong = (data, bits = m.maskBits(mask), s = arg.scale || 1) => {
  let count = 0;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const i = (y * canvas.width + x) * 4;
      const set = bits[Math.floor(x / s) * mask.height + Math.floor(y / s)];
      const ok = set ? data[i] === 255 && data[i + 1] === 0 && data[i + 2] === 0x80
        && data[i + 3] === 255 : data[i + 3] === 0;
      if (!ok) count += 1;
    }
  }
  return count;
};
"""


def test_a_mask_draws_its_pixels_in_its_colour_and_redraws_a_stroke(js):
    result = js(
        """const mask = m.createMask(400, 300);
        m.paintDisc(mask, [50, 50], 10);"""
        + DRAWN
        + """const first = wrong(drawn());
        const image = mask.image.canvas;
        m.paintLine(mask, [40, 70], [90, 80], 6);
        m.eraseLine(mask, [40, 50], [60, 50], 4);
        const stroked = wrong(drawn());
        const kept = mask.image.canvas === image && mask.dirty === null;
        m.paintLine(mask, [390, 290], [300, 200], 3);  // past the padded image: it grows
        const grown = wrong(drawn());
        const replaced = mask.image.canvas !== image;
        const half = drawn("#ff0080", 0.5)[(42 * 400 + 50) * 4 + 3];
        return [first, stroked, kept, grown, replaced, half];""",
        {"color": "#ff0080"},
    )
    assert result[:5] == [0, 0, True, 0, True]
    assert 126 <= result[5] <= 129


def test_an_edited_copy_starts_from_the_drawn_image_of_its_original(js):
    arr = SAMPLES["blobs"]
    rle = {"size": list(arr.shape), "counts": coco(arr)}
    result = js(
        """const shown = m.maskFor(arg.rle);
        m.drawMask(document.createElement("canvas").getContext("2d"), shown, arg.color);
        const mask = m.editableMask(shown);
        const copied = mask.image && mask.image.canvas !== shown.image.canvas;"""
        + DRAWN
        + """const first = wrong(drawn());
        const image = mask.image.canvas;
        m.paintLine(mask, [20, 100], [90, 110], 6);
        m.eraseLine(mask, [40, 40], [80, 40], 8);
        return [copied, first, wrong(drawn()), mask.image.canvas === image];""",
        {"rle": rle, "color": "#ff0080"},
    )
    assert result == [True, 0, 0, True]


def test_a_read_only_mask_draws_from_its_rle_and_zoomed_pixels_stay_square(js):
    arr = SAMPLES["noise"]
    rle = {"size": list(arr.shape), "counts": coco(arr)}
    result = js(
        "const mask = m.maskFor(arg.rle);"
        + DRAWN
        + "return [mask.bits, wrong(drawn()), wrong(drawn(), m.maskBits(mask), arg.scale)];",
        {"rle": rle, "color": "#ff0080", "scale": 3},
    )
    assert result == [None, 0, 0]


def test_a_layer_of_masks_draws_as_drawing_each_does_and_rebuilds_only_on_change(js):
    result = js(
        """const make = (x, y, r) => { const one = m.createMask(200, 120); m.paintDisc(one, [x, y], r);
          return m.maskFor(m.finishMask(one)); };
        const masks = [make(60, 50, 30), make(80, 60, 25), make(170, 100, 15)];
        const entries = masks.map((mask, i) => ({ mask, color: ["#ff0000", "#00ff00", "#0000ff"][i],
          alpha: 0.5 }));
        const canvas = (s) => { const c = document.createElement("canvas"); c.width = 400;
          c.height = 240; const ctx = c.getContext("2d"); ctx.setTransform(s, 0, 0, s, 0, 0);
          return ctx; };
        const one = canvas(2);
        for (const e of entries) m.drawMask(one, e.mask, e.color, e.alpha);
        const layered = canvas(2);
        const layer = m.createMaskLayer();
        m.drawMaskLayer(layered, layer, entries);
        const a = one.getImageData(0, 0, 400, 240).data;
        const b = layered.getImageData(0, 0, 400, 240).data;
        let off = 0;
        for (let i = 0; i < a.length; i++) off = Math.max(off, Math.abs(a[i] - b[i]));
        m.drawMaskLayer(layered, layer, entries);  // nothing changed: no rebuild
        const same = layer.builds;
        const edited = m.editableMask(masks[0]);
        m.paintDisc(edited, [10, 10], 5);
        entries[0] = { ...entries[0], mask: edited };
        m.drawMaskLayer(layered, layer, entries);
        const swapped = layer.builds;
        m.paintDisc(edited, [20, 10], 5);
        m.drawMaskLayer(layered, layer, entries);
        return [off, same, swapped, layer.builds, layer.rect];"""
    )
    assert result == [result[0], 1, 2, 3, [5, 5, 185, 115]]
    assert result[0] <= 2  # rounding of the blend, in 0..255


WORKER = """
async ({ source }) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const answer = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ error: event.message || "the worker did not load" });
  });
  worker.terminate();
  return answer;
}
"""


def test_the_module_loads_and_encodes_without_a_dom(page, live_server):
    page.goto(f"{live_server.url}{MODULES}mask.js")
    source = f"""
    import * as m from "{live_server.url}{MODULES}mask.js";
    const mask = m.createMask(200, 120);
    m.paintDisc(mask, [60, 40], 30);
    postMessage({{ dom: typeof document, rle: m.finishMask(mask) }});
    """
    answer = page.evaluate(WORKER, {"source": source})
    assert answer["dom"] == "undefined"
    assert (decoded(answer["rle"]) == disc(120, 200, 60, 40, 30)).all()


TIMINGS = """
const W = 1920, H = 1080;
const canvas = (w, h) => { const c = document.createElement("canvas"); c.width = w; c.height = h;
  return c.getContext("2d"); };
const full = canvas(W, H);  // a full-HD frame at 1:1
const fit = canvas(1280, 800);  // the editor's default: the frame fitted in a 1280x800 viewport
fit.setTransform(0.65, 0, 0, 0.65, 16, 49);
const flush = (ctx) => ctx.getImageData(0, 0, 1, 1);  // waits for the rasteriser
const time = (f) => { const t = performance.now(); f(); return performance.now() - t; };
const stats = (times) => { times.sort((a, b) => a - b);
  return `median ${times[times.length >> 1].toFixed(2)}, p95 ${times[Math.floor(times.length * 0.95)].toFixed(2)}, max ${times.at(-1).toFixed(2)}`; };
const out = {};
// A complex full-HD mask: 400 blobs over the whole frame.
const base = m.createMask(W, H);
for (let i = 0; i < 400; i++) m.paintDisc(base, [(i * 7919) % W, (i * 104729) % H], 5 + (i % 40));
const rle = m.finishMask(base);
out.rle_chars = rle.counts.length;
const copy = structuredClone(rle);
out.decode_ms = time(() => m.maskFor(copy));
out.first_draw_full_box_ms = time(() => { m.drawMask(full, m.maskFor(copy), "#33aa55", 0.4); flush(full); });
out.edit_copy_ms = time(() => m.editableMask(copy));
// 200 pointer moves of a 40 px brush, each with the overlay's redraw of the edited mask.
for (const [name, ctx] of [["1to1", full], ["fit", fit]]) {
  const mask = m.editableMask(copy);
  m.drawMask(ctx, mask, "#33aa55", 0.4);
  const moves = [];
  const paint = [];
  let p = [300, 300];
  for (let i = 0; i < 200; i++) {
    const q = [300 + 1200 * (i / 200), 300 + 300 * Math.sin(i / 15)];
    moves.push(time(() => {
      paint.push(time(() => m.paintLine(mask, p, q, 20)));
      ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
      m.drawMask(ctx, mask, "#33aa55", 0.4);
      flush(ctx);
    }));
    p = q;
  }
  out[`move_${name}_ms`] = stats(moves);
  out[`move_paint_only_ms`] = stats(paint);
  out[`encode_after_stroke_ms`] = time(() => m.toRle(mask));
}
const big = m.createMask(W, H);
m.paintLine(big, [0, 540], [1920, 540], 600);
out.encode_full_frame_ms = time(() => m.finishMask(big));
// 50 masks of about 420x320 each, cached, redrawn 20 times.
const masks = [];
for (let i = 0; i < 50; i++) {
  const one = m.createMask(W, H);
  m.paintLine(one, [(i * 37) % W, (i * 53) % H], [(i * 37 + 300) % W, (i * 53 + 200) % H], 60);
  masks.push(m.finishMask(one));
}
for (const [name, ctx] of [["1to1", full], ["fit", fit]]) {
  for (const r of masks) m.drawMask(ctx, m.maskFor(r), "#ff0000", 0.3);
  flush(ctx);
  const frames = [];
  for (let k = 0; k < 21; k++) {
    frames.push(time(() => {
      ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
      for (const r of masks) m.drawMask(ctx, m.maskFor(r), "#ff0000", 0.3);
      flush(ctx);
    }));
  }
  out[`redraw_50_masks_${name}_ms`] = stats(frames);
  const layer = m.createMaskLayer();
  const entries = masks.map((r) => ({ mask: m.maskFor(r), color: "#ff0000", alpha: 0.3 }));
  out[`layer_build_50_masks_${name}_ms`] = time(() => { m.drawMaskLayer(ctx, layer, entries); flush(ctx); });
  const layered = [];
  for (let k = 0; k < 21; k++) {
    layered.push(time(() => {
      ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
      m.drawMaskLayer(ctx, layer, entries);
      flush(ctx);
    }));
  }
  out[`redraw_50_masks_layer_${name}_ms`] = stats(layered);
}
return out;
"""


@pytest.mark.skipif(not os.environ.get("MASK_TIMINGS"), reason="timings: set MASK_TIMINGS=1")
def test_timings(js):
    """Not a check: prints how long the mask operations take in this Chromium."""
    for key, value in js(TIMINGS).items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
