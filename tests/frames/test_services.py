import pytest
from django.core.exceptions import ValidationError

from annotations.services import frame_save as public_frame_save
from annotations.services import frames_delete, version_publish
from config.errors import ConflictError
from frames.models import Frame, Roi, RoiLabel, VersionFrame
from frames.selectors import frame_as_dict, frame_get
from frames.services import (
    BulkImportError,
    frames_bulk_create,
    version_fork,
)
from tests.annotations.factories import ManagerFactory
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db


def frame_save(**changes):
    """A save as a Manager: these tests are about what a save writes, not who may save."""
    return public_frame_save(user=ManagerFactory(), **changes)


def published_with_fork(frames):
    parent = VersionFactory(frames=frames, published=True)
    return parent, VersionFactory(parent=parent, name="child")


def test_bulk_import_stores_frames_rois_and_frame_labels():
    version = VersionFactory()
    keys = frames_bulk_create(
        version=version,
        frames=[
            frame_data(
                "a", rois=[box("car"), box(["bus", "red"])], frame_labels=[{"labels": ["day"]}]
            ),
            frame_data("b"),
        ],
    )
    assert keys == ["a", "b"]
    version.refresh_from_db()
    assert version.frame_count == 2
    frame = frame_get(version=version, key="a")
    assert frame.annotation_count == 3
    data = frame_as_dict(frame)
    assert [roi["labels"] for roi in data["rois"]] == [["car"], ["bus", "red"]]
    assert data["frame_labels"][0]["labels"] == ["day"]
    assert RoiLabel.objects.filter(frame=frame).count() == 4


def test_bulk_import_generates_keys_when_none_given():
    version = VersionFactory()
    data = frame_data("x")
    del data["id"]
    (key,) = frames_bulk_create(version=version, frames=[data])
    assert VersionFrame.objects.filter(version=version, key=key).exists()


def test_bulk_import_is_all_or_nothing_with_an_indexed_error():
    version = VersionFactory()
    bad = frame_data("b", rois=[{"type": "polygon", "labels": ["x"], "points": [[1, 1], [2, 2]]}])
    with pytest.raises(BulkImportError) as error:
        frames_bulk_create(version=version, frames=[frame_data("a"), bad])
    assert error.value.errors == [
        {
            "index": 1,
            "field": "rois[0].points",
            "message": "A polygon needs at least 3 points; it has 2.",
        }
    ]
    assert Frame.objects.count() == 0
    version.refresh_from_db()
    assert version.frame_count == 0


def test_bulk_import_refuses_a_key_the_version_has():
    version = VersionFactory(frames=[frame_data("a")])
    with pytest.raises(BulkImportError) as error:
        frames_bulk_create(version=version, frames=[frame_data("new"), frame_data("a")])
    assert error.value.errors[0]["index"] == 1
    assert error.value.errors[0]["field"] == "id"
    assert VersionFrame.objects.filter(version=version).count() == 1


def test_bulk_import_refuses_a_key_given_twice():
    with pytest.raises(BulkImportError) as error:
        frames_bulk_create(version=VersionFactory(), frames=[frame_data("a"), frame_data("a")])
    assert error.value.errors[0]["index"] == 1


@pytest.mark.parametrize(
    ("roi", "field", "fragment"),
    [
        (
            {"type": "box", "labels": ["a"], "points": [[1, 1]]},
            "rois[0].points",
            "exactly 2 points",
        ),
        (
            {"type": "polygon", "labels": ["a"], "points": [[1, 1], [2, 2]]},
            "rois[0].points",
            "at least 3",
        ),
        ({"type": "keypoints", "labels": ["a"], "points": []}, "rois[0].points", "at least 1"),
        (
            {"type": "box", "labels": ["a"], "points": [[1, 1], [700, 5]]},
            "rois[0].points[1]",
            "outside the image",
        ),
        (
            {"type": "box", "labels": ["a"], "points": [[1, 1], [5, 5]], "confidence": 1.5},
            "rois[0].confidence",
            "0 to 1",
        ),
        (
            {"type": "box", "labels": ["a"], "points": [[1, 1], [5, 5]], "meta": [1]},
            "rois[0].meta",
            "JSON object",
        ),
        (
            {"type": "box", "labels": [], "points": [[1, 1], [5, 5]]},
            "rois[0].labels",
            "at least one label",
        ),
        ({"type": "circle", "labels": ["a"], "points": [[1, 1]]}, "rois[0].type", "Type is one of"),
        (
            {"type": "box", "labels": ["a"], "points": [[1, 1], [5, 5]], "color": "red"},
            "rois[0].color",
            "#rrggbb",
        ),
    ],
)
def test_geometry_and_fields_are_validated(roi, field, fragment):
    with pytest.raises(BulkImportError) as error:
        frames_bulk_create(version=VersionFactory(), frames=[frame_data("a", rois=[roi])])
    assert error.value.errors[0]["field"] == field
    assert fragment in error.value.errors[0]["message"]


