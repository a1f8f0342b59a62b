"""File names inside an export: one per frame's source, from its key, unique in the archive.

A frame of one source is `<key made safe>`; a frame of several sources (a FrameGroup) is one
image per source, `<key made safe>__<source id made safe>`, the names uploads group back into one
frame (`frames.uploads`)."""

import posixpath
import re

from frames.media import IMAGE_EXTENSIONS

UNSAFE = re.compile(r"[^\w.\-]+")
MAX_STEM = 150
MAX_SOURCE_STEM = 64
SOURCE_SEPARATOR = "__"
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
        return self._unique(safe_stem(key))

    def source_stems(self, key: str, source_ids: list[str]) -> list[str]:
        """The stems of a frame's images, one per source: the frame's stem when it has one
        source, else `<stem>__<source>` each (`-2`… on the source's part, should one be taken)."""
        stem = self.stem(key)
        if len(source_ids) == 1:
            return [stem]
        return [
            self._unique(
                f"{stem}{SOURCE_SEPARATOR}{safe_stem(source, limit=MAX_SOURCE_STEM, default='source')}"
            )
            for source in source_ids
        ]

    def _unique(self, base: str) -> str:
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
