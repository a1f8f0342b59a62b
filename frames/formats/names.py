"""File names inside an export: one per frame, from its key, unique in the archive."""

import posixpath
import re

from frames.media import IMAGE_EXTENSIONS

UNSAFE = re.compile(r"[^\w.\-]+")
MAX_STEM = 150
# Extensions a frame's image keeps in an export; browsers show no TIFF, which uploads store as PNG.
KEPT_EXTENSIONS = IMAGE_EXTENSIONS - {".tif", ".tiff"}


def safe_stem(text: str, *, limit: int = MAX_STEM, default: str = "frame") -> str:
    """`text` as a name every file system takes (`cam/0001` → `cam_0001`), at most `limit` long."""
    return UNSAFE.sub("_", text).strip("._")[:limit] or default


class UniqueNames:
    """Stems for frames: the key made safe for every file system (`cam/0001` → `cam_0001`);
    a stem taken already (two keys that read alike once made safe) gets `-2`, `-3`…"""

    def __init__(self) -> None:
        # Hashes, not the names: a million-frame export keeps a set of ints. Two names sharing a
        # hash only cost one of them a needless suffix.
        self.taken: set[int] = set()

    def stem(self, key: str) -> str:
        base = safe_stem(key)
        stem, n = base, 1
        while hash(stem.lower()) in self.taken:  # case-insensitive file systems too
            n += 1
            stem = f"{base}-{n}"
        self.taken.add(hash(stem.lower()))
        return stem

    def image_name(self, key: str, uri: str) -> str:
        """The file name of a frame's image: its stem and the image's extension."""
        return self.stem(key) + image_extension(uri)


def image_extension(uri: str) -> str:
    """The image's extension as stored (`.jpg` when the URI says none)."""
    suffix = posixpath.splitext(uri.split("?", 1)[0])[1].lower()
    return suffix if suffix in KEPT_EXTENSIONS else ".jpg"
