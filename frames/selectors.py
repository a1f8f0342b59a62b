"""Reads of frames: one frame as the API's JSON, the frames a version sees, a page of them."""

from collections.abc import Mapping

from django.core.paginator import Page, Paginator
from django.db.models import Max
from django.utils.functional import cached_property

from config.sql import chunked
from datasets.models import Version

from .models import ROTATABLE_TYPES, Frame, Roi, VersionFrame, VersionLabel
from .sources import frame_sources
from .sql import ANNOTATION_COLUMNS, annotations_of_frames, frames_under_keys

FRAMES_PER_PAGE = 60


def with_annotations(frames: list[Frame]) -> list[Frame]:
    """The frames, each with `annotations`: its annotations as plain dicts in drawing order
    (`annotations_of_frames`, one statement), which `frame_as_dict` shows."""
    found = annotations_of_frames([frame.pk for frame in frames]) if frames else {}
    for frame in frames:
        frame.annotations = found.get(frame.pk, [])
    return frames


def frame_get(*, version: Version, key: str) -> Frame:
    frames = frames_by_keys(version=version, keys=[key])
    if not frames:
        raise Frame.DoesNotExist(f"Version “{version.name}” has no frame “{key}”.")
    return frames[0]


def keys_taken(*, version: Version, keys: list[str]) -> set[str]:
    """Which of `keys` the version has already."""
    taken: set[str] = set()
    for chunk in chunked(keys):
        taken.update(
            VersionFrame.objects.of(version).under_keys(chunk).values_list("key", flat=True)
        )
    return taken


def next_timestamps(*, version: Version, contexts: set[str]) -> dict[str, int]:
    """For each context with frames in the version, one past its last timestamp (imports count on
    from there)."""
    rows = (
        Frame.objects.in_version(version)
        .filter(context_id__in=contexts)
        .values("context_id")
        .annotate(last=Max("timestamp"))
    )
    return {row["context_id"]: row["last"] + 1 for row in rows}


def frames_by_keys(*, version: Version, keys: list[str]) -> list[Frame]:
    """The version's frames under `keys`, in that order, with their annotations (two queries)."""
    if not keys:
        return []
    by_key = {frame.key: frame for frame in with_annotations(frames_under_keys(version.pk, keys))}
    return [by_key[key] for key in keys if key in by_key]


def version_labels(*, version: Version) -> list[str]:
    """Every label an ROI or frame label of the version carries, by code point: the version's
    label summary, a few rows however many frames it has."""
    labels = VersionLabel.objects.filter(version=version, count__gt=0)
    return sorted(labels.values_list("label", flat=True))


API_FIELDS = ANNOTATION_COLUMNS


def shape_extras(values: Mapping) -> dict:
    """What a shape has beyond its points, in the API's shape: a box's or an ellipse's
    `rotation`, a mask's `mask`, and the `source` it is drawn on."""
    kind = values["type"]
    extras = {"rotation": values["rotation"]} if kind in ROTATABLE_TYPES else {}
    if kind == Roi.Type.MASK:
        extras["mask"] = values["mask"]
    extras["source"] = values["source"]
    return extras


def annotation_values_as_dict(values: Mapping) -> dict:
    """An annotation's values (a ROI's fields, or a cleaned annotation) in the API's shape."""
    if values["type"] == Roi.Type.FRAME:
        data = {"id": values["uid"], "labels": values["labels"]}
    else:
        data = {
            "id": values["uid"],
            "type": values["type"],
            "labels": values["labels"],
            "points": values["points"],
            **shape_extras(values),
        }
    return data | {
        "confidence": values["confidence"],
        "meta": values["meta"],
        "color": values["color"],
        "locked": values["locked"],
    }


def updated_by_name(frame: Frame) -> str | None:
    """The last saver's username: from the loaded user, the reading statement, or one query."""
    if frame.updated_by_id is None:
        return None
    if Frame.updated_by.is_cached(frame):
        return frame.updated_by.username if frame.updated_by else None
    if "updated_by_name" in frame.__dict__:
        return frame.updated_by_name
    user = Frame.updated_by.get_queryset().filter(pk=frame.updated_by_id).first()
    return user.username if user else None


def frame_as_dict(frame: Frame) -> dict:
    """The frame in the API's shape: its `annotations` when a read or a write gave them
    (`with_annotations`), else its ROIs (prefetched, or one query)."""
    annotations = frame.__dict__.get("annotations")
    if annotations is None:
        rois = sorted(frame.rois.all(), key=lambda roi: roi.position)
        annotations = [{field: getattr(roi, field) for field in API_FIELDS} for roi in rois]
    frame_type = Roi.Type.FRAME
    return {
        "id": frame.key,
        "context_id": frame.context_id,
        "timestamp": frame.timestamp,
        "source": {"uri": frame.uri, "width": frame.width, "height": frame.height},
        "sources": frame_sources(frame),
        "meta": frame.meta,
        "revision": frame.revision,
        "rois": [annotation_values_as_dict(a) for a in annotations if a["type"] != frame_type],
        "frame_labels": [
            annotation_values_as_dict(a) for a in annotations if a["type"] == frame_type
        ],
        "updated_by": updated_by_name(frame),
        "updated_at": frame.updated_at,
    }


class KnownCountPaginator(Paginator):
    """A paginator told its row count, so a page of a huge version needs no COUNT query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def version_frame_page(*, version: Version, context_id: str = "", page: int | str = 1) -> Page:
    """One page of the version's frames in sequence order, optionally of one context_id."""
    frames = Frame.objects.in_version(version).sequential()
    if context_id:
        paginator = Paginator(frames.filter(context_id=context_id), FRAMES_PER_PAGE)
    else:
        paginator = KnownCountPaginator(frames, FRAMES_PER_PAGE, count=version.frame_count)
    return paginator.get_page(page)
