"""Reads of frames: one frame as the API's JSON, the frames a version sees."""

from django.db.models import Prefetch

from datasets.models import Version

from .models import Frame, Roi, RoiLabel, VersionFrame


def version_frames(version: Version):
    return Frame.objects.filter(memberships__version=version)


def frames_with_annotations(queryset):
    return queryset.prefetch_related(Prefetch("rois", queryset=Roi.objects.order_by("position")))


def frame_get(*, version: Version, key: str) -> Frame:
    return frames_with_annotations(version_frames(version)).get(key=key)


def frames_by_keys(*, version: Version, keys: list[str]) -> list[Frame]:
    """The version's frames under `keys`, in that order, with their annotations."""
    # One filter() call, so version and key hold for the same membership row (its primary key).
    frames = frames_with_annotations(
        Frame.objects.filter(memberships__version=version, memberships__key__in=keys)
    )
    by_key = {frame.key: frame for frame in frames}
    return [by_key[key] for key in keys if key in by_key]


def version_labels(*, version: Version) -> list[str]:
    """Every label an ROI or frame label of the version carries, sorted."""
    frame_ids = VersionFrame.objects.filter(version=version).values("frame_id")
    return list(
        RoiLabel.objects.filter(frame_id__in=frame_ids)
        .order_by("label")
        .values_list("label", flat=True)
        .distinct()
    )


def annotation_as_dict(roi: Roi) -> dict:
    data = {"id": roi.uid}
    if not roi.is_frame_label:
        data |= {"type": roi.type}
    data |= {"labels": roi.labels}
    if not roi.is_frame_label:
        data |= {"points": roi.points}
    return data | {
        "confidence": roi.confidence,
        "meta": roi.meta,
        "color": roi.color,
        "locked": roi.locked,
    }


def frame_as_dict(frame: Frame) -> dict:
    """The frame in the API's shape; uses prefetched ROIs when there are some."""
    rois = sorted(frame.rois.all(), key=lambda roi: roi.position)
    return {
        "id": frame.key,
        "context_id": frame.context_id,
        "timestamp": frame.timestamp,
        "source": {"uri": frame.uri, "width": frame.width, "height": frame.height},
        "meta": frame.meta,
        "revision": frame.revision,
        "rois": [annotation_as_dict(roi) for roi in rois if not roi.is_frame_label],
        "frame_labels": [annotation_as_dict(roi) for roi in rois if roi.is_frame_label],
    }
