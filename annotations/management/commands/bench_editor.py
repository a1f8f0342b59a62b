"""Measure the annotation editor in headless Chromium: redraw, drag, brush, hit-test and panel
times.

Serves the bench page (a generated frame with N polygons and M masks, no database) on a free
loopback port, opens it in Chromium and times the editor's own render() with the canvases flushed,
so the figure includes rasterising, not only issuing draw calls. The brush figures are strokes of
pointer events dispatched on the stage, through the editor's own handlers, each move followed by
render() and a flush. The side panel's figures (select one shape, edit one, show another frame)
run the store's own functions, then render() and a forced layout, so they include the panel's DOM
update and the style and layout it costs.

`open_frame_sources_ms` times opening a frame (of `--sources` sources, a FrameGroup when more
than one, the shapes dealt over them) whose images have arrived: the images are decoded first, then
the editor is handed the frame (the task module's showItem, as after the API's answer) and the time
runs to its first complete render: render() with the canvases flushed and every shown image
decoded. Two frames with other images take turns, so each run shows new images.

    bench_editor --width 1920 --height 1080 --sources 4 --polygons 200 --masks 50

The issue's targets: redraw <= 16 ms, brush <= 4 ms a move, a frame of 4 sources of 1920x1080
open in <= 500 ms.
"""

import json
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)
from django.test import Client
from django.urls import reverse

from tests.browser.find_chromium import CHROMIUM_ARGS, find_chromium

from ._bench_db import migrate_if_needed

