import random
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annotations.models import AnnotationTask, TaskItem
from annotations.selectors import task_items_page
from annotations.services import (
    dataset_delete,
    frame_save,
    frames_delete,
    task_complete,
    task_delete,
    task_item_done,
    task_next,
    task_preview,
    version_publish,
)
from config.errors import ConflictError
from datasets.models import Dataset, Version
from frames.models import Frame, VersionFrame
from frames.selectors import frame_as_dict, frame_get
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db

CARS = [{"mode": "by_label", "rules": [{"labels": ["car"]}]}]


def test_task_on_a_draft_works_in_place(street_version, manager):
    task = make_task(street_version, manager, filters=CARS)
    assert task.version == task.source_version == street_version
    assert (task.frame_count, task.item_count, task.matched_count) == (3, 3, 3)


def test_task_on_published_version_forks_a_draft_child_named_after_the_task(
    street_version, manager
):
    published = version_publish(version=street_version, user=manager)
    task = make_task(published, manager, name="Cars pass 1")
    assert task.source_version == published
    assert task.version.parent == published
    assert task.version.name == "Cars pass 1"
    assert task.version.is_draft


def test_fork_name_gets_a_suffix_when_taken(street_version, manager):
    published = version_publish(version=street_version, user=manager)
    make_task(published, manager, name="Pass")
    assert make_task(published, manager, name="Pass").version.name == "Pass (2)"


def test_annotating_the_fork_leaves_the_parent_untouched(street_version, manager):
    published = version_publish(version=street_version, user=manager)
    task = make_task(published, manager, filters=CARS)
    frame_save(version=task.version, key="a1", revision=1, rois=[box("truck")], user=manager)
    assert frame_as_dict(frame_get(version=published, key="a1"))["rois"][0]["labels"] == ["car"]


