"""File names inside an export: one per frame, from its key, unique in the archive."""

import re
from pathlib import PurePosixPath

UNSAFE = re.compile(r"[^\w.\-]+")
MAX_STEM = 150


class UniqueNames:
    """Stems for frames: the key made safe for every file system (`cam/0001` → `cam_0001`);
    a stem taken already (two keys that read alike once made safe) gets `-2`, `-3`…"""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def stem(self, key: str) -> str:
        base = UNSAFE.sub("_", key).strip("._")[:MAX_STEM] or "frame"
        stem, n = base, 1
        while stem.lower() in self.taken:  # case-insensitive file systems too
            n += 1
            stem = f"{base}-{n}"
        self.taken.add(stem.lower())
        return stem


def image_extension(uri: str) -> str:
    """The image's extension as stored (`.jpg` when the URI says none)."""
    suffix = PurePosixPath(uri.split("?", 1)[0]).suffix.lower()
    return suffix if suffix in {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"} else ".jpg"
