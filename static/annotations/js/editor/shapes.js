// Per-type code: drawing, hit test, handles and resize of each shape type. Each takes the shape
// (an ROI, or {points, rotation} being previewed). trace() adds to the current path, so many
// shapes share one fill and stroke. A mask is pixels (mask.js): render.js draws it, its trace is
// its bounding box, and it is hit where a pixel is set.
import {
  boxCorners,
  centerOf,
  hitBox,
  hitEllipse,
  hitKeypoints,
  hitPolygon,
  hitPolyline,
  resizeRotatedBox,
  rotatedBoxHandles,
  translate,
  unrotate,
} from "./geometry.js";
import { finishMask, hasPixel, maskFor, movedMask } from "./mask.js";

const samePoints = ({ points }) => points;
const movePoint = ({ points }, index, p) => points.map((q, i) => (i === index ? p : q));
const toRadians = (degrees) => ((degrees || 0) * Math.PI) / 180;

// Box and ellipse: points are the box before rotation; both turn about its centre.
const turnedBox = {
  rotates: true,
  handles: ({ points, rotation }) => rotatedBoxHandles(points, rotation),
  resize: ({ points, rotation }, handle, p) => resizeRotatedBox(points, rotation, handle, p),
};

// Polygon and polyline: a vertex per handle, added on an edge, removed by Alt+click or Delete.
const vertexShape = { hasVertices: true, handles: samePoints, resize: movePoint };

// closePath() costs O(path length) in Chromium. Vertices nearer than `step` share a pixel:
// skipped.
function traceLine(ctx, points, step, closed) {
  let [px, py] = points[0];
  ctx.moveTo(px, py);
  for (const [x, y] of points) {
    if (Math.abs(x - px) + Math.abs(y - py) >= step) {
      px = x;
      py = y;
      ctx.lineTo(x, y);
    }
  }
  const [x, y] = closed ? points[0] : points.at(-1);
  ctx.lineTo(x, y);
}

export const SHAPES = {
  box: {
    ...turnedBox,
    label: "Box",
    trace(ctx, { points, rotation }) {
      const [[x0, y0], [x1, y1]] = points;
      if (!rotation) {
        ctx.rect(x0, y0, x1 - x0, y1 - y0);
        return;
      }
      const corners = boxCorners(points, rotation);
      ctx.moveTo(...corners[3]);
      for (const corner of corners) ctx.lineTo(...corner);
    },
    hitTest: ({ points, rotation }, p, tol) => hitBox(points, unrotate(points, rotation, p), tol),
  },
  ellipse: {
    ...turnedBox,
    label: "Ellipse",
    trace(ctx, { points, rotation }) {
      const [cx, cy] = centerOf(points);
      const rx = Math.abs(points[1][0] - points[0][0]) / 2;
      const ry = Math.abs(points[1][1] - points[0][1]) / 2;
      const angle = toRadians(rotation);
      ctx.moveTo(cx + rx * Math.cos(angle), cy + rx * Math.sin(angle)); // no line from the last
      ctx.ellipse(cx, cy, rx, ry, angle, 0, 2 * Math.PI);
    },
    hitTest: ({ points, rotation }, p, tol) =>
      hitEllipse(points, unrotate(points, rotation, p), tol),
  },
  polygon: {
    ...vertexShape,
    label: "Polygon",
    trace(ctx, { points }, _radius, step = 0) {
      traceLine(ctx, points, step, true);
    },
    hitTest: ({ points }, p, tol) => hitPolygon(points, p, tol),
  },
  polyline: {
    ...vertexShape,
    label: "Polyline",
    isOpen: true, // stroked, never filled
    trace(ctx, { points }, _radius, step = 0) {
      traceLine(ctx, points, step, false);
    },
    hitTest: ({ points }, p, tol) => hitPolyline(points, p, tol),
  },
  keypoints: {
    label: "Key points",
    trace(ctx, { points }, radius) {
      for (const [x, y] of points) {
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
      }
    },
    hitTest: ({ points }, p, tol) => hitKeypoints(points, p, tol),
    handles: samePoints,
    resize: movePoint,
  },
  mask: {
    label: "Mask",
    trace(ctx, { points: [[x0, y0], [x1, y1]] }) {
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
    },
    hitTest: ({ mask }, p) => hasPixel(maskFor(mask), p[0], p[1]),
  },
};

// A mask moved by whole pixels (the move keeps its box inside the image: no pixel is lost).
export function moveMask({ mask, points }, [dx, dy]) {
  return { mask: finishMask(movedMask(mask, dx, dy)), points: translate(points, dx, dy) };
}
