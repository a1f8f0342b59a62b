// One registry entry per ROI type: how to trace, hit-test, and resize it. Points are image pixels.
import { boxHandles, hitBox, hitKeypoints, hitPolygon, resizeBox } from "./geometry.js";

const movePoint = (points, index, p) => points.map((q, i) => (i === index ? p : q));

export const SHAPES = {
  box: {
    label: "Box",
    // Adds the outline to the current path so that many shapes share one fill and one stroke.
    trace(ctx, points) {
      const [[x0, y0], [x1, y1]] = points;
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
    },
    hitTest: hitBox,
    handles: boxHandles,
    resize: resizeBox,
  },
  polygon: {
    label: "Polygon",
    // lineTo the first point rather than closePath(): Chromium's closePath costs O(path length).
    trace(ctx, points) {
      ctx.moveTo(points[0][0], points[0][1]);
      for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
      ctx.lineTo(points[0][0], points[0][1]);
    },
    hitTest: hitPolygon,
    handles: (points) => points,
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
    handles: (points) => points,
    resize: movePoint,
  },
};
