"""A version's label summary stays what a scan of its label rows gives, through every write."""

import pytest

from annotations.services import dataset_delete, frame_save, frames_delete, version_publish
from frames.labels import label_counts_scanned
from frames.models import Frame, Roi, RoiLabel, VersionLabel
from frames.selectors import frame_get, version_labels
from frames.services import frames_annotations_add, frames_bulk_create, version_fork
from tests.datasets.factories import VersionFactory
from tests.frames.factories import RoiFactory, box, frame_data

pytestmark = pytest.mark.django_db


def summary(version) -> dict[str, int]:
    """The kept summary; a label no annotation carries any more may keep a row at 0."""
    rows = VersionLabel.objects.filter(version=version, count__gt=0)
    return dict(rows.values_list("label", "count"))


def test_counts_never_go_below_zero(street, manager):
    save(street, "b", manager, rois=[])
    save(street, "b", manager, rois=[box("bus")])
    save(street, "b", manager, rois=[])
    assert (
        dict(VersionLabel.objects.filter(version=street).values_list("label", "count"))["bus"] == 0
    )


def assert_exact(*versions) -> None:
    for version in versions:
        assert summary(version) == label_counts_scanned(version.pk), version.name


def save(version, key, user, **parts):
    frame = frame_get(version=version, key=key)
    return frame_save(version=version, key=key, revision=frame.revision, user=user, **parts)


@pytest.fixture
def street():
    return VersionFactory(
        frames=[
            frame_data(
                "a", rois=[box("car"), box(["car", "red"])], frame_labels=[{"labels": ["day"]}]
            ),
            frame_data("b", rois=[box("bus")]),
            frame_data("c"),
        ]
    )


def test_an_import_counts_each_label_once_per_annotation(street):
    assert summary(street) == {"car": 2, "red": 1, "day": 1, "bus": 1}
    assert_exact(street)


def test_a_save_moves_counts_and_drops_a_label_no_annotation_carries(street, manager):
    save(street, "b", manager, rois=[box("truck"), box("truck")])
    assert summary(street) == {"car": 2, "red": 1, "day": 1, "truck": 2}
    save(street, "a", manager, frame_labels=[])
    assert "day" not in summary(street)
    assert_exact(street)


def test_a_fork_starts_with_its_parents_summary_and_then_goes_its_own_way(street, manager):
    version_publish(version=street, user=manager)
    child = version_fork(version=street, name="child")
    assert summary(child) == summary(street)
    save(child, "a", manager, rois=[box("tram")])  # copy-on-write: the parent keeps its row
    assert summary(child) == {"tram": 1, "day": 1, "bus": 1}
    assert summary(street) == {"car": 2, "red": 1, "day": 1, "bus": 1}
    grandchild_parent = version_publish(version=child, user=manager)
    grandchild = version_fork(version=grandchild_parent, name="grandchild")
    save(grandchild, "b", manager, rois=[])
    assert_exact(street, child, grandchild)


def test_an_annotation_import_counts_what_it_adds_to_owned_and_shared_frames(street, manager):
    version_publish(version=street, user=manager)
    child = version_fork(version=street, name="child")
    save(child, "b", manager, rois=[box("bus"), box("van")])  # the child owns b now
    frames_annotations_add(
        version=child,
        frames=[
            {"id": "a", "rois": [box("van")]},  # shared: copied first
            {"id": "b", "rois": [box("van", x=40)], "frame_labels": [{"labels": ["night"]}]},
            {"id": "c", "rois": [box("car")]},
        ],
    )
    assert summary(child) == {"car": 3, "red": 1, "day": 1, "bus": 1, "van": 3, "night": 1}
    assert_exact(street, child)


def test_removing_frames_uncounts_their_labels_whoever_wrote_the_rows(street, manager):
    version_publish(version=street, user=manager)
    child = version_fork(version=street, name="child")
    save(child, "b", manager, rois=[box("van")])  # owned by the child; "a" stays shared
    frames_delete(version=child, keys=["a", "b"], user=manager)
    assert summary(child) == {}
    assert summary(street) == {"car": 2, "red": 1, "day": 1, "bus": 1}
    assert_exact(street, child)


def test_deleting_a_dataset_deletes_its_summaries(street, manager):
    dataset_delete(dataset=street.dataset, user=manager)
    assert not VersionLabel.objects.exists()


def test_the_label_list_is_the_summary_by_code_point(street, manager):
    frames_bulk_create(version=street, frames=[frame_data("d", rois=[box("Zebra"), box("ápple")])])
    RoiFactory(frame=Frame.objects.get(memberships__key="c"), labels=["Ant"])
    assert version_labels(version=street) == ["Ant", "Zebra", "bus", "car", "day", "red", "ápple"]
    assert_exact(street)


def test_the_labels_endpoint_reads_the_summary_in_constant_queries(
    street, manager_client, django_assert_max_num_queries
):
    url = f"/api/versions/{street.pk}/labels/"
    with django_assert_max_num_queries(6):
        response = manager_client.get(url)
    assert response.json() == ["bus", "car", "day", "red"]


def test_roi_and_label_rows_name_the_version_that_wrote_their_frame(street, manager):
    """Rules read rows by the version's lineage: a copy's rows must name the copying Draft."""
    version_publish(version=street, user=manager)
    child = version_fork(version=street, name="child")
    save(child, "a", manager, rois=[box("tram")])
    frames_annotations_add(version=child, frames=[{"id": "b", "rois": [box("van")]}])
    for version, key in [(street, "a"), (street, "b"), (child, "a"), (child, "b")]:
        frame = Frame.objects.get(memberships__version=version, memberships__key=key)
        writers = {*Roi.objects.filter(frame=frame).values_list("version_id", flat=True)}
        writers |= {*RoiLabel.objects.filter(frame=frame).values_list("version_id", flat=True)}
        assert writers == {frame.version_id} == {version.pk}, (version.name, key)
