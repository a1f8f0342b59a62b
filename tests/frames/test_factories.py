"""Factory-made frames and ROIs are indistinguishable from imported ones."""

import pytest

from annotations.services import version_publish
from frames.models import Frame, Roi, RoiLabel, VersionFrame
from frames.selectors import frame_as_dict
from tests.annotations.factories import ManagerFactory
from tests.datasets.factories import VersionFactory
from tests.frames.factories import FrameFactory, RoiFactory, box, frame_data


def made_frame() -> Frame:
    frame = FrameFactory(key="a", context_id="cam", timestamp=40, meta={"weather": "rain"})
    RoiFactory(frame=frame, uid="r1", labels=["car", "occluded"], confidence=0.5)
    RoiFactory(frame=frame, uid="r2", polygon=True, labels=["bus"])
    RoiFactory(frame=frame, uid="l1", frame_label=True, labels=["night"])
    frame.refresh_from_db()
    return frame


def imported_frame() -> Frame:
    data = frame_data(
        "a",
        context_id="cam",
        timestamp=40,
        meta={"weather": "rain"},
        rois=[
            box(["car", "occluded"], w=20, h=20, confidence=0.5, id="r1"),
            {
                "id": "r2",
                "type": "polygon",
                "labels": ["bus"],
                "points": [[10, 10], [30, 10], [20, 30]],
            },
        ],
        frame_labels=[{"id": "l1", "labels": ["night"]}],
    )
    version = VersionFactory(frames=[data])
    return Frame.objects.get(memberships__version=version)


def label_index(frame: Frame) -> list[tuple]:
    """The frame's label rows; `writer` says each names the version that wrote the frame."""
    rows = RoiLabel.objects.filter(frame=frame).values_list(
        "roi__uid", "version_id", "label", "confidence"
    )
    return sorted(
        (uid, version_id == frame.version_id, label, c) for uid, version_id, label, c in rows
    )


def test_a_factory_frame_with_factory_rois_reads_like_the_same_frame_imported(db):
    made, imported = frame_as_dict(made_frame()), frame_as_dict(imported_frame())
    made.pop("updated_at")  # written moments apart
    imported.pop("updated_at")
    assert made == imported


def test_a_factory_frame_has_the_label_index_rows_of_the_same_frame_imported(db):
    assert label_index(made_frame()) == label_index(imported_frame())


def test_a_factory_frame_counts_its_annotations_like_the_same_frame_imported(db):
    made, imported = made_frame(), imported_frame()
    assert made.annotation_count == imported.annotation_count == 3


def test_a_factory_frame_is_a_member_of_the_version_that_wrote_it_and_counted(db):
    frame = FrameFactory(annotated=True)
    membership = VersionFrame.objects.get(frame=frame)
    assert (membership.version_id, membership.key) == (frame.version_id, frame.key)
    assert frame.version.frame_count == 1


def test_built_frames_and_rois_write_no_row(db):
    roi = RoiFactory.build(labels=["car"])
    assert (roi.pk, roi.frame.pk, roi.frame.version.pk) == (None, None, None)
    assert (Frame.objects.count(), RoiLabel.objects.count()) == (0, 0)


def test_a_roi_on_a_frame_of_a_published_version_is_refused(db):
    frame = FrameFactory(annotated=True)
    version_publish(version=frame.version, user=ManagerFactory())
    with pytest.raises(ValueError, match="never changes"):
        RoiFactory(frame=Frame.objects.get(pk=frame.pk))
    assert (Roi.objects.count(), Frame.objects.get(pk=frame.pk).annotation_count) == (1, 1)
