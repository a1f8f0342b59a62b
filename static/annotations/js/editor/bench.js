// A stand-in for the API on the benchmark page: one generated frame, saves kept in memory.
const LABELS = ["car", "person", "bus", "truck", "bike", "dog", "cat", "sign", "tree", "light"];

function polygon(random, width, height, vertices) {
  const [cx, cy] = [40 + random() * (width - 80), 40 + random() * (height - 80)];
  const radius = 10 + random() * 30;
  return Array.from({ length: vertices }, (_, i) => {
    const angle = (2 * Math.PI * i) / vertices;
    const r = radius * (0.7 + 0.3 * random());
    return [Math.round((cx + r * Math.cos(angle)) * 100) / 100, Math.round((cy + r * Math.sin(angle)) * 100) / 100];
  });
}

function seeded(seed) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

function picture(width, height) {
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [width / 4, height / 4];
  const ctx = canvas.getContext("2d");
  const gradient = ctx.createLinearGradient(0, 0, canvas.width, canvas.height);
  gradient.addColorStop(0, "#30475e");
  gradient.addColorStop(1, "#c1a57b");
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/png");
}

export function benchApi(config) {
  const params = new URLSearchParams(location.search);
  const count = Number(params.get("polygons") ?? config.bench.polygons);
  const vertices = Number(params.get("vertices") ?? config.bench.vertices);
  const [width, height] = [4000, 3000];
  const random = seeded(7);
  const frame = {
    id: "bench",
    context_id: "",
    timestamp: 0,
    source: { uri: "bench.png", width, height },
    image_url: picture(width, height),
    meta: {},
    revision: 1,
    rois: Array.from({ length: count }, (_, i) => ({
      id: `p${i}`,
      type: "polygon",
      labels: [LABELS[i % LABELS.length]],
      points: polygon(random, width, height, vertices),
      confidence: 1,
      meta: {},
      color: ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4"][i % 5],
      locked: false,
    })),
    frame_labels: [],
  };
  return {
    labels: async () => LABELS,
    next: async () => ({ status: 200, data: { position: 0, status: "claimed", frames: [frame] } }),
    item: async () => ({ position: 0, frames: ["bench"], status: "claimed", claimed_by: null }),
    frame: async () => frame,
    done: async () => ({ status: 200, data: null }),
    saveFrame: async (key, body) => {
      Object.assign(frame, body, { revision: frame.revision + 1 });
      return { status: 200, data: structuredClone(frame) };
    },
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];

function timed(runs, work) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work(i);
    times.push(performance.now() - start);
  }
  return { median: median(times), p95: p95(times) };
}

// Full redraw (both canvases, flushed by reading a pixel back), a drag step, and hit tests.
export function measure(editor, runs = 50) {
  const flush = () => {
    editor.shapesCanvas.getContext("2d").getImageData(0, 0, 1, 1);
    editor.overlayCanvas.getContext("2d").getImageData(0, 0, 1, 1);
  };
  const redraw = timed(runs, () => {
    editor.dirty = new Set(["view", "shapes"]);
    editor.render();
    flush();
  });
  const roi = editor.doc.rois[0];
  editor.select(roi.id);
  editor.render();
  const drag = timed(runs, (i) => {
    editor.state.drag = { kind: "move", previews: new Map([[roi.id, roi.points.map(([x, y]) => [x + i, y + i])]]) };
    editor.dirty = new Set();
    editor.render();
    flush();
  });
  editor.state.drag = null;
  const random = seeded(3);
  const { width, height } = editor.record;
  const hits = timed(runs, () => {
    for (let i = 0; i < 100; i++) editor.hitShape([random() * width, random() * height]);
  });
  return { shapes: editor.doc.rois.length, redraw, drag, hit100: hits };
}
