"""Which frame of a version an imported image is: by the key the file gives, a key equal to the
file name's path or stem, or the last part of the frame's image path; ambiguity is skipped.

An image named `<frame>__<source>` (as exports name the sources of a FrameGroup) is that source of
the frame, unless a frame is named so itself."""

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from datasets.models import Version

from .formats import ImportItem
from .formats.archives import LEADING
from .formats.names import SOURCE_SEPARATOR
from .sources import DEFAULT_SOURCE, source_of
from .sql import frame_files, frame_rows_under_keys


def uri_file_name(uri: str) -> str:
    """The last part of a frame image's path: `media:frames/1/ab/0001.jpg` → `0001.jpg`."""
    return uri_path(uri).rstrip("/").rsplit("/", 1)[-1]


def _clean_path(file_name: str) -> str:
    return LEADING.sub("", file_name.replace("\\", "/")) or "image"


def item_path(item: ImportItem) -> PurePosixPath:
    return PurePosixPath(_clean_path(item.file_name))


def _candidate_keys(item: ImportItem) -> list[str]:
    """Keys the item may name, most specific first: the key the file gives (Hyperlabel's export),
    the file name's path without extension (`cam1/0001`), its stem (`0001`), the name itself.

    String operations, not PurePosixPath: this runs for every image of a 100,000-image file."""
    path = _clean_path(item.file_name)
    folder, _, name = path.rpartition("/")
    stem, _, _ = name.rpartition(".")
    if not stem:  # no extension, or a name like ".hidden"
        stem = name
    keys = [getattr(item, "key", None)]
    if folder:
        keys.append(f"{folder}/{stem}")
    keys += [stem, name]
    return list(dict.fromkeys(key for key in keys if key)) or ["image"]


@dataclass
class Target:
    """The frame an item goes to: its key, and the size of the source the item is ("": the
    frame's first source)."""

    key: str
    width: int
    height: int
    source: str = ""


def _source_target(key: str, row: dict, source_id: str) -> Target | None:
    source = source_of(row["sources"], source_id)
    return source and Target(key, source["width"], source["height"], source_id)


class FrameIndex:
    """The version's frames as items find them: by key (the membership's primary key), else by
    the last part of the image URI (every frame's URI read once, only when some item needs it)."""

    def __init__(self, version: Version, items: list[ImportItem]):
        self.version = version
        self.candidates = [_candidate_keys(item) for item in items]
        # Each item's first key, then the others of the items that first one missed: a file of
        # frame keys (the usual case) asks for each key once.
        self.by_key: dict[str, Target] = {}
        self.groups: dict[str, dict] = {}  # FrameGroup rows by key, for `<frame>__<source>`
        self._look_up({keys[0] for keys in self.candidates})
        self._look_up({k for keys in self.candidates if keys[0] not in self.by_key for k in keys})
        missed = {k for keys in self.candidates for k in keys if k not in self.by_key}
        self._look_up({k.rpartition(SOURCE_SEPARATOR)[0] for k in missed if SOURCE_SEPARATOR in k})
        self.by_name: dict[str, list[tuple[str, str, int, int]]] | None = None

    def _look_up(self, keys: set[str]) -> None:
        if keys:
            columns = ("width", "height", "sources")
            for key, row in frame_rows_under_keys(self.version.pk, list(keys), columns).items():
                self.by_key[key] = Target(key, row["width"], row["height"])
                if row["sources"]:
                    self.groups[key] = row

    def _named_source(self, key: str, source: str | None) -> tuple[Target | None, str]:
        """The frame under `key`, or its source the item names (COCO's `source`)."""
        row = self.groups.get(key)
        if not source or (row is None and source == DEFAULT_SOURCE):
            return self.by_key[key], ""
        target = _source_target(key, row, source) if row else None
        if target is None:
            return None, f"Frame “{key}” has no source “{source}”."
        return target, ""

    def _by_source(self, key: str) -> Target | None:
        frame_key, _, source_id = key.rpartition(SOURCE_SEPARATOR)
        row = self.groups.get(frame_key)
        return _source_target(frame_key, row, source_id) if row else None

    def find(self, number: int, item: ImportItem) -> tuple[Target | None, str]:
        """The item's frame, or None and why not ("" when no frame has its name or key)."""
        source = getattr(item, "source", None)
        for key in self.candidates[number]:
            if key in self.by_key:
                return self._named_source(key, source)
        for key in self.candidates[number]:
            if SOURCE_SEPARATOR in key and (target := self._by_source(key)):
                return target, ""
        if self.by_name is None:
            self.by_name = {}
            for row in frame_files(self.version.pk):
                name = uri_file_name(row[1])
                self.by_name.setdefault(name, []).append(row)
                stem = PurePosixPath(name).stem
                if stem != name:  # a YOLO label file without its image names only the stem
                    self.by_name.setdefault(stem, []).append(row)
        path = item_path(item)
        # The name, else the stem: an image converted to another format keeps its stem.
        found = self.by_name.get(path.name) or self.by_name.get(path.stem, [])
        if len(found) > 1 and len(path.parts) > 1:  # a folder in the file name narrows it
            suffix = "/" + str(path)
            found = [row for row in found if uri_path(row[1]).endswith(suffix)] or found
        if len(found) == 1:
            key, _, width, height = found[0]
            return Target(key, width, height), ""
        if found:
            keys = ", ".join(f"“{row[0]}”" for row in found[:5])
            return None, (
                f"{len(found)} frames have an image named “{path.name}” ({keys}); give the "
                "frame's key as the file name (its stem) to say which."
            )
        return None, ""


