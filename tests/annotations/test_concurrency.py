"""Several annotators calling `next` at once (threads, PostgreSQL: SQLite has one writer anyway)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from annotations.services import task_create, task_item_done, task_next
from tests.conftest import make_user
from tests.factories import frame_data, version_with_frames

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
    from django.apps import apps

    from annotations.roles import sync_groups

    sync_groups(apps, None)
    manager = make_user("lead", "Managers")
    users = [make_user(f"annotator{i}", "Annotators") for i in range(USERS)]
    version = version_with_frames([frame_data(f"f{i:04d}") for i in range(FRAMES)])
    task = task_create(name="race", version=version, filters=[], iteration={}, user=manager)
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        results = list(pool.map(lambda user: work(task, user), users))
    positions = [position for taken in results for position in taken]
    assert sorted(positions) == list(range(FRAMES))
    task.refresh_from_db()
    assert task.done_count == FRAMES
