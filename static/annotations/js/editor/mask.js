// Masks: COCO RLE exactly as pycocotools reads and writes it, a bitmap to paint on with a brush
// and an eraser, and a cached image of each mask for the 2D canvas. No DOM at import, so tests
// and workers import it alone; only the drawing functions (and editableMask of a mask already
// drawn) make canvases: OffscreenCanvas, or a <canvas> where there is none.
//
// A mask's pixels are column-major (Fortran order), as COCO RLE is: pixel (x, y) is
// bits[x * height + y]. An RLE is {size: [height, width], counts}, counts the run lengths
// starting with a run of zeros, either pycocotools' compressed string or a list of numbers.
//
// Life of a mask in the editor:
//   maskFor(rle)          read-only mask for a ROI's rle, decoded once per rle object; drawMask it.
//   editableMask(x)       a private copy (of an rle or a mask) to paint and erase on.
//   paintLine/eraseLine   on each pointer move; drawMask redraws only the changed rectangle.
//   finishMask(mask)      at the end of the stroke: the rle to save (null when empty); the mask
//                         becomes the read-only mask of that rle, its cached image reused.
//   drawMaskLayer(...)    the frame's other masks, composited once, one drawImage a redraw.

// ---- COCO RLE codec ------------------------------------------------------------------------