def test_points_on_the_image_edge_are_inside():
    version = VersionFactory(
        frames=[frame_data("a", width=100, height=50, rois=[box(x=0, y=0, w=100, h=50)])]
    )
    assert frame_as_dict(frame_get(version=version, key="a"))["rois"][0]["points"] == [
        [0, 0],
        [100, 50],
    ]


def test_box_points_are_stored_top_left_then_bottom_right():
    roi = {"type": "box", "labels": ["a"], "points": [[30, 40], [10, 5]]}
    version = VersionFactory(frames=[frame_data("a", rois=[roi])])
    assert frame_as_dict(frame_get(version=version, key="a"))["rois"][0]["points"] == [
        [10, 5],
        [30, 40],
    ]


def test_label_without_colour_gets_its_stable_label_colour():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car"), box("car")])])
    colors = {roi["color"] for roi in frame_as_dict(frame_get(version=version, key="a"))["rois"]}
    assert len(colors) == 1
    assert colors.pop().startswith("#")


def test_saving_a_frame_replaces_annotations_and_bumps_the_revision():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    frame = frame_save(
        version=version, key="a", revision=1, rois=[box("bus"), box("bike")], meta={"k": 1}
    )
    assert frame.revision == 2
    data = frame_as_dict(frame_get(version=version, key="a"))
    assert [roi["labels"] for roi in data["rois"]] == [["bus"], ["bike"]]
    assert data["meta"] == {"k": 1}
    assert RoiLabel.objects.filter(label="car").count() == 0


def test_a_save_replaces_exactly_its_frames_label_index_rows():
    """A save deletes its frame's label rows by the labels its ROIs carried (several labels on
    one ROI, frame labels too), and no other frame's rows with those labels."""
    version = VersionFactory(
        frames=[
            frame_data(
                "a",
                rois=[box(["car", "person"]), box("bus")],
                frame_labels=[{"labels": ["night"]}],
            ),
            frame_data("b", rois=[box("car"), box("person")], frame_labels=[{"labels": ["night"]}]),
        ]
    )
    frame_save(version=version, key="a", revision=1, rois=[box("dog")], frame_labels=[])
    rows = RoiLabel.objects.values_list("frame__memberships__key", "label")
    assert sorted(rows) == [("a", "dog"), ("b", "car"), ("b", "night"), ("b", "person")]
    assert Roi.objects.count() == 4


def test_saving_rois_keeps_frame_labels_and_their_ids():
    version = VersionFactory(
        frames=[frame_data("a", frame_labels=[{"id": "fl1", "labels": ["day"]}])]
    )
    frame_save(version=version, key="a", revision=1, rois=[box("bus")])
    data = frame_as_dict(frame_get(version=version, key="a"))
    assert data["frame_labels"][0]["id"] == "fl1"
    assert frame_get(version=version, key="a").annotation_count == 2


def test_a_stale_revision_is_refused_and_changes_nothing():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    frame_save(version=version, key="a", revision=1, rois=[box("bus")])
    with pytest.raises(ConflictError) as error:
        frame_save(version=version, key="a", revision=1, rois=[])
    assert error.value.code == "stale_revision"
    assert error.value.current["rois"][0]["labels"] == ["bus"]
    assert frame_get(version=version, key="a").revision == 2


def test_invalid_annotations_are_refused_naming_the_field_and_change_nothing():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    bad = {"type": "polygon", "labels": ["x"], "points": [[1, 1], [2, 2]]}
    with pytest.raises(ValidationError) as error:
        frame_save(version=version, key="a", revision=1, rois=[box("ok"), bad])
    assert "rois[1].points" in error.value.message_dict
    frame = frame_get(version=version, key="a")
    assert frame.revision == 1
    assert frame_as_dict(frame)["rois"][0]["labels"] == ["car"]


