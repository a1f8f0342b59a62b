// Points are [x, y] in image pixels; a view is {scale, x, y, dpr}, x and y being where the
// world's origin is on screen. The world is the plane of the sources shown: one source's pixels
// are the world's, a FrameGroup's sources sit at offsets in it (layoutSources). No DOM, so tests
// import it alone.
export const clamp = (value, min, max) => Math.max(min, Math.min(max, value));
export const toImage = (view, p) => [(p[0] - view.x) / view.scale, (p[1] - view.y) / view.scale];
export const toScreen = (view, p) => [p[0] * view.scale + view.x, p[1] * view.scale + view.y];
const limitScale = (scale) => clamp(scale, 0.02, 40);

export function zoomAt(view, scale, at) {
  const [ix, iy] = toImage(view, at);
  const next = limitScale(scale);
  return { ...view, scale: next, x: at[0] - ix * next, y: at[1] - iy * next };
}

// A world point in the pixels of the source at `place`.
export const local = (place, p) => [p[0] - place.x, p[1] - place.y];

// Where each shown source sits in the world: a grid of ceil(sqrt(n)) columns with a gap between
// the cells (each the largest source's size), or `active` alone (tabs). Returns {places: [{id, x,
// y, width, height}], width, height}, the world's size.
export function layoutSources(sources, mode, active) {
  const shown =
    mode === "tabs" && sources.length > 1
      ? [sources.find((s) => s.id === active) || sources[0]]
      : sources;
  const columns = Math.ceil(Math.sqrt(shown.length));
  const rows = Math.ceil(shown.length / columns);
  const cellWidth = Math.max(0, ...shown.map((s) => s.width));
  const cellHeight = Math.max(0, ...shown.map((s) => s.height));
  const gap = shown.length > 1 ? Math.round(Math.max(cellWidth, cellHeight) / 50) : 0;
  const places = shown.map(({ id, width, height }, i) => {
    const x = (i % columns) * (cellWidth + gap);
    return { id, width, height, x, y: Math.floor(i / columns) * (cellHeight + gap) };
  });
  const width = columns * cellWidth + (columns - 1) * gap;
  return { places, width, height: rows * cellHeight + (rows - 1) * gap };
}

export function centerView(viewport, image, scale) {
  const x = (viewport.width - image.width * scale) / 2;
  const y = (viewport.height - image.height * scale) / 2;
  return { scale, x, y };
}

export function fitView(viewport, image, margin = 16) {
  const scaleX = (viewport.width - 2 * margin) / image.width;
  const scaleY = (viewport.height - 2 * margin) / image.height;
  return centerView(viewport, image, limitScale(Math.min(scaleX, scaleY)));
}

// [x0, y0, x1, y1]
export function bounds(points) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  }
  return box;
}

// Edits replace a points array, so bounds cached per array never go stale.
const boundsCache = new WeakMap();
export function boundsOf(points) {
  let box = boundsCache.get(points);
  if (!box) {
    box = bounds(points);
    boundsCache.set(points, box);
  }
  return box;
}

// What a shape covers on screen: a turned box or ellipse reaches past its points.
export function shapeBounds({ points, rotation }) {
  return rotation ? bounds(boxCorners(points, rotation)) : boundsOf(points);
}

function inRect(r, p, tol = 0) {
  return p[0] >= r[0] - tol && p[0] <= r[2] + tol && p[1] >= r[1] - tol && p[1] <= r[3] + tol;
}

export const rectsOverlap = (a, b) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

export function rectFrom(a, b) {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

function nearestOnSegment(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = clamp(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1), 0, 1);
  return [a[0] + t * dx, a[1] + t * dy];
}

function segmentDistance(p, a, b) {
  const [x, y] = nearestOnSegment(p, a, b);
  return Math.hypot(p[0] - x, p[1] - y);
}

export function pointInPolygon(p, points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

export const hitBox = (points, p, tol) => inRect([...points[0], ...points[1]], p, tol);

// Rotation: degrees, clockwise on screen (y points down), about the centre of `points`' box.
export const centerOf = ([[x0, y0], [x1, y1]]) => [(x0 + x1) / 2, (y0 + y1) / 2];

export function rotate(p, center, degrees) {
  if (!degrees) return p;
  const angle = (degrees * Math.PI) / 180;
  const [dx, dy] = [p[0] - center[0], p[1] - center[1]];
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  return [center[0] + dx * cos - dy * sin, center[1] + dx * sin + dy * cos];
}

// `p` in the frame of a box turned by `degrees`: its hit tests and handles stay axis-aligned.
export const unrotate = (points, degrees, p) => rotate(p, centerOf(points), -degrees);

export const rotatePoints = (points, center, degrees) =>
  points.map((p) => rotate(p, center, degrees));

// The four corners of a box as turned on screen, clockwise from the top left.
export function boxCorners([[x0, y0], [x1, y1]], degrees = 0) {
  const corners = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  return rotatePoints(
    corners,
    centerOf([
      [x0, y0],
      [x1, y1],
    ]),
    degrees,
  );
}

// Into (-180, 180], as the API stores it.
export function normalizeAngle(degrees) {
  const angle = ((degrees % 360) + 360) % 360 || 0;
  return angle > 180 ? angle - 360 : angle;
}

// The rotation that puts a handle above the centre under `p`; `snap` in degrees, 0 for none.
export function angleTo(center, p, snap = 0) {
  let angle = (Math.atan2(p[0] - center[0], center[1] - p[1]) * 180) / Math.PI;
  if (snap) angle = Math.round(angle / snap) * snap;
  return Math.round(normalizeAngle(angle) * 100) / 100;
}

export function hitEllipse(points, p, tol) {
  const [cx, cy] = centerOf(points);
  const rx = Math.abs(points[1][0] - points[0][0]) / 2 + tol;
  const ry = Math.abs(points[1][1] - points[0][1]) / 2 + tol;
  return ((p[0] - cx) / rx) ** 2 + ((p[1] - cy) / ry) ** 2 <= 1;
}

// Near one of its segments; a polyline has no closing one.
export function hitPolyline(points, p, tol) {
  return points.some((a, i) => i > 0 && segmentDistance(p, points[i - 1], a) <= tol);
}

// Where a click within `tol` of a polygon's or polyline's edge puts a new vertex:
// {index, point} (the index it takes), or null.
export function edgeAt(points, p, tol, closed) {
  let best = null;
  let bestDistance = tol;
  const last = closed ? points.length : points.length - 1;
  for (let i = 0; i < last; i++) {
    const a = points[i];
    const b = points[(i + 1) % points.length];
    const distance = segmentDistance(p, a, b);
    if (distance <= bestDistance) {
      best = { index: i + 1, point: nearestOnSegment(p, a, b) };
      bestDistance = distance;
    }
  }
  return best;
}

export function hitPolygon(points, p, tol) {
  if (pointInPolygon(p, points)) return true;
  return points.some((a, i) => segmentDistance(p, a, points[(i + 1) % points.length]) <= tol);
}

export function hitKeypoints(points, p, tol) {
  return points.some((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) <= tol * 1.5);
}

// Corners, then edge midpoints, as fractions of the box.
const BOX_HANDLES = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
  [0.5, 0],
  [1, 0.5],
  [0.5, 1],
  [0, 0.5],
];

