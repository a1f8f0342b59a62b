// One registry entry per ROI type: trace (add to the current path, so many shapes share one
// fill and stroke), hit-test, handles and resize. Points are image pixels.
import { boxHandles, hitBox, hitKeypoints, hitPolygon, resizeBox } from "./geometry.js";

const same = (points) => points;
const movePoint = (points, index, p) => points.map((q, i) => (i === index ? p : q));

export const SHAPES = {
  box: {
    label: "Box",
    trace: (ctx, [[x0, y0], [x1, y1]]) => ctx.rect(x0, y0, x1 - x0, y1 - y0),
    hitTest: hitBox,
    handles: boxHandles,
    resize: resizeBox,
  },
  polygon: {
    label: "Polygon",
    // Closed with lineTo, not closePath(): in Chromium closePath() costs O(path length).
    trace(ctx, points) {
      ctx.moveTo(...points[0]);
      for (const p of points) ctx.lineTo(p[0], p[1]);
      ctx.lineTo(...points[0]);
    },
    hitTest: hitPolygon,
    handles: same,
    resize: movePoint,
  },
  keypoints: {
    label: "Key points",
    trace(ctx, points, radius) {
      for (const [x, y] of points) [ctx.moveTo(x + radius, y), ctx.arc(x, y, radius, 0, 2 * Math.PI)];
    },
    hitTest: hitKeypoints,
    handles: same,
    resize: movePoint,
  },
};
