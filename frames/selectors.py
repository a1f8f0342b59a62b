"""Reads of frames: one frame as the API's JSON, the frames a version sees."""

from django.db.models import Prefetch

from datasets.models import Version

from .models import Frame, Roi


def version_frames(version: Version):
    return Frame.objects.filter(memberships__version=version)


def frames_with_annotations(queryset):
    return queryset.prefetch_related(Prefetch("rois", queryset=Roi.objects.order_by("position")))


def frame_get(*, version: Version, key: str) -> Frame:
    return frames_with_annotations(version_frames(version)).get(key=key)


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