// pycocotools' rleFrString: 6 bits a character (48 + value), 5 of data and a continuation bit,
// least significant group first, the last group's 0x10 bit the sign; from the fourth count on,
// a count is stored as its difference from the count two before it.
export function decodeCounts(text) {
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let weight = 1;
    let c;
    do {
      if (p >= text.length) throw new Error("RLE counts: the string ends inside a number");
      c = text.charCodeAt(p++) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE counts: bad character at ${p - 1}`);
      value += (c & 0x1f) * weight;
      weight *= 32;
    } while (c & 0x20);
    if (c & 0x10) value -= weight; // negative: sign-extend the last group
    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(value);
  }
  return counts;
}

// pycocotools' rleToString, the inverse of decodeCounts.
export function encodeCounts(counts) {
  const out = new Uint8Array(counts.length * 7 + 1);
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out[p++] = c + 48;
    }
  }
  return decoder.decode(out.subarray(0, p));
}
const decoder = new TextDecoder();

// Run lengths of column-major bits (each 0 or 1), as pycocotools' rleEncode: first a run of
// zeros (maybe 0), the last run always written. Pixels outside [begin, end) must be 0: a mask
// scans only the columns of its box. Four pixels are compared at a time.
export function bitsToCounts(bits, begin = 0, end = bits.length) {
  const n = bits.length;
  const aligned = (bits.byteOffset & 3) === 0;
  const words = aligned ? new Uint32Array(bits.buffer, bits.byteOffset, end >> 2) : null;
  const counts = [];
  let value = 0;
  let start = 0; // where the current run began
  let p = begin;
  for (;;) {
    while (p < end && (p & 3 || !aligned) && bits[p] === value) p++;
    if (p < end && bits[p] === value) {
      const same = value ? 0x01010101 : 0;
      let w = p >> 2;
      while (w < words.length && words[w] === same) w++;
      p = w << 2;
      while (p < end && bits[p] === value) p++;
    }
    if (p >= end) break;
    counts.push(p - start);
    start = p;
    value ^= 1;
  }
  if (value === 0) {
    counts.push(n - start);
  } else {
    counts.push(end - start);
    if (n > end) counts.push(n - end);
  }
  return counts;
}

export function countsToBits(counts, height, width) {
  const bits = new Uint8Array(height * width);
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    if (i & 1) bits.fill(1, p, p + counts[i]);
    p += counts[i];
  }
  return bits;
}

// A mask holds a byte a pixel: the server refuses larger ones (frames.masks.MAX_MASK_PIXELS).
export const MAX_MASK_PIXELS = 2 ** 27;

function readCounts(rle) {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every(Number.isInteger)) {
    throw new Error("RLE: size must be [height, width]");
  }
  const [height, width] = size;
  if (height * width > MAX_MASK_PIXELS) throw new Error("RLE: the mask is too large");
  let counts = rle.counts;
  if (typeof counts === "string") counts = decodeCounts(counts);
  else if (Array.isArray(counts)) {
    if (!counts.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new Error("RLE: counts must be non-negative integers");
    }
    counts = counts.slice();
  } else throw new Error("RLE: counts must be a string or a list");
  let total = 0;
  for (const n of counts) {
    if (n < 0) throw new Error("RLE: a negative count");
    total += n;
  }
  if (total !== height * width) {
    throw new Error(`RLE: counts add up to ${total}, not ${height} x ${width}`);
  }
  return { height, width, counts };
}

// [x0, y0, x1, y1] (x1, y1 one past the last column and row) of the runs of ones, or null.
function countsBox(counts, height) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (i & 1 && n > 0) {
      const first = Math.floor(p / height);
      const last = Math.floor((p + n - 1) / height);
      if (first < x0) x0 = first;
      if (last + 1 > x1) x1 = last + 1;
      if (first !== last) {
        y0 = 0;
        y1 = height;
      } else {
        const top = p - first * height;
        if (top < y0) y0 = top;
        if (top + n > y1) y1 = top + n;
      }
    }
    p += n;
  }
  return x1 < 0 ? null : [x0, y0, x1, y1];
}

// ---- Masks ---------------------------------------------------------------------------------

// counts: the RLE when it matches the pixels (null once painted); bits: the pixels, made when
// first needed; box: [x0, y0, x1, y1] of the set pixels or null, a superset while `loose`
// (after erasing); dirty: the rectangle whose cached image is stale.
function newMask(width, height, counts, bits, box) {
  return {
    width,
    height,
    counts,
    bits,
    box,
    loose: false,
    dirty: null,
    image: null,
    readOnly: false,
    version: 0,
  };
}

export function createMask(width, height) {
  return newMask(width, height, [width * height], new Uint8Array(width * height), null);
}

// A mask of column-major bits (any non-zero value is set); the array is copied.
export function maskFromBits(width, height, bits) {
  const own = new Uint8Array(width * height);
  for (let i = 0; i < own.length; i++) own[i] = bits[i] ? 1 : 0;
  const counts = bitsToCounts(own);
  return newMask(width, height, counts, own, countsBox(counts, height));
}

// Throws on a malformed rle (size, characters, counts not adding up to height x width).
export function maskFromRle(rle) {
  const { height, width, counts } = readCounts(rle);
  return newMask(width, height, counts, null, countsBox(counts, height));
}

// The read-only mask of an rle object, made once per object (a snapshot's clone is decoded again).
const byRle = new WeakMap();
export function maskFor(rle) {
  let mask = byRle.get(rle);
  if (!mask) {
    mask = maskFromRle(rle);
    mask.readOnly = true;
    byRle.set(rle, mask);
  }
  return mask;
}

// A read-only mask keeps only its RLE: its pixels are made again each time they are asked for.
function bitsOf(mask) {
  if (mask.bits) return mask.bits;
  const bits = countsToBits(mask.counts, mask.height, mask.width);
  if (!mask.readOnly) mask.bits = bits;
  return bits;
}
const maskOf = (source) => (source.size ? maskFor(source) : source);

// A copy to paint on, of a mask or an rle; the cached image is copied too, not redrawn.
export function editableMask(source) {
  const from = maskOf(source);
  const bits = from.bits ? from.bits.slice() : bitsOf(from);
  const mask = newMask(from.width, from.height, from.counts, bits, from.box);
  mask.loose = from.loose;
  mask.dirty = from.dirty;
  if (from.image) {
    // with room for the brush around it, as an edited mask's image has
    const { canvas, rect, color } = from.image;
    mask.image = newImage(padded(mask, rect), color);
    mask.image.ctx.drawImage(canvas, rect[0] - mask.image.rect[0], rect[1] - mask.image.rect[1]);
  }
  return mask;
}

// Column-major pixels, 1 for set (made from the RLE when the mask has none yet). Do not modify.
export const maskBits = (mask) => bitsOf(mask);

export function isEmpty(mask) {
  tighten(mask);
  return mask.box === null;
}

// [[x0, y0], [x1, y1]] in pixel edges (x1 = last column + 1, y1 = last row + 1), or null.
export function maskBounds(mask) {
  tighten(mask);
  const box = mask.box;
  return (
    box && [
      [box[0], box[1]],
      [box[2], box[3]],
    ]
  );
}

export function maskArea(mask) {
  let area = 0;
  for (let i = 1; i < countsOf(mask).length; i += 2) area += mask.counts[i];
  return area;
}

// Is the pixel under image point (x, y) set?
export function hasPixel(mask, x, y) {
  const col = Math.floor(x);
  const row = Math.floor(y);
  if (col < 0 || row < 0 || col >= mask.width || row >= mask.height) return false;
  const box = mask.box;
  if (!box || col < box[0] || col >= box[2] || row < box[1] || row >= box[3]) return false;
  const at = col * mask.height + row;
  if (mask.bits) return mask.bits[at] === 1;
  let p = 0;
  for (let i = 0; i < mask.counts.length; i++) {
    p += mask.counts[i];
    if (at < p) return (i & 1) === 1;
  }
  return false;
}

function countsOf(mask) {
  if (!mask.counts) {
    const box = mask.box;
    mask.counts = box
      ? bitsToCounts(mask.bits, box[0] * mask.height, box[2] * mask.height)
      : [mask.width * mask.height];
    mask.box = countsBox(mask.counts, mask.height);
    mask.loose = false;
  }
  return mask.counts;
}

function tighten(mask) {
  if (mask.loose) countsOf(mask);
}

// {size: [height, width], counts: "<compressed string>"}: what the API stores.
export function toRle(mask) {
  return { size: [mask.height, mask.width], counts: encodeCounts(countsOf(mask)) };
}

// The end of a stroke: the rle to save, or null for a mask with no pixel set. The mask becomes
// that rle's read-only mask (maskFor(rle) returns it, cached image and all) and drops its bits.
export function finishMask(mask) {
  if (isEmpty(mask)) return null;
  const rle = toRle(mask);
  mask.readOnly = true;
  mask.bits = null;
  byRle.set(rle, mask);
  return rle;
}

// A copy moved by whole pixels (pixels moved off the image are lost).
export function movedMask(source, dx, dy) {
  const from = maskOf(source);
  const { width, height } = from;
  const moved = createMask(width, height);
  tighten(from);
  if (!from.box) return moved;
  const bits = bitsOf(from);
  const [x0, y0, x1, y1] = from.box;
  dx = Math.round(dx);
  dy = Math.round(dy);
  const top = Math.max(y0, -dy);
  const bottom = Math.min(y1, height - dy);
  for (let x = Math.max(x0, -dx); x < Math.min(x1, width - dx) && top < bottom; x++) {
    moved.bits.set(
      bits.subarray(x * height + top, x * height + bottom),
      (x + dx) * height + top + dy,
    );
  }
  moved.counts = null;
  moved.loose = true;
  moved.box = [0, 0, width, height];
  tighten(moved);
  return moved;
}

// ---- Brush and eraser ----------------------------------------------------------------------

// Sets (value 1) or clears (0) every pixel whose centre lies within `radius` of the segment
// from `a` to `b` (image pixels, [x, y]): a brush's disc dragged from one pointer position to
// the next, so a stroke has no gaps; the pixels under `a` and `b` always. The radius is at least
// half a pixel (a one-pixel brush draws an 8-connected line). Returns the changed rectangle
// [x0, y0, x1, y1], or null when the segment misses the image.
export function paintLine(mask, a, b, radius, value = 1) {
  if (mask.readOnly) throw new Error("A read-only mask: paint on editableMask(...)");
  const { width, height } = mask;
  const bits = bitsOf(mask);
  const r = Math.max(radius, 0.5);
  const [ax, ay] = a;
  const [bx, by] = b;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const rl = r * Math.sqrt(len2);
  const rr = r * r;
  const fill = value ? 1 : 0;
  let rx0 = Infinity;
  let ry0 = Infinity;
  let rx1 = -1;
  let ry1 = -1;
  const span = (x, ys, ye) => {
    // rows ys..ye (inclusive) of column x
    if (x < 0 || x >= width) return;
    if (ys < 0) ys = 0;
    if (ye >= height) ye = height - 1;
    if (ys > ye) return;
    bits.fill(fill, x * height + ys, x * height + ye + 1);
    if (x < rx0) rx0 = x;
    if (x >= rx1) rx1 = x + 1;
    if (ys < ry0) ry0 = ys;
    if (ye >= ry1) ry1 = ye + 1;
  };
  const first = Math.max(0, Math.floor(Math.min(ax, bx) - r));
  const last = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r));
  for (let x = first; x <= last; x++) {
    // The capsule is convex: its cut by the line through the column's centres is one interval,
    // the union of the cuts of the two end discs and of the band between them.
    const cx = x + 0.5;
    let lo = Infinity;
    let hi = -Infinity;
    const ea = cx - ax;
    if (ea * ea <= rr) {
      const s = Math.sqrt(rr - ea * ea);
      lo = Math.min(lo, ay - s);
      hi = Math.max(hi, ay + s);
    }
    const eb = cx - bx;
    if (eb * eb <= rr) {
      const s = Math.sqrt(rr - eb * eb);
      lo = Math.min(lo, by - s);
      hi = Math.max(hi, by + s);
    }
    if (len2 > 0) {
      let blo;
      let bhi;
      if (dx === 0) {
        // a vertical segment: the band is its column range
        if (Math.abs(ea) <= r) {
          blo = Math.min(ay, by);
          bhi = Math.max(ay, by);
        }
      } else {
        // distance to the line <= r: |ea*dy - (y-ay)*dx| <= r*len
        const p1 = ay + (ea * dy - rl) / dx;
        const p2 = ay + (ea * dy + rl) / dx;
        blo = Math.min(p1, p2);
        bhi = Math.max(p1, p2);
        // projection within the segment: 0 <= ea*dx + (y-ay)*dy <= len2
        if (dy === 0) {
          const t = ea * dx;
          if (t < 0 || t > len2) blo = undefined;
        } else {
          const q1 = ay - (ea * dx) / dy;
          const q2 = ay + (len2 - ea * dx) / dy;
          blo = Math.max(blo, Math.min(q1, q2));
          bhi = Math.min(bhi, Math.max(q1, q2));
        }
      }
      if (blo !== undefined && blo <= bhi) {
        lo = Math.min(lo, blo);
        hi = Math.max(hi, bhi);
      }
    }
    if (lo <= hi) span(x, Math.ceil(lo - 0.5), Math.floor(hi - 0.5));
  }
  for (const [px, py] of [a, b]) {
    const x = Math.floor(px);
    const y = Math.floor(py);
    if (y >= 0 && y < height) span(x, y, y);
  }
  if (rx1 < 0) return null;
  const rect = [rx0, ry0, rx1, ry1];
  changed(mask, rect, fill);
  return rect;
}

export const paintDisc = (mask, at, radius) => paintLine(mask, at, at, radius, 1);
export const eraseDisc = (mask, at, radius) => paintLine(mask, at, at, radius, 0);
export const eraseLine = (mask, a, b, radius) => paintLine(mask, a, b, radius, 0);

const union = (a, b) =>
  a ? [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])] : b;

function intersect(a, b) {
  const r = [
    Math.max(a[0], b[0]),
    Math.max(a[1], b[1]),
    Math.min(a[2], b[2]),
    Math.min(a[3], b[3]),
  ];
  return r[0] < r[2] && r[1] < r[3] ? r : null;
}

function changed(mask, rect, fill) {
  mask.counts = null;
  mask.version += 1;
  if (fill) {
    mask.box = union(mask.box, rect);
    mask.dirty = union(mask.dirty, rect);
    return;
  }
  // Erasing: nothing changes outside the box, which may now be larger than the set pixels.
  const cut = mask.box && intersect(mask.box, rect);
  if (!cut) return;
  mask.loose = true;
  mask.dirty = union(mask.dirty, cut);
}

// ---- Drawing -------------------------------------------------------------------------------

// Each mask keeps an image of its box in one colour at full opacity (an axis-aligned drawImage
// is the fast one); a brush stroke rewrites only its rectangle of it.
const PAD = 64; // an edited mask's image grows by at least this much more (padded)

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// "#rrggbb" → the RGBA bytes of an ImageData pixel as one little-endian 32-bit word.
function packColor(color) {
  const hex = String(color).replace("#", "");
  const n = Number.parseInt(hex.slice(0, 6), 16) || 0;
  return ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

// Writes `rect` (image pixels, within the image's rect) of the mask into its image.
function putRect(mask, rect, bits) {
  const { image, height } = mask;
  const [x0, y0, x1, y1] = rect;
  const data = new ImageData(x1 - x0, y1 - y0);
  const out = new Uint32Array(data.data.buffer);
  const lut = image.lut;
  let o = 0;
  for (let y = y0; y < y1; y++) {
    const end = x1 * height + y;
    for (let i = x0 * height + y; i < end; i += height) out[o++] = lut[bits[i]];
  }
  image.ctx.putImageData(data, x0 - image.rect[0], y0 - image.rect[1]);
}

function newImage(rect, color) {
  const canvas = makeCanvas(rect[2] - rect[0], rect[3] - rect[1]);
  return { canvas, ctx: canvas.getContext("2d"), rect, color, lut: new Uint32Array([0, color]) };
}

// Room for the brush around an edited mask's image: PAD, or half the image's size if more, so
// a long stroke reallocates it a few times, not every few moves.
function padded(mask, rect) {
  if (mask.readOnly) return rect;
  const dx = Math.max(PAD, (rect[2] - rect[0]) >> 1);
  const dy = Math.max(PAD, (rect[3] - rect[1]) >> 1);
  return [
    Math.max(0, rect[0] - dx),
    Math.max(0, rect[1] - dy),
    Math.min(mask.width, rect[2] + dx),
    Math.min(mask.height, rect[3] + dy),
  ];
}

const inside = (inner, outer) =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];

// Brings the mask's cached image up to date: drawn whole when new or recoloured, grown when the
// box passed it, else only the dirty rectangle rewritten. Returns {canvas, rect} or null (empty).
export function maskImage(mask, color) {
  const packed = packColor(color);
  let image = mask.image;
  if (!mask.box) {
    mask.dirty = null;
    if (image) image.ctx.clearRect(0, 0, image.canvas.width, image.canvas.height);
    return null;
  }
  if (!image || image.color !== packed) {
    image = mask.image = newImage(padded(mask, mask.box), packed);
    putRect(mask, mask.box, bitsOf(mask)); // a read-only mask's pixels are decoded, then dropped
    mask.dirty = null;
    return image;
  }
  if (!inside(mask.box, image.rect)) {
    const old = image;
    image = mask.image = newImage(padded(mask, union(old.rect, mask.box)), packed);
    image.ctx.drawImage(old.canvas, old.rect[0] - image.rect[0], old.rect[1] - image.rect[1]);
  }
  if (mask.dirty) {
    const rect = intersect(mask.dirty, image.rect);
    if (rect) putRect(mask, rect, bitsOf(mask));
    mask.dirty = null;
  }
  return image;
}

// Draws the mask in `color` ("#rrggbb") at `alpha` on a context whose transform maps image
// pixels (as render.js sets it): one drawImage of the cached image, its pixels square when zoomed
// in, smoothed when zoomed out. Nothing is decoded here: only the pixels changed since the last
// draw are written into the cached image.
export function drawMask(ctx, mask, color, alpha = 1) {
  const image = maskImage(mask, color);
  if (!image || alpha <= 0) return;
  const { globalAlpha, imageSmoothingEnabled } = ctx;
  const { a, b } = ctx.getTransform();
  ctx.globalAlpha = globalAlpha * alpha;
  ctx.imageSmoothingEnabled = a * a + b * b < 1;
  ctx.drawImage(image.canvas, image.rect[0], image.rect[1]);
  ctx.globalAlpha = globalAlpha;
  ctx.imageSmoothingEnabled = imageSmoothingEnabled;
}

// ---- A frame's masks as one layer ----------------------------------------------------------

// Drawing many masks one by one while zoomed costs a scaled drawImage each; a layer composites
// them once, in image pixels, and a redraw (pan, zoom, another shape changed) is one drawImage.
// The layer is rebuilt only when the list changes: another mask, colour or alpha, or a mask
// painted since (its version). Compositing first gives the same pixels as drawing each in turn.
export const createMaskLayer = () => ({ canvas: null, ctx: null, rect: null, key: [], builds: 0 });

// entries: [{mask, color, alpha}] in drawing order, as drawMask takes them.
export function drawMaskLayer(ctx, layer, entries) {
  const key = [];
  for (const { mask, color, alpha = 1 } of entries) key.push(mask, mask.version, color, alpha);
  if (key.length !== layer.key.length || key.some((item, i) => item !== layer.key[i])) {
    buildLayer(layer, entries);
  }
  layer.key = key;
  if (!layer.rect) return;
  const { imageSmoothingEnabled } = ctx;
  const { a, b } = ctx.getTransform();
  ctx.imageSmoothingEnabled = a * a + b * b < 1;
  const [x0, y0, x1, y1] = layer.rect;
  ctx.drawImage(layer.canvas, 0, 0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
  ctx.imageSmoothingEnabled = imageSmoothingEnabled;
}

function buildLayer(layer, entries) {
  layer.builds += 1;
  const drawn = [];
  let rect = null;
  for (const { mask, color, alpha = 1 } of entries) {
    const image = alpha > 0 && maskImage(mask, color);
    if (!image) continue;
    drawn.push([image, alpha]);
    rect = union(rect, mask.box);
  }
  layer.rect = rect;
  if (!rect) return;
  const [w, h] = [rect[2] - rect[0], rect[3] - rect[1]];
  if (!layer.canvas || layer.canvas.width < w || layer.canvas.height < h) {
    layer.canvas = makeCanvas(w, h);
    layer.ctx = layer.canvas.getContext("2d");
  }
  const lctx = layer.ctx;
  lctx.globalAlpha = 1;
  lctx.clearRect(0, 0, layer.canvas.width, layer.canvas.height);
  for (const [image, alpha] of drawn) {
    lctx.globalAlpha = alpha;
    lctx.drawImage(image.canvas, image.rect[0] - rect[0], image.rect[1] - rect[1]);
  }
}
