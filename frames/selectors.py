"""Reads of frames: one frame as the API's JSON, the frames a version sees."""

from django.db import connection
from django.db.models import Prefetch

from datasets.models import Version

from .models import Frame, Roi, RoiLabel, VersionFrame


def frames_with_annotations(queryset):
    return queryset.prefetch_related(Prefetch("rois", queryset=Roi.objects.order_by("position")))


def frame_get(*, version: Version, key: str) -> Frame:
    frames = frames_by_keys(version=version, keys=[key])
    if not frames:
        raise Frame.DoesNotExist(f"Version “{version.name}” has no frame “{key}”.")
    return frames[0]


def frames_under_keys(version: Version, keys: list[str], *, lock: bool = False) -> list[Frame]:
    """The frame rows the version shows under `keys` (any order), in plain SQL: this read runs for
    every `next`, frame GET and save. `lock` takes their row locks where the database has them."""
    quote = connection.ops.quote_name
    frames, members = quote(Frame._meta.db_table), quote(VersionFrame._meta.db_table)
    among = ", ".join(["%s"] * len(keys))
    locked = " FOR UPDATE OF f" if lock and connection.features.has_select_for_update_of else ""
    return list(
        Frame.objects.raw(
            f"SELECT f.* FROM {frames} f JOIN {members} m ON m.frame_id = f.id "
            f"WHERE m.version_id = %s AND m.key IN ({among}){locked}",
            [version.pk, *keys],
        )
    )


def frames_by_keys(*, version: Version, keys: list[str]) -> list[Frame]:
    """The version's frames under `keys`, in that order, with their annotations (two queries)."""
    if not keys:
        return []
    frames = frames_under_keys(version, keys)
    rois: dict[int, list[Roi]] = {frame.pk: [] for frame in frames}
    if frames:
        among = ", ".join(["%s"] * len(frames))
        for roi in Roi.objects.raw(
            f"SELECT * FROM {connection.ops.quote_name(Roi._meta.db_table)} "
            f"WHERE frame_id IN ({among}) ORDER BY frame_id, position",
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
