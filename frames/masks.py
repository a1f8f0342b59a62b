"""Masks as COCO run-length encodings: checked, stored compressed, measured by pycocotools.

A mask is `{"size": [height, width], "counts": …}`, runs of 0s then 1s alternating, column by
column (Fortran order), exactly as pycocotools writes it. `counts` is the compressed string or,
on input, the plain list of run lengths.

pycocotools trusts its input: a string whose runs add up to more than height x width makes its
decoder write past the end of the image. So the runs of a string are read here first (with
NumPy, the way `rleFrString` in pycocotools' maskApi.c reads them), and a mask goes on only when
they are whole and cover the image exactly; everything else (bounding box, area, encoding,
decoding) is pycocotools'.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from pycocotools import mask as coco_mask

MAX_RLE_RUNS = 1_000_000
# 134 megapixels (16,384 x 8,192): pycocotools decodes a mask into one byte a pixel, and so does
# the editor, in the annotator's browser.
MAX_MASK_PIXELS = 2**27
# Six characters of 5 bits hold any run or difference of runs of such a mask (29 bits and a
# sign); pycocotools' reader overflows its 32-bit shift from the seventh on.
MAX_RUN_CHARACTERS = 6
MAX_RLE_CHARACTERS = MAX_RLE_RUNS * 2


COPY_WARNING = "__array__ implementation doesn't accept a copy keyword"


@dataclass
class MaskError(Exception):
    where: str  # ".counts", ".size", or "" for the mask itself
    message: str
    code: str = "invalid"


def clean_rle(value, *, height: int, width: int) -> tuple[dict, list[list[int]]]:
    """(the mask as stored: size and compressed counts, its bounding box as two points) of a
    mask drawn on an image of `width` x `height`; MaskError names what is wrong."""
    if not isinstance(value, dict):
        raise MaskError("", 'A mask is {"size": [height, width], "counts": COCO RLE}.')
    size = value.get("size")
    if not (
        isinstance(size, list)
        and all(type(side) is int for side in size)
        and size == [height, width]
    ):
        raise MaskError(
            ".size",
            f"A mask's size is its source's [height, width], [{height}, {width}]; "
            f"got {_short(size)}.",
            code="wrong_size",
        )
    if height * width > MAX_MASK_PIXELS:
        raise MaskError(
            ".size",
            f"A mask covers at most {MAX_MASK_PIXELS:,} pixels; this source has "
            f"{height * width:,}. Draw its shapes as polygons.",
            code="too_large",
        )
    counts = value.get("counts")
    if isinstance(counts, str):
        _check_runs(_string_runs(counts), height * width)
        rle = {"size": size, "counts": counts.encode("ascii")}
    elif isinstance(counts, list):
        _check_runs(_list_runs(counts, height * width), height * width)
        with warnings.catch_warnings():  # pycocotools 2.0.8 under NumPy 2 warns about a copy
            warnings.filterwarnings("ignore", COPY_WARNING, DeprecationWarning)
            rle = coco_mask.frPyObjects({"size": size, "counts": counts}, height, width)
    else:
        raise MaskError(".counts", "counts is a COCO RLE string or a list of run lengths.")
    if coco_mask.area(rle) == 0:
        raise MaskError("", "The mask has no pixel set; draw on it or delete it.", "empty_mask")
    x, y, w, h = (int(v) for v in coco_mask.toBbox(rle))
    stored = {"size": size, "counts": rle["counts"].decode("ascii")}
    return stored, [[x, y], [x + w, y + h]]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _list_runs(counts: list, pixels: int) -> np.ndarray:
    if len(counts) > MAX_RLE_RUNS:
        raise MaskError(".counts", f"A mask has at most {MAX_RLE_RUNS:,} runs.", "too_many_runs")
    if not all(type(run) is int for run in counts):
        raise MaskError(".counts", "Run lengths are whole numbers.")
    # Checked as Python integers first: NumPy's would wrap around past 64 bits.
    if counts and (min(counts) < 0 or max(counts) > pixels):
        raise MaskError(".counts", f"A run length is a number from 0 to {pixels:,} (the pixels).")
    return np.array(counts, dtype=np.int64) if counts else np.zeros(0, dtype=np.int64)


def _string_runs(text: str) -> np.ndarray:
    """The run lengths a compressed string holds. Each run is a signed number in 5-bit groups
    (least significant first, 0x20 = more follows, 0x10 of the last = negative) plus 48; from the
    fourth run on, a run is stored as its difference from the run two before."""
    if len(text) > MAX_RLE_CHARACTERS:
        raise MaskError(
            ".counts",
            f"A mask's counts have at most {MAX_RLE_CHARACTERS:,} characters.",
            "too_many_runs",
        )
    if not text.isascii():
        raise MaskError(".counts", "COCO RLE counts are the characters 0 to o (ASCII 48-111).")
    digits = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    if digits.size and (digits.min() < 0 or digits.max() > 63):
        raise MaskError(".counts", "COCO RLE counts are the characters 0 to o (ASCII 48-111).")
    more = (digits & 0x20) != 0
    if digits.size and more[-1]:
        raise MaskError(".counts", "The counts end inside a run.")
    ends = np.flatnonzero(~more)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    lengths = ends - starts + 1
    if lengths.size and lengths.max() > MAX_RUN_CHARACTERS:
        raise MaskError(".counts", "A run of the counts is too long to be a pixel count.")
    places = np.arange(digits.size) - np.repeat(starts, lengths)
    values = np.bitwise_or.reduceat((digits & 0x1F) << (5 * places), starts) if ends.size else ends
    negative = (digits[ends] & 0x10) != 0
    values = np.where(negative, values - (1 << (5 * lengths)), values)
    runs = values.astype(np.int64)
    runs[1::2] = np.cumsum(runs[1::2])
    runs[2::2] = np.cumsum(runs[2::2])
    return runs


def _check_runs(runs: np.ndarray, pixels: int) -> None:
    if runs.size and runs.min() < 0:
        raise MaskError(".counts", "A run length is negative.")
    total = int(runs.sum())
    if total != pixels:
        raise MaskError(
            ".counts",
            f"The runs cover {total:,} pixels; the image has {pixels:,} (height x width).",
            code="wrong_size",
        )


def _coco(mask: dict) -> dict:
    """A stored, checked mask as pycocotools takes it (its counts as bytes)."""
    return {"size": mask["size"], "counts": mask["counts"].encode("ascii")}


def decode(mask: dict) -> np.ndarray:
    """The mask's pixels, an array of height x width of 0 and 1."""
    return coco_mask.decode(_coco(mask))


def mask_area(mask: dict) -> int:
    """Pixels set, as pycocotools counts them (COCO's `area` of an RLE segmentation)."""
    return int(coco_mask.area(_coco(mask)))


def mask_bbox(mask: dict) -> list[float]:
    """COCO's [x, y, width, height] of the mask (pixel edges), from pycocotools."""
    return [float(value) for value in coco_mask.toBbox(_coco(mask))]


def encode(pixels: np.ndarray) -> dict:
    """A stored mask of a height x width array of 0 and 1."""
    rle = coco_mask.encode(np.asfortranarray(pixels, dtype=np.uint8))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
