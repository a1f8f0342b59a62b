"""The bad-input corpus: requests a careless or hostile client sends, each of which must be refused
with a 4xx `{code, message}` and change nothing (`tests/api/test_corpus.py`).

Files here are request bodies named `<target>--<what>.<ext>`; the target says where each goes:
`bulk` (POST /api/versions/{id}/frames/), `patch` (PATCH /api/versions/{id}/frames/f0/, revision 1),
`preview` (POST /api/versions/{id}/preview/), `task` (POST /api/tasks/, `__VERSION__` stands for
the version's id) and `upload` (the file, multipart, to POST /api/versions/{id}/uploads/).
Items that would be silly to commit (megabytes, binary images) are made by `generated()`.
"""

import io
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.frames.media_files import png_header_only

FOLDER = Path(__file__).parent
TARGETS = ("bulk", "patch", "preview", "task", "upload")


@dataclass(frozen=True)
class Item:
    name: str  # <target>--<what>.<ext>
    data: bytes
    form: tuple[tuple[str, str], ...] = ()  # extra multipart fields of an upload

    @property
    def target(self) -> str:
        return self.name.split("--", 1)[0]


def committed() -> list[Item]:
    return [
        Item(path.name, path.read_bytes())
        for path in sorted(FOLDER.iterdir())
        if path.name.split("--", 1)[0] in TARGETS
    ]


def _png(size=(40, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, format="PNG")
    return output.getvalue()


def _jpeg(size=(64, 48)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (30, 200, 30)).save(output, format="JPEG")
    return output.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A real PNG of side by side 1-bit pixels, all black: ~110 KB on disk, 900 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    row = b"\0" * (1 + side // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000))
    pixels += compressor.flush()
    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _frame(key: str, **extra) -> dict:
    source = {"uri": f"https://example.com/{key}.jpg", "width": 640, "height": 480}
    return {"id": key, "source": source, **extra}


def _box(label: str = "car", points=((1, 1), (2, 3))) -> dict:
    return {"type": "box", "labels": [label], "points": [list(point) for point in points]}


def generated() -> list[Item]:
    png, jpeg = _png(), _jpeg()
    digits = "9" * 4_400
    deep = "[" * 10_000 + "]" * 10_000
    one_mb = "x" * 1_000_000
    wildcards = "a*" * 30
    return [
        # Uploads
        Item("upload--truncated.png", png[: len(png) // 2]),
        Item("upload--truncated.jpg", jpeg[: len(jpeg) // 2]),
        Item("upload--png-html-polyglot.png", png + b"<html><script>alert(1)</script></html>"),
        Item("upload--png-zip-polyglot.png", png + b"PK\x03\x04" + b"\0" * 26 + b"PK\x05\x06"),
        Item("upload--decompression-bomb.png", png_bomb()),
        Item("upload--header-claims-100000x100000.png", png_header_only(100_000, 100_000)),
        Item("upload--nul-in-context-id.png", png, form=(("context_id", "cam\x00"),)),
        Item("upload--context-id-too-long.png", png, form=(("context_id", "c" * 300),)),
        # Bulk import
        Item("bulk--nested-10000-deep.json", deep.encode()),
        Item("bulk--label-1mb.json", json.dumps([_frame("a", rois=[_box(one_mb)])]).encode()),
        Item(
            "bulk--timestamp-4400-digits.json", f'[{{"id": "a", "timestamp": {digits}}}]'.encode()
        ),
        Item(
            "bulk--width-4400-digits.json",
            json.dumps([_frame("a")]).replace("640", digits).encode(),
        ),
        Item(
            "bulk--10001-points.json",
            json.dumps(
                [_frame("a", rois=[_box(points=[(1, 1)] * 10_001) | {"type": "keypoints"}])]
            ).encode(),
        ),
        Item("bulk--5001-rois.json", json.dumps([_frame("a", rois=[_box()] * 5_001)]).encode()),
        Item(
            "bulk--51-labels.json",
            json.dumps(
                [_frame("a", rois=[_box() | {"labels": [f"l{i}" for i in range(51)]}])]
            ).encode(),
        ),
        Item(
            "bulk--meta-over-64kb.json",
            json.dumps([_frame("a", meta={"blob": "x" * 70_000})]).encode(),
        ),
        # Frame PATCH
        Item("patch--nested-10000-deep.json", ('{"revision": 1, "meta": ' + deep + "}").encode()),
        Item("patch--label-1mb.json", json.dumps({"revision": 1, "rois": [_box(one_mb)]}).encode()),
        Item(
            "patch--body-over-2mb.json",
            json.dumps({"revision": 1, "meta": {"blob": "x" * 2_200_000}}).encode(),
        ),
        Item(
            "patch--coordinate-4400-digits.json",
            (
                '{"revision": 1, "rois": [{"type": "box", "labels": ["car"], "points": [[1, 1], ['
                + digits
                + ", 3]]}]}"
            ).encode(),
        ),
        Item("patch--revision-4400-digits.json", f'{{"revision": {digits}}}'.encode()),
        # Preview
        Item(
            "preview--2000-nested-parentheses.json",
            json.dumps(
                {
                    "filters": [
                        {"mode": "by_label", "rules": [{"query": "(" * 2000 + "car" + ")" * 2000}]}
                    ]
                }
            ).encode(),
        ),
        Item(
            "preview--30-wildcards-in-frame-query.json",
            json.dumps({"filters": [{"frame_query": f"id:{wildcards}"}]}).encode(),
        ),
        Item("preview--21-filters.json", json.dumps({"filters": [{"mode": "all"}] * 21}).encode()),
        Item(
            "preview--21-rules.json",
            json.dumps(
                {"filters": [{"mode": "by_label", "rules": [{"labels": ["car"]}] * 21}]}
            ).encode(),
        ),
        Item(
            "preview--count-4400-digits.json",
            (
                '{"filters": [{"mode": "by_label", "rules": [{"labels": ["car"], "count": ['
                + digits
                + ", null]}]}]}"
            ).encode(),
        ),
        Item(
            "preview--query-over-5000-characters.json",
            json.dumps({"filters": [{"frame_query": "id:a OR " * 700 + "id:b"}]}).encode(),
        ),
        # Task creation
        Item(
            "task--2000-nested-parentheses.json",
            (
                '{"name": "T", "version": __VERSION__, "filters": [{"frame_query": "'
                + "(" * 2000
                + "id:a"
                + ")" * 2000
                + '"}]}'
            ).encode(),
        ),
        Item(
            "task--label-1mb.json",
            (
                '{"name": "T", "version": __VERSION__, "filters": [{"mode": "by_label", "rules": [{"labels": ["'
                + one_mb
                + '"]}]}]}'
            ).encode(),
        ),
        Item(
            "task--limit-4400-digits.json",
            (
                '{"name": "T", "version": __VERSION__, "iteration": {"limit": ' + digits + "}}"
            ).encode(),
        ),
    ]


def items() -> list[Item]:
    return committed() + generated()
