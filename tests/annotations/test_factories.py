"""Users in their groups, and tasks made by the task services, with their traits."""

import pytest

from annotations.models import AnnotationTask, TaskChunk
from tests.annotations.factories import (
    AnnotatorFactory,
    ManagerFactory,
    TaskFactory,
    UserFactory,
    make_task,
)
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data


def stream(task: AnnotationTask) -> list[list[str]]:
    return [item for chunk in TaskChunk.objects.filter(task=task) for item in chunk.items]


def test_a_manager_may_create_tasks_and_publish(db):
    manager = ManagerFactory()
    assert manager.has_perm("annotations.add_annotationtask")
    assert manager.has_perm("datasets.publish_version")


def test_an_annotator_may_work_on_tasks_but_not_create_them(db):
    annotator = AnnotatorFactory()
    assert annotator.has_perm("annotations.work_annotationtask")
    assert not annotator.has_perm("annotations.add_annotationtask")


def test_a_user_logs_in_with_pw_and_the_username(client, db):
    UserFactory(username="ann")
    assert client.login(username="ann", password="pw-ann")


def test_a_factory_task_holds_its_versions_frames_in_sequential_chunks(db):
    task = TaskFactory()
    assert stream(task) == [["f0"], ["f1"], ["f2"], ["f3"]]
    assert (task.frame_count, task.item_count) == (4, 4)


def test_a_random_task_shuffles_its_stream_with_seed_one(db):
    task = TaskFactory(random=True)
    assert (task.order, task.seed) == (AnnotationTask.Order.RANDOM, 1)
    assert sorted(stream(task)) == [["f0"], ["f1"], ["f2"], ["f3"]]


def test_a_completed_task_was_completed_by_its_creator(db):
    task = TaskFactory(completed=True)
    assert (task.status, task.completed_by) == (AnnotationTask.Status.COMPLETED, task.created_by)


def test_a_task_on_published_works_on_a_draft_child_of_its_source(db):
    task = TaskFactory(on_published=True)
    assert task.source_version.is_published
    assert (task.version.parent_id, task.version.is_draft) == (task.source_version_id, True)


def test_make_task_takes_the_iteration_as_the_service_does(db):
    version = VersionFactory(frames=[frame_data(f"f{i}", context_id="cam") for i in range(3)])
    task = make_task(version, ManagerFactory(), "Clips", iteration={"clip_length": 2})
    assert (task.name, stream(task)) == ("Clips", [["f0", "f1"], ["f2"]])


def test_a_task_factory_refuses_fields_the_service_sets(db):
    with pytest.raises(TypeError, match="frame_count"):
        TaskFactory(frame_count=3)
    assert AnnotationTask.objects.count() == 0


def test_a_built_task_writes_no_row(db):
    task = TaskFactory.build(completed=True)
    assert task.status == AnnotationTask.Status.COMPLETED
    assert AnnotationTask.objects.count() == 0
