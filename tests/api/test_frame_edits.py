"""A PATCH naming the annotations it changes and removes by id (`rois_changed`, `rois_removed`,
`frame_labels_changed`, `frame_labels_removed`): the same outcome as resending every annotation,
written row by row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.services import version_publish
from frames.labels import label_counts_scanned
from frames.models import Roi, VersionLabel
from frames.services import version_fork
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .test_frame_writes import history_url
from .test_frames import frames_url, snapshot

pytestmark = pytest.mark.django_db

POLYGON = {"type": "polygon", "labels": ["tree"], "points": [[1, 1], [9, 1], [5, 9]]}


@pytest.fixture
def version():
    rois = [box("car", id="c1", x=10), box("car", id="c2", x=20), box("bus", id="b1", x=30)]
    labels = [{"id": "day", "labels": ["day"]}]
    return VersionFactory(frames=[frame_data("a", rois=rois, frame_labels=labels)])


def edit(api, version, revision=1, key="a", **edits):
    return api.patch(frames_url(version, key), {"revision": revision, **edits}, format="json")


def rois(body) -> list[tuple]:
    return [(roi["id"], roi["labels"], roi["points"][0][0]) for roi in body["rois"]]


def test_a_changed_roi_keeps_its_place_and_the_others_stay(manager_api, version):
    response = edit(manager_api, version, rois_changed=[box("truck", id="c2", x=50)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 2
    assert rois(body) == [("c1", ["car"], 10), ("c2", ["truck"], 50), ("b1", ["bus"], 30)]
    assert [label["id"] for label in body["frame_labels"]] == ["day"]
    assert snapshot(version)[0]["rois"] == body["rois"]  # as stored, read back


def test_new_ids_are_added_after_the_others_and_removed_ids_go(manager_api, version):
    response = edit(
        manager_api,
        version,
        rois_changed=[POLYGON | {"id": "t1"}, box("van")],  # no id: one is made
        rois_removed=["c1"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [roi["id"] for roi in body["rois"]][:3] == ["c2", "b1", "t1"]
    assert body["rois"][3]["labels"] == ["van"]
    assert len(body["rois"]) == 4
    again = edit(manager_api, version, revision=2, rois_changed=[box("bike", id="b2")])
    assert [roi["id"] for roi in again.json()["rois"]] == [
        "c2",
        "b1",
        "t1",
        body["rois"][3]["id"],
        "b2",
    ]


def test_frame_labels_are_edited_by_id_too(manager_api, version):
    response = edit(
        manager_api,
        version,
        frame_labels_changed=[{"id": "wet", "labels": ["rain"]}],
        frame_labels_removed=["day"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(label["id"], label["labels"]) for label in body["frame_labels"]] == [("wet", ["rain"])]
    assert len(body["rois"]) == 3


def test_unchanged_annotations_keep_their_rows(manager_api, version):
    """Only the named rows are written: a frame of a thousand shapes saves one edit cheaply."""
    kept = dict(Roi.objects.filter(uid__in=["c1", "b1", "day"]).values_list("uid", "pk"))
    edit(manager_api, version, rois_changed=[box("truck", id="c2")])
    assert dict(Roi.objects.filter(uid__in=["c1", "b1", "day"]).values_list("uid", "pk")) == kept


def test_the_statements_do_not_grow_with_the_frame(manager_api):
    small = VersionFactory(frames=[frame_data("a", rois=[box("car", id="x")])])
    big = VersionFactory(
        frames=[frame_data("a", rois=[box("car", id=f"r{i}", x=i % 50) for i in range(300)])]
    )
    counts = []
    for version, uid in ((small, "x"), (big, "r7")):
        with CaptureQueriesContext(connection) as captured:
            response = edit(manager_api, version, rois_changed=[box("bus", id=uid)])
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_history_records_each_edit_and_restores_replay_them(manager_api, version):
    original = snapshot(version)[0]
    second = edit(manager_api, version, rois_changed=[box("truck", id="c2")], rois_removed=["b1"])
    third = edit(manager_api, version, revision=2, rois_changed=[POLYGON | {"id": "t"}])
    entries = manager_api.get(history_url(version, "a")).json()
    assert entries[1]["change"]["rois"] == {"added": [], "changed": ["c2"], "removed": ["b1"]}
    assert entries[2]["change"]["rois"] == {"added": ["t"], "changed": [], "removed": []}
    for revision, expected in [(1, original), (2, second.json()), (3, third.json())]:
        current = snapshot(version)[0]["revision"]
        restored = manager_api.post(
            history_url(version, "a", revision), {"revision": current}, format="json"
        )
        assert restored.status_code == 200, restored.content
        assert restored.json()["rois"] == expected["rois"], revision
        assert restored.json()["frame_labels"] == expected["frame_labels"]


def test_the_label_summary_follows_edits(manager_api, version):
    edit(manager_api, version, rois_changed=[box("truck", id="c2")], rois_removed=["b1"])
    summary = VersionLabel.objects.filter(version=version, count__gt=0)
    assert dict(summary.values_list("label", "count")) == label_counts_scanned(version.pk)
    assert dict(summary.values_list("label", "count")) == {"car": 1, "truck": 1, "day": 1}


def test_an_edit_on_a_fork_copies_the_frame_and_leaves_the_parent(manager, manager_api, version):
    version_publish(version=version, user=manager)
    child = version_fork(version=version, name="child")
    before = snapshot(version)
    response = edit(manager_api, child, rois_changed=[box("truck", id="c2")], rois_removed=["c1"])
    assert response.status_code == 200, response.content
    assert [roi["id"] for roi in snapshot(child)[0]["rois"]] == ["c2", "b1"]
    assert snapshot(version) == before


@pytest.mark.parametrize(
    ("edits", "field"),
    [
        ({"rois_removed": ["nope"]}, "rois_removed[0]"),
        ({"rois_removed": [7]}, "rois_removed[0]"),
        ({"rois_changed": [POLYGON | {"points": [[1, 1], [2, 2]]}]}, "rois_changed[0].points"),
        ({"rois_changed": [box("car", id="c1")], "rois_removed": ["c1"]}, "rois_changed[0].id"),
        ({"rois_changed": [box("car", id="z"), box("bus", id="z")]}, "rois_changed[1].id"),
        ({"frame_labels_changed": [{"labels": []}]}, "frame_labels_changed[0].labels"),
        ({"rois_changed": {"id": "c1"}}, "rois_changed"),
        ({"rois_changed": [box("bus", id="day")]}, "rois_changed[0].id"),  # a frame label's id
        ({"frame_labels_changed": [{"id": "c1", "labels": ["x"]}]}, "frame_labels_changed[0].id"),
        ({"rois_removed": ["c1"] * 5001}, "rois_removed"),
        ({"rois": [box("bus", id="day")]}, "rois[0].id"),  # a full save checks it too
    ],
)
def test_a_bad_edit_is_400_naming_the_field_and_changes_nothing(manager_api, version, edits, field):
    before = snapshot(version)
    response = edit(manager_api, version, **edits)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert snapshot(version) == before


def test_full_lists_and_edits_of_one_save_are_refused(manager_api, version):
    before = snapshot(version)
    response = edit(manager_api, version, rois=[box("car")], frame_labels_removed=["day"])
    assert response.status_code == 400
    assert "not both" in str(response.json())
    assert snapshot(version) == before


def test_a_locked_roi_may_not_be_edited_or_removed_but_may_be_unlocked(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car", id="r1", locked=True)])])
    changed = edit(manager_api, version, rois_changed=[box("car", id="r1", locked=True, x=90)])
    assert (changed.status_code, changed.json()["code"]) == (409, "roi_locked")
    removed = edit(manager_api, version, rois_removed=["r1"])
    assert (removed.status_code, removed.json()["code"]) == (409, "roi_locked")
    unlocked = edit(manager_api, version, rois_changed=[box("car", id="r1", locked=False)])
    assert unlocked.status_code == 200
    assert unlocked.json()["rois"][0]["locked"] is False


def test_a_stale_revision_is_409_with_the_current_frame(manager_api, version):
    edit(manager_api, version, rois_removed=["b1"])
    response = edit(manager_api, version, revision=1, rois_removed=["c1"])
    assert (response.status_code, response.json()["code"]) == (409, "stale_revision")
    assert len(response.json()["current"]["rois"]) == 2


def test_an_id_removed_twice_is_removed_once(manager_api, version):
    response = edit(manager_api, version, rois_removed=["b1", "b1"])
    assert response.status_code == 200, response.content
    assert [roi["id"] for roi in response.json()["rois"]] == ["c1", "c2"]
    assert snapshot(version)[0]["frame_labels"][0]["id"] == "day"
