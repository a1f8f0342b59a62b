"""Several annotators calling `next` at once (threads, PostgreSQL: SQLite has one writer anyway)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from annotations.services import task_item_done, task_next
from tests.annotations.factories import AnnotatorFactory, ManagerFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data

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
