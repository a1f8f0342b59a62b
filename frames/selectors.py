"""Reads of frames: one frame as the API's JSON, the frames a version sees."""

from django.db import connection
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
    """The version's frames under `keys`, in that order, with their annotations.

    Plain SQL: `next`, the editor and every frame GET read frames this way, and the ORM's
    prefetch machinery cost more than the two queries.
    """
    if not keys:
        return []
    quote = connection.ops.quote_name
    frame_table, members = quote(Frame._meta.db_table), quote(VersionFrame._meta.db_table)
    among = ", ".join(["%s"] * len(keys))
    frames = list(
        Frame.objects.raw(
            f"SELECT f.* FROM {frame_table} f JOIN {members} m ON m.frame_id = f.id "
            f"WHERE m.version_id = %s AND m.key IN ({among})",
            [version.pk, *keys],
        )
    )
    rois: dict[int, list[Roi]] = {frame.pk: [] for frame in frames}
    if frames:
        among = ", ".join(["%s"] * len(frames))
        for roi in Roi.objects.raw(
            f"SELECT * FROM {quote(Roi._meta.db_table)} WHERE frame_id IN ({among}) "
            "ORDER BY frame_id, position",
            list(rois),
        ):
            rois[roi.frame_id].append(roi)
    by_key = {}
    for frame in frames:
        frame._prefetched_objects_cache = {"rois": rois[frame.pk]}
        by_key[frame.key] = frame
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
