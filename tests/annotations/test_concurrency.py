"""Several annotators calling `next` at once, and a delete racing `next` (threads, PostgreSQL:
SQLite has one writer anyway)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection, transaction

from annotations.models import AnnotationTask, TaskItem
from annotations.services import frame_save, task_delete, task_item_done, task_next
from config.errors import ConflictError
from frames.selectors import frame_get
from frames.services import version_fork
from tests.annotations.factories import AnnotatorFactory, ManagerFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
USERS = 8
FRAMES = 120


def work(task, user) -> list[int]:
    """Claim and finish items until the task runs dry; the positions this user got."""
    taken = []
    try:
        while (item := task_next(task=task, user=user)) is not None:
            taken.append(item.position)
            task_item_done(task=task, position=item.position, user=user)
    finally:
        close_old_connections()
        connection.close()
    return taken


def test_concurrent_next_hands_every_item_to_exactly_one_user():
    manager = ManagerFactory()
    users = AnnotatorFactory.create_batch(USERS)
    version = VersionFactory(frames=[frame_data(f"f{i:04d}") for i in range(FRAMES)])
    task = make_task(version, manager, "race")
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        results = list(pool.map(lambda user: work(task, user), users))
    positions = [position for taken in results for position in taken]
    assert sorted(positions) == list(range(FRAMES))
    task.refresh_from_db()
    assert task.done_count == FRAMES


def _wait_until_blocked_on_a_lock() -> None:
    """Until some other backend of this database waits for a row lock (or 10 s pass)."""
    with connection.cursor() as cursor:
        for _ in range(1000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("No transaction ever waited for the lock.")


def _in_thread(function):
    def run():
        try:
            return function()
        finally:
            connection.close()

    return run


def test_a_delete_waits_for_a_running_next_then_removes_the_item_it_handed_out():
    manager, annotator = ManagerFactory(), AnnotatorFactory()
    task = make_task(VersionFactory(frames=[frame_data("a"), frame_data("b")]), manager)
    claimed, release = threading.Event(), threading.Event()

    def next_held_open():
        with transaction.atomic():
            item = task_next(task=task, user=annotator)
            claimed.set()
            release.wait(10)
        return item

    with ThreadPoolExecutor(max_workers=2) as pool:
        handed = pool.submit(_in_thread(next_held_open))
        assert claimed.wait(10)
        deleted = pool.submit(_in_thread(lambda: task_delete(task=task, user=manager)))
        _wait_until_blocked_on_a_lock()  # the delete waits for the task row
        release.set()
        assert handed.result(10).position == 0
        deleted.result(10)  # without the lock: an IntegrityError for the new item's task_id
    assert not AnnotationTask.objects.filter(pk=task.pk).exists()
    assert not TaskItem.objects.filter(task_id=task.pk).exists()


def test_a_next_during_a_delete_waits_then_finds_the_task_gone():
    manager, annotator = ManagerFactory(), AnnotatorFactory()
    task = make_task(VersionFactory(frames=[frame_data("a")]), manager)
    locked, release = threading.Event(), threading.Event()

    def delete_held_open():
        with transaction.atomic():
            task_delete(task=task, user=manager)
            locked.set()
            release.wait(10)

    with ThreadPoolExecutor(max_workers=2) as pool:
        deleted = pool.submit(_in_thread(delete_held_open))
        assert locked.wait(10)
        handed = pool.submit(_in_thread(lambda: task_next(task=task, user=annotator)))
        _wait_until_blocked_on_a_lock()
        release.set()
        deleted.result(10)
        with pytest.raises(AnnotationTask.DoesNotExist):
            handed.result(10)
    assert not TaskItem.objects.filter(task_id=task.pk).exists()


def _save_in_thread(version, key, user, *, rois, hold: threading.Event | None = None):
    """A save in its own connection; with `hold`, its transaction stays open until set."""
    outcome = {}

    def run():
        try:
            with transaction.atomic():
                frame_save(version=version, key=key, revision=1, user=user, rois=rois)
                if hold is not None:
                    outcome["saved"] = True
                    hold.wait(10)
            outcome["result"] = "saved"
        except ConflictError as error:
            outcome["result"] = error.code
        except Exception as error:  # the test reports what else happened
            outcome["result"] = repr(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _until(condition, seconds: float = 5) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        threading.Event().wait(0.01)


def test_saves_of_one_version_do_not_wait_for_each_other():
    manager = ManagerFactory()
    version = VersionFactory(frames=[frame_data("a"), frame_data("b")])
    release = threading.Event()
    first, held = _save_in_thread(version, "a", manager, rois=[box("car")], hold=release)
    _until(lambda: held.get("saved"))
    second, other = _save_in_thread(version, "b", manager, rois=[box("bus")])
    second.join(5)
    try:
        assert other.get("result") == "saved"  # while the first save's transaction is open
    finally:
        release.set()
        first.join()
    assert held["result"] == "saved"


def test_two_saves_copying_one_shared_frame_keep_the_first_and_refuse_the_second():
    """Copy-on-write under side-by-side saves: the second save waits for the membership the
    first repoints, then sees the copy's revision (409), and never copies the old row again."""
    manager = ManagerFactory()
    parent = VersionFactory(frames=[frame_data("a", rois=[box("car")])], published=True)
    child = version_fork(version=parent, name="child")
    release = threading.Event()
    first, held = _save_in_thread(child, "a", manager, rois=[box("first")], hold=release)
    _until(lambda: held.get("saved"))
    second, other = _save_in_thread(child, "a", manager, rois=[box("second")])
    _wait_until_blocked_on_a_lock()
    release.set()
    first.join()
    second.join()
    assert (held["result"], other["result"]) == ("saved", "stale_revision")
    frame = frame_get(version=child, key="a")
    assert [a["labels"] for a in frame.annotations] == [["first"]]
    assert [a["labels"] for a in frame_get(version=parent, key="a").annotations] == [["car"]]
