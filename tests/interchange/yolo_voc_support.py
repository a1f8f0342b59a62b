"""An in-memory `Output` for the YOLO and VOC writers, and the frames their tests export."""

import io
import zipfile
from pathlib import Path

from tests.frames.media_files import image_bytes


class Member(io.BytesIO):
    def __init__(self, output: "MemoryOutput", name: str):
        super().__init__()
        self.output, self.name = output, name

    def close(self) -> None:
        if not self.closed:
            self.output.files[self.name] = self.getvalue()
            self.output.open_member = None
        super().close()


class MemoryOutput:
    """Members by name. Like the real archive, it takes one member at a time and each name once;
    images come from `images` (URI → bytes), a URI it lacks is an image that cannot be had."""

    def __init__(self, images: dict[str, bytes] | None = None):
        self.files: dict[str, bytes] = {}
        self.images = images or {}
        self.open_member: Member | None = None

    def open(self, name: str) -> Member:
        assert self.open_member is None, f"{self.open_member.name} is still open"
        assert name not in self.files, f"{name} written twice"
        self.open_member = Member(self, name)
        return self.open_member

    def add_image(self, record: dict, name: str) -> bool:
        data = self.images.get(record["source"]["uri"])
        if data is None:
            return False
        with self.open(name) as member:
            member.write(data)
        return True

    def text(self, name: str) -> str:
        return self.files[name].decode()

    def zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in self.files.items():
                archive.writestr(name, data)
        return path

    def extract(self, folder: Path) -> Path:
        for name, data in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return folder


def export(writer_class, records: list[dict], *, images=False, **options):
    """(output, report) of one export of `records` with every label they use, sorted."""
    output = MemoryOutput(IMAGES if images else None)
    labels = sorted(
        {label for record in records for roi in record["rois"] for label in roi["labels"]}
        | {label for record in records for fl in record["frame_labels"] for label in fl["labels"]}
    )
    writer = writer_class(output, labels=labels, include_images=images, **options)
    for record in records:
        writer.write(record)
    return output, writer.close()


def roi(kind: str, labels: list[str], points: list, **fields) -> dict:
    return {
        "id": f"{kind}-{len(points)}-{labels[0]}",
        "type": kind,
        "labels": labels,
        "points": points,
        "confidence": 1.0,
        "color": "#3366ff",
        "locked": False,
        "meta": {},
    } | fields


def box(labels, x0, y0, x1, y1, **fields) -> dict:
    return roi("box", labels, [[x0, y0], [x1, y1]], **fields)


def record(key: str, size: tuple[int, int], rois=(), frame_labels=(), context="") -> dict:
    return {
        "id": key,
        "context_id": context,
        "timestamp": None,
        "source": {"uri": uri(key), "width": size[0], "height": size[1]},
        "meta": {},
        "rois": list(rois),
        "frame_labels": list(frame_labels),
    }


def uri(key: str) -> str:
    # Frames of two contexts share a file name (0001.png): exports must still name them apart.
    return f"media:frames/{key}.png"


def frame_label(labels: list[str]) -> dict:
    return {
        "id": "fl",
        "labels": labels,
        "confidence": 1.0,
        "color": "#000000",
        "locked": False,
        "meta": {},
    }


SIZES = {"cam1/0001": (200, 100), "cam2/0001": (160, 120), "cam1_0001": (64, 48), "empty": (32, 32)}
IMAGES = {uri(key): image_bytes(size=size) for key, size in SIZES.items()}


def odd_frames() -> list[dict]:
    """Boxes on the edges, fractional corners, two labels on one ROI, labels with spaces and
    letters beyond ASCII, two frames whose images share a file name, a key that reads like
    another once made safe for a file name, a frame without shapes, a frame label."""
    return [
        record(
            "cam1/0001",
            SIZES["cam1/0001"],
            [
                box(["car"], 0, 0, 50, 40),
                box(["car", "vehicle"], 10.25, 20.5, 60.75, 80.125),
                box(["traffic light"], 150, 60, 200, 100),
            ],
            frame_labels=[frame_label(["day"])],
            context="cam1",
        ),
        record(
            "cam2/0001",
            SIZES["cam2/0001"],
            [box(["Straßenschild"], 5, 5, 155, 115), box(["鳥 bird"], 0, 100, 20, 120)],
            context="cam2",
        ),
        record("cam1_0001", SIZES["cam1_0001"], [box(["car"], 1, 2, 63, 47)]),
        record("empty", SIZES["empty"]),
    ]


STEMS = {
    "cam1/0001": "cam1_0001",
    "cam2/0001": "cam2_0001",
    "cam1_0001": "cam1_0001-2",
    "empty": "empty",
}