def test_a_failed_creation_leaves_no_task_and_no_version(street_version, manager):
    published = version_publish(version=street_version, user=manager)
    with (
        mock.patch("annotations.services.tasks._write_chunks", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        make_task(published, manager)
    assert AnnotationTask.objects.count() == 0
    assert Version.objects.filter(parent=published).count() == 0


def test_a_task_whose_stream_is_empty_is_refused(street_version, manager):
    with pytest.raises(ValidationError) as error:
        make_task(
            street_version,
            manager,
            filters=[{"mode": "by_label", "rules": [{"labels": ["zebra"]}]}],
        )
    assert error.value.code == "no_frames"
    assert AnnotationTask.objects.count() == 0


def test_the_generated_seed_is_stored(street_version, manager):
    task = make_task(street_version, manager, iteration={"order": "random"})
    assert task.seed is not None
    items = [item["frames"] for item in task_items_page(task=task, start=0, stop=10)]
    expected = [["a1"], ["a2"], ["a3"], ["b1"], ["b2"], ["b3"]]
    random.Random(task.seed).shuffle(expected)
    assert items == expected


def test_the_stream_is_a_snapshot(street_version, manager):
    task = make_task(street_version, manager, filters=CARS)
    frame_save(version=street_version, key="b2", revision=1, rois=[box("car")], user=manager)
    assert task_preview(version=street_version, filters=CARS, iteration={}).matched == 4
    task.refresh_from_db()
    assert task.frame_count == 3


def test_limit_keeps_the_first_frames_of_the_stream(street_version, manager):
    task = make_task(street_version, manager, iteration={"limit": 4, "clip_length": 2})
    items = [item["frames"] for item in task_items_page(task=task, start=0, stop=10)]
    assert items == [["a1", "a2"], ["a3"], ["b1"]]
    assert task.frame_count == 4


def test_annotators_may_not_create_tasks(street_version, annotator):
    with pytest.raises(PermissionDenied):
        make_task(street_version, annotator)


def test_preview_counts_without_creating_anything(street_version):
    preview = task_preview(version=street_version, filters=CARS, iteration={"limit": 2})
    assert (preview.matched, preview.frame_count, preview.frames) == (3, 2, ["a1", "a2"])
    assert AnnotationTask.objects.count() == 0


def test_preview_lists_random_order_by_seed(street_version):
    preview = task_preview(
        version=street_version, filters=[], iteration={"order": "random", "seed": 5}
    )
    expected = ["a1", "a2", "a3", "b1", "b2", "b3"]
    items = [[key] for key in expected]
    random.Random(5).shuffle(items)
    assert preview.frames == [item[0] for item in items]


def test_next_hands_out_items_in_stream_order(street_version, manager, annotator):
    task = make_task(street_version, manager, filters=CARS)
    first = task_next(task=task, user=annotator)
    assert (first.position, first.frames) == (0, ["a1"])
    assert task_next(task=task, user=manager).position == 1


def test_next_returns_the_users_unfinished_item_again(street_version, manager, annotator):
    task = make_task(street_version, manager, filters=CARS)
    assert (
        task_next(task=task, user=annotator).position
        == task_next(task=task, user=annotator).position
    )


def test_done_counts_frames_and_next_moves_on(street_version, manager, annotator):
    task = make_task(street_version, manager, iteration={"clip_length": 3})
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task.refresh_from_db()
    assert task.done_count == 3
    assert task_next(task=task, user=annotator).position == 1


def test_done_twice_counts_once(street_version, manager, annotator):
    task = make_task(street_version, manager)
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task.refresh_from_db()
    assert task.done_count == 1


def test_only_the_claimer_or_a_manager_finishes_an_item(
    street_version, manager, annotator, django_user_model
):
    other = AnnotatorFactory()
    task = make_task(street_version, manager)
    item = task_next(task=task, user=annotator)
    with pytest.raises(PermissionDenied):
        task_item_done(task=task, position=item.position, user=other)
    task_item_done(task=task, position=item.position, user=manager)
    assert TaskItem.objects.get(pk=item.pk).done_by == manager


def test_an_item_not_handed_out_cannot_be_done(street_version, manager):
    task = make_task(street_version, manager)
    with pytest.raises(ConflictError) as error:
        task_item_done(task=task, position=3, user=manager)
    assert error.value.code == "item_not_claimed"


def test_an_exhausted_task_says_so(street_version, manager, annotator):
    task = make_task(street_version, manager, iteration={"limit": 1})
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    assert task_next(task=task, user=annotator) is None


def test_expired_leases_come_back(street_version, manager, annotator, settings):
    task = make_task(street_version, manager, iteration={"limit": 1})
    item = task_next(task=task, user=annotator)
    assert task_next(task=task, user=manager) is None
    TaskItem.objects.filter(pk=item.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS + 1)
    )
    again = task_next(task=task, user=manager)
    assert (again.position, again.claimed_by) == (item.position, manager)


def test_a_completed_task_refuses_next_and_done(street_version, manager, annotator):
    task = make_task(street_version, manager)
    item = task_next(task=task, user=annotator)
    task_complete(task=task, user=manager)
    for call in (
        lambda: task_next(task=task, user=annotator),
        lambda: task_item_done(task=task, position=item.position, user=annotator),
    ):
        with pytest.raises(ConflictError) as error:
            call()
        assert error.value.code == "task_completed"
    assert TaskItem.objects.get(task=task).status == TaskItem.Status.CLAIMED  # rolled back
    task.refresh_from_db()
    assert task.done_count == 0
    assert task.completed_by == manager
    assert task.version.is_draft


def test_completing_and_deleting_need_permission(street_version, manager, annotator):
    task = make_task(street_version, manager)
    with pytest.raises(PermissionDenied):
        task_complete(task=task, user=annotator)
    with pytest.raises(PermissionDenied):
        task_delete(task=task, user=annotator)
    task.refresh_from_db()
    assert task.is_active


def test_deleting_a_task_keeps_its_version_and_annotations(street_version, manager, annotator):
    published = version_publish(version=street_version, user=manager)
    task = make_task(published, manager)
    task_next(task=task, user=annotator)
    frame_save(version=task.version, key="a1", revision=1, rois=[box("truck")], user=manager)
    version = task.version
    task_delete(task=task, user=manager)
    assert not AnnotationTask.objects.exists()
    assert not TaskItem.objects.exists()
    assert frame_as_dict(frame_get(version=version, key="a1"))["rois"][0]["labels"] == ["truck"]


def test_publishing_a_version_in_use_needs_force(street_version, manager):
    make_task(street_version, manager)
    with pytest.raises(ConflictError) as error:
        version_publish(version=street_version, user=manager)
    assert error.value.code == "version_in_use"
    street_version.refresh_from_db()
    assert street_version.is_draft
    assert version_publish(version=street_version, user=manager, force=True).is_published


def test_deleting_frames_of_a_version_in_use_needs_force(street_version, manager):
    make_task(street_version, manager)
    with pytest.raises(ConflictError):
        frames_delete(version=street_version, keys=["a1"], user=manager)
    assert VersionFrame.objects.filter(version=street_version).count() == 6
    frames_delete(version=street_version, keys=["a1"], user=manager, force=True)
    assert VersionFrame.objects.filter(version=street_version).count() == 5


def test_a_completed_task_does_not_block_publishing(street_version, manager):
    task_complete(task=make_task(street_version, manager), user=manager)
    assert version_publish(version=street_version, user=manager).is_published


def test_items_page_merges_the_stream_with_hand_outs(street_version, manager, annotator):
    task = make_task(street_version, manager)
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_next(task=task, user=manager)
    page = task_items_page(task=task, start=0, stop=3)
    assert [(i["status"], i["claimed_by"], i["done_by"]) for i in page] == [
        ("done", "annotator", "annotator"),
        ("claimed", "manager", None),
        ("todo", None, None),
    ]


def test_big_streams_span_several_chunks(manager):
    version = VersionFactory(frames=[frame_data(f"k{i:05d}") for i in range(2500)])
    task = make_task(version, manager)
    assert task.chunks.count() == 3
    assert task_items_page(task=task, start=1998, stop=2002)[2]["frames"] == ["k02000"]


def test_a_stream_longer_than_a_chunk_reads_and_hands_out_in_order(
    street_version, manager, monkeypatch
):
    monkeypatch.setattr("annotations.services.tasks.CHUNK_SIZE", 4)
    monkeypatch.setattr("annotations.services.queue.CHUNK_SIZE", 4)
    monkeypatch.setattr("annotations.selectors.CHUNK_SIZE", 4)
    task = make_task(street_version, manager)
    expected = [["a1"], ["a2"], ["a3"], ["b1"], ["b2"], ["b3"]]
    assert task.chunks.count() == 2
    assert [item["frames"] for item in task_items_page(task=task, start=0, stop=6)] == expected
    handed = []
    for _ in expected:
        item = task_next(task=task, user=manager)
        handed.append(item.frames)
        task_item_done(task=task, position=item.position, user=manager)
    assert handed == expected
    assert task_next(task=task, user=manager) is None


def test_deleting_a_dataset_an_active_task_uses_is_refused_naming_at_most_five_tasks(
    street_version, manager
):
    published = version_publish(version=street_version, user=manager)
    for number in range(6):  # each works on a Draft child forked from the Published root
        make_task(published, manager, name=f"task {number}")
    with pytest.raises(ConflictError) as error:
        dataset_delete(dataset=street_version.dataset, user=manager)
    assert error.value.code == "dataset_in_use"
    assert error.value.messages[0].count("“task ") == 5
    assert Dataset.objects.count() == 1
    assert Version.objects.count() == 7
    assert AnnotationTask.objects.count() == 6
    assert Frame.objects.filter(version=street_version).count() == 6


def test_deleting_a_dataset_with_force_removes_its_versions_frames_and_tasks(
    street_version, manager
):
    make_task(street_version, manager)
    dataset_delete(dataset=street_version.dataset, user=manager, force=True)
    assert not Dataset.objects.exists()
    assert not Version.objects.exists()
    assert not Frame.objects.exists()
    assert not AnnotationTask.objects.exists()


def test_deleting_a_dataset_needs_the_delete_dataset_permission(street_version):
    with pytest.raises(PermissionDenied):
        dataset_delete(dataset=street_version.dataset, user=AnnotatorFactory(), force=True)
    assert Dataset.objects.count() == 1
    assert Frame.objects.count() == 6


def test_a_task_name_with_a_nul_character_is_refused_and_nothing_is_created(
    street_version, manager
):
    with pytest.raises(ValidationError) as error:
        make_task(street_version, manager, name="cars\x00")
    assert error.value.error_dict["name"][0].code == "nul_character"
    assert not AnnotationTask.objects.exists()