def uri_path(uri: str) -> str:
    """A frame image's path from the root: `media:frames/1/a.jpg` → `/frames/1/a.jpg`."""
    if uri.startswith(("http://", "https://")):
        return unquote(urlsplit(uri).path)
    return "/" + uri.split(":", 1)[-1].lstrip("/")


@dataclass
class Plan:
    """What happens to each item: matched to a frame, a new frame, or skipped."""

    matched: dict[int, Target] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def plan_matches(version: Version, items: list[ImportItem]) -> Plan:
    index = FrameIndex(version, items)
    plan = Plan()
    claimed: dict[tuple[str, str], str] = {}
    for number, item in enumerate(items):
        target, why = index.find(number, item)
        if target is None:
            if why:
                plan.skipped.append(skipped(item, why))
            elif item.image is not None:
                plan.new.append(number)
            else:
                plan.skipped.append(skipped(item, _no_frame(item)))
        elif (target.key, target.source) in claimed:
            plan.skipped.append(skipped(item, _claimed(target, claimed[target.key, target.source])))
        elif _size_differs(item, target):
            plan.skipped.append(
                skipped(
                    item,
                    f"The file says the image is {item.width} × {item.height}; frame "
                    f"“{target.key}” is {target.width} × {target.height}.",
                )
            )
        else:
            claimed[target.key, target.source] = item.file_name
            plan.matched[number] = target
    return plan


def _claimed(target: Target, by: str) -> str:
    if target.source:
        return (
            f"Source “{target.source}” of frame “{target.key}” was matched by “{by}” earlier in "
            "the file; each source of a frame takes one image's annotations."
        )
    return (
        f"Frame “{target.key}” was matched by “{by}” earlier in the file; each frame takes one "
        "image's annotations."
    )


def skipped(item: ImportItem, reason: str) -> dict:
    return {"file": item.file_name, "index": None, "reason": reason}


def _no_frame(item: ImportItem) -> str:
    count = len(item.rois) + len(item.frame_labels)
    if count == 0:
        lost = "it has no annotations"
    else:
        lost = "its annotation was" if count == 1 else f"its {count} annotations were"
        lost += " not imported"
    return (
        "No frame of the version has this file name or key, and the file holds no image to "
        f"create one from; {lost}."
    )


def _size_differs(item: ImportItem, target: Target) -> bool:
    if item.normalized or item.width is None or item.height is None:
        return False
    return (item.width, item.height) != (target.width, target.height)