export function boxHandles([[x0, y0], [x1, y1]]) {
  return BOX_HANDLES.map(([fx, fy]) => [x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)]);
}

export function resizeBox([[x0, y0], [x1, y1]], handle, p) {
  const [fx, fy] = BOX_HANDLES[handle];
  const from = [fx === 0 ? p[0] : x0, fy === 0 ? p[1] : y0];
  const to = [fx === 1 ? p[0] : x1, fy === 1 ? p[1] : y1];
  return normalizeBox([from, to]);
}

// Resized in the box's own turned frame, so the opposite corner stays where it is on screen;
// the result is again the box before rotation, about its new centre.
export function resizeRotatedBox(points, degrees, handle, p) {
  if (!degrees) return resizeBox(points, handle, p);
  const local = resizeBox(points, handle, unrotate(points, degrees, p));
  const [cx, cy] = rotate(centerOf(local), centerOf(points), degrees);
  const [halfWidth, halfHeight] = [
    (local[1][0] - local[0][0]) / 2,
    (local[1][1] - local[0][1]) / 2,
  ];
  return [
    [cx - halfWidth, cy - halfHeight],
    [cx + halfWidth, cy + halfHeight],
  ];
}

// The box handles of a turned box; the rotation handle sits `offset` above the top edge.
export const rotatedBoxHandles = (points, degrees) =>
  rotatePoints(boxHandles(points), centerOf(points), degrees);

export function rotationHandle(points, degrees, offset) {
  const [[x0, y0], [x1]] = points;
  return rotate([(x0 + x1) / 2, y0 - offset], centerOf(points), degrees);
}

// A square box from `a` towards `b` (a circle's box): the longer side wins.
export function squareFrom(a, b) {
  const side = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
  return [a[0] + Math.sign(b[0] - a[0]) * side, a[1] + Math.sign(b[1] - a[1]) * side];
}

export function normalizeBox([a, b]) {
  const rect = rectFrom(a, b);
  return [rect.slice(0, 2), rect.slice(2)];
}

const round2 = (value) => Math.round(value * 100) / 100;

export function clampPoint(p, width, height) {
  return [round2(clamp(p[0], 0, width)), round2(clamp(p[1], 0, height))];
}

// A move by (dx, dy) that keeps `box` inside the image.
export function clampDelta(box, dx, dy, width, height) {
  return [clamp(dx, -box[0], width - box[2]), clamp(dy, -box[1], height - box[3])];
}

export const translate = (points, dx, dy) =>
  points.map(([x, y]) => [round2(x + dx), round2(y + dy)]);

// The index of the point nearest `p` within `tol`, else -1.
export function nearestIndex(points, p, tol) {
  let best = -1;
  let bestDistance = tol;
  points.forEach((q, i) => {
    const distance = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (distance <= bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

// A hit test checks the few items listed in a cell, not every shape.
export function createGrid(items, width, height, cells = 32) {
  const size = Math.max(width, height, 1) / cells;
  const grid = new Map();
  const cell = (value) => clamp(Math.floor(value / size), 0, cells - 1);
  items.forEach(({ bounds: [x0, y0, x1, y1] }, index) => {
    for (let cx = cell(x0); cx <= cell(x1); cx++) {
      for (let cy = cell(y0); cy <= cell(y1); cy++) {
        const key = cx * cells + cy;
        if (!grid.has(key)) grid.set(key, []);
        grid.get(key).push(index);
      }
    }
  });
  return {
    // Indexes of the items whose bounds hold `p`, topmost (last drawn) first.
    at(p, tol = 0) {
      const found = new Set();
      // every cell the tolerance reaches: it may pass more than one (a small image zoomed out)
      for (let cx = cell(p[0] - tol); cx <= cell(p[0] + tol); cx++) {
        for (let cy = cell(p[1] - tol); cy <= cell(p[1] + tol); cy++) {
          for (const i of grid.get(cx * cells + cy) || []) {
            if (inRect(items[i].bounds, p, tol)) found.add(i);
          }
        }
      }
      return [...found].sort((a, b) => b - a);
    },
  };
}