MEASURE = """
async ([runs, moves, opens]) => {
  const editor = document.querySelector("frame-editor");
  while (editor.dataset.item !== "0") await new Promise((resolve) => setTimeout(resolve, 50));
  // The editor's own instance of the store module: the same URL as its import.
  const script = document.querySelector("script[type=module][src*='/editor.js']");
  const { commit, hitShape, select, updateItem } = await import(new URL("store.js", script.src));
  const { store } = editor;
  const flush = () => {
    for (const canvas of [editor.shapesCanvas, editor.overlayCanvas]) {
      canvas.getContext("2d").getImageData(0, 0, 1, 1);
    }
  };
  const stats = (times) => {
    times.sort((a, b) => a - b);
    const n = times.length;
    return { median: times[n >> 1], p95: times[Math.floor(n * 0.95)], min: times[0] };
  };
  const timed = (work) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      work(i);
      times.push(performance.now() - start);
    }
    return stats(times);
  };
  const redraw = () => {
    store.dirty = new Set(["view", "shapes"]);
    editor.render();
    flush();
  };
  const result = { redraw_fit: timed(redraw) };
  // The same without waiting for rasterisation: what the page's own thread spends.
  result.redraw_fit_main_thread = timed(() => {
    store.dirty = new Set(["view", "shapes"]);
    editor.render();
  });
  flush();
  editor.act("actual");
  result.redraw_actual_size = timed(redraw);
  editor.act("fit");
  editor.render();
  const roi = store.doc.rois[0];
  select(store, roi.id);
  editor.render();
  result.drag_step = timed((i) => {
    const points = roi.points.map(([x, y]) => [x + i, y]);
    store.drag = { kind: "move", previews: new Map([[roi.id, points]]) };
    store.dirty = new Set();
    editor.render();
    flush();
  });
  store.drag = null;
  select(store, null);
  editor.render();
  // Brush strokes of `moves` pointer moves, a wave across the (first) image, through the stage's
  // own listeners; each move then render() and a flush. Into the selected (first) mask, then a new
  // one. The first source's pixels are the world's.
  const { width, height } = store.record;
  const pointer = (type, i) => {
    const t = i / moves;
    const x = width * (0.2 + 0.6 * t);
    const y = height * (0.5 + 0.15 * Math.sin(6 * Math.PI * t));
    const rect = editor.stage.getBoundingClientRect();
    const { scale, x: ox, y: oy } = store.view;
    const init = { clientX: rect.left + ox + x * scale, clientY: rect.top + oy + y * scale };
    Object.assign(init, { pointerId: 1, pointerType: "mouse", isPrimary: true, bubbles: true });
    init.buttons = type === "pointerup" ? 0 : 1;
    editor.stage.dispatchEvent(new PointerEvent(type, init));
  };
  const brush = (name) => {
    const before = JSON.stringify(store.doc.rois.map((roi) => roi.mask));
    pointer("pointerdown", 0);
    editor.render();
    const times = [];
    for (let i = 1; i <= moves; i++) {
      const start = performance.now();
      pointer("pointermove", i);
      editor.render();
      flush();
      times.push(performance.now() - start);
    }
    result[name] = stats(times);
    const start = performance.now();
    pointer("pointerup", moves);
    editor.render();
    flush();
    result[`${name}_release`] = { once: performance.now() - start };
    if (JSON.stringify(store.doc.rois.map((roi) => roi.mask)) === before) {
      throw new Error(`${name}: the stroke changed no mask`);
    }
  };
  store.label ||= "bench";
  editor.act("tool", "brush");
  const firstMask = store.doc.rois.find((roi) => roi.type === "mask");
  if (firstMask) {
    select(store, firstMask.id);
    editor.render();
    brush("brush_move");
  }
  select(store, null);
  editor.render();
  brush("brush_move_new");
  editor.act("tool", "select");
  select(store, null);
  editor.render();
  let seed = 3;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  result.hit_test_x100 = timed(() => {
    const { world } = store;
    for (let i = 0; i < 100; i++) hitShape(store, [random() * world.width, random() * world.height]);
  });
  // A click that selects or edits one shape: the store's own function, then render() with the
  // forced layout (reading offsetHeight) in two parts, all but the panel, then the panel alone
  // (its DOM update, style and layout). Each line's median and p95 are of the whole; the
  // `_panel` line's are of the panel part.
  const list = editor.$('list="rois"');
  const settle = (parts) => {
    store.dirty = parts;
    editor.render();
    return list.offsetHeight;
  };
  const panelTimed = (name, action) => {
    const panel = [];
    result[name] = timed((i) => {
      action(i);
      settle(new Set([...store.dirty].filter((part) => part !== "panel")));
      const start = performance.now();
      settle(new Set(["panel"]));
      panel.push(performance.now() - start);
    });
    result[`${name}_panel`] = stats(panel);
  };
  const { rois } = store.doc;
  const pick = (i) => rois[(i * 7) % rois.length];
  settle(new Set(["panel"]));
  panelTimed("select_one", (i) => select(store, pick(i).id));
  panelTimed("edit_one_label", (i) => {
    updateItem(store, pick(i).id, (roi) => {
      roi.labels = [`bench-${i}`];
    });
  });
  panelTimed("edit_one_move", (i) => {
    const { id } = pick(i);
    commit(store, (doc) => {
      const roi = doc.rois.find((other) => other.id === id);
      roi.points = roi.points.map(([x, y]) => [x + (i % 2 ? -1 : 1), y]);
    });
  });
  // A new frame: every row goes, every row comes (the same shapes under other ids).
  const { record } = store;
  const shown = record.doc;
  const other = { ...shown, rois: shown.rois.map((roi) => ({ ...roi, id: `${roi.id}-b` })) };
  result.panel_new_frame = timed((i) => {
    record.doc = i % 2 ? shown : other;
    store.shownDoc = record.doc;
    settle(new Set(["panel"]));
  });
  record.doc = shown;
  store.shownDoc = shown;
  // Opening a frame whose images have arrived: decoded first (kept referenced, so they stay
  // decoded), then each run hands the editor a fresh copy of frame A or B (B's images are other
  // images: each rectangle rounded) and waits for its first complete render.
  const { showItem } = await import(new URL("task.js", script.src));
  const textA = document.getElementById("bench-frame").textContent;
  const textB = textA.replaceAll("<rect ", "<rect rx='1' ");
  const urls = (frame) => frame.sources.map((source) => source.image_url);
  const decoded = [textA, textB].flatMap((text) => urls(JSON.parse(text)));
  const kept = await Promise.all(
    decoded.map(async (url) => {
      const image = new Image();
      image.src = url;
      await image.decode();
      return image;
    }),
  );
  for (const old of store.records) old.saver.dispose();
  localStorage.clear(); // no backup of an earlier run to restore
  const times = [];
  for (let i = 0; i < opens; i++) {
    const frame = JSON.parse(i % 2 ? textB : textA);
    const start = performance.now();
    showItem(store, editor, { position: 0, status: "claimed", frames: [frame] }, "claim");
    editor.render();
    flush();
    const shownImages = editor.images.filter((image) => !image.hidden);
    await Promise.all(shownImages.map((image) => image.decode()));
    times.push(performance.now() - start);
    if (shownImages.length !== frame.sources.length) throw new Error("not every source shown");
  }
  result.open_frame_sources_ms = stats(times);
  result.open_frame_sources_ms.images = kept.length / 2;
  return result;
}
"""


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def bench_session() -> str:
    """A session key for a throwaway user: the bench page, like every page, needs a login."""
    user, _ = User.objects.get_or_create(username="bench-editor")
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Command(BaseCommand):
    help = (
        "Time the annotation editor's redraw, hit tests and side panel with many polygons in"
        " headless Chromium."
    )

    def add_arguments(self, parser):
        parser.add_argument("--polygons", type=int, default=1000)
        parser.add_argument("--vertices", type=int, default=20)
        parser.add_argument(
            "--masks", type=int, default=0, help="Random blobs, under the polygons."
        )
        parser.add_argument("--width", type=int, default=4000, help="Frame width, pixels.")
        parser.add_argument("--height", type=int, default=3000, help="Frame height, pixels.")
        parser.add_argument(
            "--sources",
            type=int,
            default=1,
            help="Sources of the frame (1-9), each --width x --height; the shapes dealt over them.",
        )
        parser.add_argument(
            "--opens",
            type=int,
            default=12,
            help="Times the frame is opened (open_frame_sources_ms).",
        )
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--moves", type=int, default=200, help="Pointer moves a brush stroke.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead."
        )

    def handle(
        self,
        *,
        polygons,
        vertices,
        masks,
        width,
        height,
        sources,
        opens,
        runs,
        moves,
        as_json,
        **options,
    ):
        from playwright.sync_api import sync_playwright

        if not 1 <= sources <= 9:
            raise CommandError("--sources takes 1 to 9 sources.")
        if not settings.DEBUG:
            raise CommandError("The bench page exists only in development: run with DEBUG=true.")
        migrate_if_needed(self.stderr)  # the page needs a login: a user and a session

        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(StaticFilesHandler(get_internal_wsgi_application()))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}{reverse('annotations:editor_bench')}"
        session = bench_session()  # before Playwright starts its event loop: the ORM is sync-only
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=find_chromium(), args=CHROMIUM_ARGS
                )
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}]
                )
                page = context.new_page()
                query = urlencode(
                    {"polygons": polygons, "vertices": vertices, "masks": masks}
                    | {"width": width, "height": height, "sources": sources}
                )
                page.goto(f"{url}?{query}", timeout=120_000)
                result = page.evaluate(MEASURE, [runs, moves, max(2, opens)])
                browser.close()
        finally:
            server.shutdown()
        frame = {"polygons": polygons, "vertices": vertices, "masks": masks, "sources": sources}
        self.report(result, frame | {"width": width, "height": height}, as_json=as_json)

    def report(self, result: dict, frame: dict, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({**frame, **result}))
            return
        self.stdout.write(
            f"frame: {frame['sources']} source(s) of {frame['width']}x{frame['height']},"
            f" {frame['polygons']} polygons x {frame['vertices']} vertices, {frame['masks']} masks"
        )
        for name, figures in result.items():
            numbers = ", ".join(
                f"{key} {value:.1f} ms" if key != "images" else f"{value} images"
                for key, value in figures.items()
            )
            self.stdout.write(f"{name}: {numbers}")
