"""Who may save which frame (`frame_save`), locked ROIs, the audit trail, and skip / release /
assign of task items."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annotations.models import FrameRevision, TaskItem, TaskItemSkip
from annotations.selectors import frame_history, held_items, worker_counts
from annotations.services import (
    NotYourItem,
    frame_restore,
    frame_save,
    task_complete,
    task_item_assign,
    task_item_done,
    task_item_release,
    task_item_skip,
    task_next,
)
from config.errors import ConflictError, ValidationError
from frames.models import Frame
from frames.selectors import frame_as_dict, frame_get
from frames.services import version_fork
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


@pytest.fixture
def task(manager):
    version = VersionFactory(frames=[frame_data(f"f{i}", rois=[box("car")]) for i in range(4)])
    return make_task(version, manager, "Street")


def state(task, key="f0") -> dict:
    return frame_as_dict(frame_get(version=task.version, key=key))


def save(task, user, key="f0", label="bus", **changes):
    revision = state(task, key)["revision"]
    changes.setdefault("rois", [box(label)])
    return frame_save(version=task.version, key=key, revision=revision, user=user, **changes)


# Who may write what


def test_an_annotator_saves_a_frame_of_the_item_they_hold(task, annotator):
    task_next(task=task, user=annotator)
    frame = save(task, annotator)
    assert frame.revision == 2
    assert state(task)["rois"][0]["labels"] == ["bus"]
    assert state(task)["updated_by"] == annotator.username


@pytest.mark.parametrize("key", ["f1", "f3"])
def test_an_annotator_may_not_save_a_frame_outside_their_item(task, annotator, key):
    task_next(task=task, user=annotator)  # holds f0
    before = state(task, key)
    with pytest.raises(NotYourItem) as refused:
        save(task, annotator, key=key)
    assert refused.value.code == "not_your_item"
    assert state(task, key) == before
    assert not FrameRevision.objects.exists()


def test_an_annotator_without_a_task_item_may_not_save(task, annotator):
    before = state(task)
    with pytest.raises(NotYourItem):
        save(task, annotator)
    assert state(task) == before


def test_an_annotator_may_not_save_a_frame_someone_else_holds(task, annotator):
    other = AnnotatorFactory()
    task_next(task=task, user=other)
    with pytest.raises(NotYourItem):
        save(task, annotator)


def test_an_expired_lease_no_longer_lets_the_annotator_save(task, annotator, settings):
    task_next(task=task, user=annotator)
    old = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS + 5)
    TaskItem.objects.update(claimed_at=old)
    before = state(task)
    with pytest.raises(NotYourItem):
        save(task, annotator)
    assert state(task) == before


def test_an_annotator_may_still_save_a_frame_they_marked_done(task, annotator):
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    assert save(task, annotator).revision == 2


def test_a_completed_tasks_frames_are_read_only_for_annotators(task, annotator, manager):
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_complete(task=task, user=manager)
    before = state(task)
    with pytest.raises(NotYourItem):
        save(task, annotator)
    assert state(task) == before


def test_a_manager_saves_any_frame_of_a_draft_without_a_task(task, manager):
    assert save(task, manager, key="f3").revision == 2


def test_a_user_without_change_frame_may_not_save(task):
    from django.contrib.auth.models import User

    with pytest.raises(PermissionDenied):
        save(task, User.objects.create_user("viewer"))


def test_a_save_renews_the_lease_of_the_item(task, annotator, settings):
    task_next(task=task, user=annotator)
    earlier = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS - 60)
    TaskItem.objects.update(claimed_at=earlier)
    save(task, annotator)
    assert TaskItem.objects.get().claimed_at > timezone.now() - timedelta(seconds=5)


def save_queries(task, user, key) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    revision = state(task, key)["revision"]
    with CaptureQueriesContext(connection) as captured:
        frame_save(version=task.version, key=key, revision=revision, user=user, rois=[box("x")])
    return [query["sql"] for query in captured.captured_queries]


def test_the_permission_check_and_lease_renewal_are_one_statement_however_much_was_done(
    manager, annotator
):
    version = VersionFactory(frames=[frame_data(f"f{i}") for i in range(30)])
    task = make_task(version, manager, "Many")
    item = task_next(task=task, user=annotator)
    key = item.frames[0]
    save(task, annotator, key=key)  # the first save also records revision 1
    few = save_queries(task, annotator, key)
    for _ in range(20):
        done = task_next(task=task, user=annotator)
        task_item_done(task=task, position=done.position, user=annotator)
    item = task_next(task=task, user=annotator)
    save(task, annotator, key=item.frames[0])
    many = save_queries(task, annotator, item.frames[0])
    assert len(many) == len(few) <= 16  # with the label summary and the membership lock
    assert len([sql for sql in many if "claimed_at = CASE" in sql]) == 1


# Locked ROIs


@pytest.fixture
def locked(manager):
    roi = box("car", id="locked-1", locked=True)
    version = VersionFactory(frames=[frame_data("a", rois=[roi, box("bus", id="free")])])
    return version, roi


def locked_save(version, user, rois):
    return frame_save(version=version, key="a", revision=1, user=user, rois=rois)


def test_changing_a_locked_roi_is_refused_naming_it(locked, manager):
    version, roi = locked
    before = frame_as_dict(frame_get(version=version, key="a"))
    with pytest.raises(ConflictError) as refused:
        locked_save(version, manager, [{**roi, "points": [[0, 0], [5, 5]]}, box("bus", id="free")])
    assert refused.value.code == "roi_locked"
    assert "locked-1" in refused.value.messages[0]
    assert frame_as_dict(frame_get(version=version, key="a")) == before


def test_removing_a_locked_roi_is_refused(locked, manager):
    version, _ = locked
    with pytest.raises(ConflictError) as refused:
        locked_save(version, manager, [box("bus", id="free")])
    assert refused.value.code == "roi_locked"


def test_unlocking_a_locked_roi_is_allowed_and_then_it_may_change(locked, manager):
    version, roi = locked
    locked_save(version, manager, [{**roi, "locked": False}, box("bus", id="free")])
    moved = {**roi, "locked": False, "points": [[0, 0], [5, 5]]}
    frame = frame_save(version=version, key="a", revision=2, user=manager, rois=[moved])
    assert frame.revision == 3


def test_unlocking_and_changing_in_one_save_is_refused(locked, manager):
    version, roi = locked
    with pytest.raises(ConflictError) as refused:
        locked_save(version, manager, [{**roi, "locked": False, "labels": ["truck"]}])
    assert refused.value.code == "roi_locked"


def test_other_rois_change_freely_beside_a_locked_one(locked, manager):
    version, roi = locked
    assert locked_save(version, manager, [roi, box("truck", id="free")]).revision == 2


# The audit trail


def test_every_save_is_recorded_with_who_when_and_what_changed(task, manager, annotator):
    task_next(task=task, user=annotator)
    first = state(task)["rois"][0]
    save(task, annotator, rois=[first, box("bus", id="new")], meta={"m": 1})
    save(task, annotator, rois=[{**first, "labels": ["truck"]}], frame_labels=[{"labels": ["day"]}])
    history = frame_history(version=task.version, key="f0")
    assert [(r.revision, r.user) for r in history] == [(1, None), (2, annotator), (3, annotator)]
    assert history[0].change == {"imported": True}
    assert history[1].change == {
        "rois": {"added": ["new"], "changed": [], "removed": []},
        "meta": True,
    }
    assert history[2].change["rois"] == {"added": [], "changed": [first["id"]], "removed": ["new"]}
    assert history[2].change["frame_labels"]["added"] != []
    assert history[2].task_id == task.pk


def test_a_refused_save_records_nothing(task, manager):
    task_next(task=task, user=manager)
    with pytest.raises(ConflictError):
        frame_save(version=task.version, key="f0", revision=7, user=manager, rois=[])
    assert not FrameRevision.objects.exists()


def test_a_fork_shows_its_parents_history_and_its_own(manager):
    parent = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    frame_save(version=parent, key="a", revision=1, user=manager, rois=[box("bus")])
    from annotations.services import version_publish

    version_publish(version=parent, user=manager)
    child = version_fork(version=parent, name="child")
    frame_save(version=child, key="a", revision=2, user=manager, rois=[box("truck")])
    assert [r.revision for r in frame_history(version=child, key="a")] == [1, 2, 3]
    assert [r.revision for r in frame_history(version=parent, key="a")] == [1, 2]


def test_a_manager_restores_an_earlier_revision_as_a_new_save(task, manager):
    original = state(task)
    save(task, manager, label="bus", meta={"m": 1})
    save(task, manager, label="truck")
    frame = frame_restore(version=task.version, key="f0", revision=3, to_revision=1, user=manager)
    restored = state(task)
    assert frame.revision == 4
    assert restored["rois"] == original["rois"]
    assert restored["meta"] == original["meta"]
    last = frame_history(version=task.version, key="f0")[-1]
    assert (last.revision, last.user, last.change["restored"]) == (4, manager, 1)


def test_a_restore_takes_each_part_from_the_last_save_that_wrote_it(task, manager):
    save(task, manager, label="bus")
    frame_save(version=task.version, key="f0", revision=2, user=manager, meta={"m": 2})
    frame_restore(version=task.version, key="f0", revision=3, to_revision=3, user=manager)
    now = state(task)
    assert (now["rois"][0]["labels"], now["meta"]) == (["bus"], {"m": 2})


def test_annotators_may_not_restore(task, annotator, manager):
    save(task, manager)
    with pytest.raises(PermissionDenied):
        frame_restore(version=task.version, key="f0", revision=2, to_revision=1, user=annotator)
    assert state(task)["revision"] == 2


def test_a_stale_restore_is_refused_and_changes_nothing(task, manager):
    save(task, manager)
    before = state(task)
    with pytest.raises(ConflictError) as refused:
        frame_restore(version=task.version, key="f0", revision=1, to_revision=1, user=manager)
    assert refused.value.code == "stale_revision"
    assert state(task) == before


def test_restoring_a_revision_never_recorded_is_not_found(task, manager):
    with pytest.raises(FrameRevision.DoesNotExist):
        frame_restore(version=task.version, key="f0", revision=1, to_revision=1, user=manager)


def test_a_restore_may_change_a_roi_that_is_locked_now(locked, manager):
    version, roi = locked
    moved = {**roi, "locked": False, "points": [[0, 0], [5, 5]]}
    locked_save(version, manager, [{**roi, "locked": False}])
    frame_save(version=version, key="a", revision=2, user=manager, rois=[moved])
    frame_save(version=version, key="a", revision=3, user=manager, rois=[{**moved, "locked": True}])
    frame_restore(version=version, key="a", revision=4, to_revision=1, user=manager)
    rois = frame_as_dict(frame_get(version=version, key="a"))["rois"]
    assert [(r["id"], r["points"], r["locked"]) for r in rois] == [
        ("locked-1", [[10, 10], [30, 30]], True),
        ("free", [[10, 10], [30, 30]], False),
    ]


def test_deleting_a_frame_forgets_its_history(task, manager):
    from annotations.services import frames_delete

    save(task, manager)
    frames_delete(version=task.version, keys=["f0"], user=manager, force=True)
    assert not FrameRevision.objects.exists()


# Skip, release, assign


def test_a_skipped_item_goes_to_someone_else_and_never_back_to_the_skipper(task, annotator):
    other = AnnotatorFactory()
    item = task_next(task=task, user=annotator)
    task_item_skip(task=task, position=item.position, user=annotator)
    assert task_next(task=task, user=annotator).position == 1
    assert task_next(task=task, user=other).position == 0


def test_the_skipper_loses_the_right_to_save_the_skipped_item(task, annotator):
    item = task_next(task=task, user=annotator)
    task_item_skip(task=task, position=item.position, user=annotator)
    with pytest.raises(NotYourItem):
        save(task, annotator)


def test_only_the_holder_may_skip_an_item(task, annotator):
    item = task_next(task=task, user=AnnotatorFactory())
    with pytest.raises(NotYourItem):
        task_item_skip(task=task, position=item.position, user=annotator)
    assert TaskItem.objects.get().status == TaskItem.Status.CLAIMED
    assert not TaskItemSkip.objects.exists()


def test_an_item_not_handed_out_cannot_be_skipped(task, annotator):
    with pytest.raises(ConflictError) as refused:
        task_item_skip(task=task, position=2, user=annotator)
    assert refused.value.code == "item_not_claimed"


def test_a_manager_releases_a_held_item_to_the_queue(task, manager, annotator):
    item = task_next(task=task, user=annotator)
    task_item_release(task=task, position=item.position, user=manager)
    assert TaskItem.objects.get().status == TaskItem.Status.TODO
    assert held_items(task) == []
    with pytest.raises(NotYourItem):
        save(task, annotator)
    assert task_next(task=task, user=AnnotatorFactory()).position == 0


def test_releasing_an_item_nobody_holds_is_refused(task, manager, annotator):
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    with pytest.raises(ConflictError) as refused:
        task_item_release(task=task, position=item.position, user=manager)
    assert refused.value.code == "item_not_held"


def test_annotators_may_not_release_or_assign(task, annotator):
    item = task_next(task=task, user=AnnotatorFactory())
    with pytest.raises(PermissionDenied):
        task_item_release(task=task, position=item.position, user=annotator)
    with pytest.raises(PermissionDenied):
        task_item_assign(
            task=task, position=item.position, username=annotator.username, user=annotator
        )


def test_a_manager_assigns_an_item_even_to_someone_who_skipped_it(task, manager, annotator):
    item = task_next(task=task, user=annotator)
    task_item_skip(task=task, position=item.position, user=annotator)
    task_item_assign(task=task, position=0, username=annotator.username, user=manager)
    assert held_items(task)[0].claimed_by == annotator
    assert task_next(task=task, user=annotator).position == 0
    assert save(task, annotator).revision == 2


def test_assigning_to_an_unknown_user_or_a_done_item_is_refused(task, manager, annotator):
    item = task_next(task=task, user=annotator)
    with pytest.raises(ValidationError) as unknown:
        task_item_assign(task=task, position=item.position, username="nobody", user=manager)
    assert unknown.value.error_dict["user"][0].code == "unknown_user"
    task_item_done(task=task, position=item.position, user=annotator)
    with pytest.raises(ConflictError) as done:
        task_item_assign(task=task, position=item.position, username="manager", user=manager)
    assert done.value.code == "item_done"


def test_worker_counts_give_items_done_and_saves_per_annotator(task, annotator):
    item = task_next(task=task, user=annotator)
    save(task, annotator)
    save(task, annotator, label="truck")
    task_item_done(task=task, position=item.position, user=annotator)
    assert worker_counts(task) == [{"username": annotator.username, "items_done": 1, "saves": 2}]


def test_saves_record_the_frame_row_they_wrote_not_a_parent(manager):
    parent = VersionFactory(frames=[frame_data("a")], published=True)
    child = version_fork(version=parent, name="child")
    frame_save(version=child, key="a", revision=1, user=manager, meta={"x": 1})
    assert Frame.objects.filter(version=parent).get().meta == {}
    assert Frame.objects.filter(version=child).get().updated_by == manager
