// Per-type code: drawing, hit test, handles and resize of box, polygon and key points.
// trace() adds to the current path, so many shapes share one fill and stroke.
import { boxHandles, hitBox, hitKeypoints, hitPolygon, resizeBox } from "./geometry.js";

const samePoints = (points) => points;
const movePoint = (points, index, p) => points.map((q, i) => (i === index ? p : q));

export const SHAPES = {
  box: {
    label: "Box",
    trace(ctx, [[x0, y0], [x1, y1]]) {
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
    },
    hitTest: hitBox,
    handles: boxHandles,
    resize: resizeBox,
  },
  polygon: {
    label: "Polygon",
    // closePath() costs O(path length) in Chromium. Vertices nearer than `step` share a pixel:
    // skipped.
    trace(ctx, points, _radius, step = 0) {
      let [px, py] = points[0];
      ctx.moveTo(px, py);
      for (const [x, y] of points) {
        if (Math.abs(x - px) + Math.abs(y - py) >= step) {
          px = x;
          py = y;
          ctx.lineTo(x, y);
        }
      }
      ctx.lineTo(points[0][0], points[0][1]);
    },
    hitTest: hitPolygon,
    handles: samePoints,
    resize: movePoint,
  },
  keypoints: {
    label: "Key points",
    trace(ctx, points, radius) {
      for (const [x, y] of points) {
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
      }
    },
    hitTest: hitKeypoints,
    handles: samePoints,
    resize: movePoint,
  },
};
