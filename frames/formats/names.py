"""File names inside an export: one per frame, from its key, unique in the archive."""

import posixpath
import re

UNSAFE = re.compile(r"[^\w.\-]+")
MAX_STEM = 150


class UniqueNames:
    """Stems for frames: the key made safe for every file system (`cam/0001` → `cam_0001`);
    a stem taken already (two keys that read alike once made safe) gets `-2`, `-3`…"""

    def __init__(self) -> None:
        # Hashes, not the names: a million-frame export keeps a set of ints. Two names sharing a
        # hash only cost one of them a needless suffix.
        self.taken: set[int] = set()

    def stem(self, key: str) -> str:
        base = UNSAFE.sub("_", key).strip("._")[:MAX_STEM] or "frame"
        stem, n = base, 1
        while hash(stem.lower()) in self.taken:  # case-insensitive file systems too
            n += 1
            stem = f"{base}-{n}"
        self.taken.add(hash(stem.lower()))
        return stem


def image_extension(uri: str) -> str:
    """The image's extension as stored (`.jpg` when the URI says none)."""
    suffix = posixpath.splitext(uri.split("?", 1)[0])[1].lower()
    return suffix if suffix in {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"} else ".jpg"