def test_every_write_to_a_published_version_is_refused(manager):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])], published=True)
    calls = [
        lambda: frame_save(version=version, key="a", revision=1, rois=[]),
        lambda: frames_bulk_create(version=version, frames=[frame_data("b")]),
        lambda: frames_delete(version=version, keys=["a"], user=manager),
    ]
    for call in calls:
        with pytest.raises(ConflictError) as error:
            call()
        assert error.value.code == "version_published"
    assert frame_as_dict(frame_get(version=version, key="a"))["rois"][0]["labels"] == ["car"]
    assert VersionFrame.objects.filter(version=version).count() == 1


def test_fork_sees_the_same_frames_keys_and_annotations_without_copying_rows():
    parent, child = published_with_fork([frame_data("a", rois=[box("car")]), frame_data("b")])
    assert child.parent == parent
    assert child.is_draft
    assert child.frame_count == 2
    assert frame_as_dict(frame_get(version=child, key="a")) == frame_as_dict(
        frame_get(version=parent, key="a")
    )
    assert Frame.objects.count() == 2


def test_editing_a_fork_copies_that_frame_and_leaves_the_parent_untouched():
    parent, child = published_with_fork([frame_data("a", rois=[box("car")], meta={"m": 1})])
    frame_save(version=child, key="a", revision=1, rois=[box("bus")], meta={"m": 2})
    parent_frame = frame_as_dict(frame_get(version=parent, key="a"))
    child_frame = frame_as_dict(frame_get(version=child, key="a"))
    assert parent_frame["rois"][0]["labels"] == ["car"]
    assert parent_frame["meta"] == {"m": 1}
    assert child_frame["rois"][0]["labels"] == ["bus"]
    assert child_frame["meta"] == {"m": 2}
    assert child_frame["revision"] == 2
    assert Frame.objects.count() == 2


def test_a_second_edit_of_a_copied_frame_edits_it_in_place():
    _, child = published_with_fork([frame_data("a")])
    frame_save(version=child, key="a", revision=1, rois=[box("bus")])
    frame_save(version=child, key="a", revision=2, rois=[box("bike")])
    assert Frame.objects.count() == 2


def test_deleting_from_a_fork_hides_the_frame_there_only(manager):
    parent, child = published_with_fork([frame_data("a"), frame_data("b")])
    assert frames_delete(version=child, keys=["a"], user=manager) == 1
    assert list(VersionFrame.objects.filter(version=child).values_list("key", flat=True)) == ["b"]
    assert VersionFrame.objects.filter(version=parent).count() == 2
    assert Frame.objects.count() == 2
    child.refresh_from_db()
    assert child.frame_count == 1


def test_deleting_an_owned_frame_removes_its_rows(manager):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    frames_delete(version=version, keys=["a"], user=manager)
    assert Frame.objects.count() == 0
    assert Roi.objects.count() == 0
    assert RoiLabel.objects.count() == 0


def test_a_draft_cannot_be_forked():
    with pytest.raises(ConflictError) as error:
        version_fork(version=VersionFactory(), name="child")
    assert error.value.code == "version_draft"


def test_fork_names_are_unique_within_the_dataset():
    parent = VersionFactory(name="base", published=True)
    version_fork(version=parent, name="child")
    with pytest.raises(ValidationError) as error:
        version_fork(version=parent, name="child")
    assert error.value.error_dict["name"][0].code == "unique"


def test_a_fork_of_a_fork_reads_through_to_the_root():
    _, child = published_with_fork([frame_data("a", rois=[box("car")])])
    frame_save(version=child, key="a", revision=1, rois=[box("bus")])
    grandchild = version_fork(
        version=version_publish(version=child, user=ManagerFactory()), name="grandchild"
    )
    assert frame_as_dict(frame_get(version=grandchild, key="a"))["rois"][0]["labels"] == ["bus"]


def test_a_save_records_who_saved_the_frame():
    version = VersionFactory(frames=[frame_data("a")])
    assert frame_as_dict(frame_get(version=version, key="a"))["updated_by"] is None
    frame = frame_save(version=version, key="a", revision=1, meta={"k": 1})
    data = frame_as_dict(frame_get(version=version, key="a"))
    assert data["updated_by"] == frame.updated_by.username
    assert data["updated_at"] == frame.updated_at


def test_saving_only_meta_keeps_every_annotation():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")], meta={"k": 0})])
    frame_save(version=version, key="a", revision=1, meta={"k": 1})
    data = frame_as_dict(frame_get(version=version, key="a"))
    assert (data["rois"][0]["labels"], data["meta"]) == (["car"], {"k": 1})
