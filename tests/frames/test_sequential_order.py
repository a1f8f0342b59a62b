"""The version page and a task list a version's frames in the same sequential order."""

import pytest
from django.db import connection

from frames.selectors import version_frame_page
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def language_collation():
    """On PostgreSQL, text columns sort as a server set up for English would (ICU "en")."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL has no ICU collations")
        for table, column in [
            ("frames_frame", "context_id"),
            ("frames_frame", "key"),
            ("frames_versionframe", "key"),
        ]:
            cursor.execute(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "en-x-icu"'
            )


# Case, accents and punctuation: a database collation (en_US on PostgreSQL) orders these otherwise
# than code points do.
FRAMES = [
    frame_data("k-1", context_id="b"),
    frame_data("k_1", context_id="B"),
    frame_data("k1", context_id="a"),
    frame_data("K1", context_id="a"),
    frame_data("é", context_id="é"),
    frame_data("k 1", context_id="a-b"),
    frame_data("k2", context_id="ab"),
]


def test_the_version_page_and_a_task_order_frames_alike(manager):
    version = VersionFactory(frames=FRAMES)
    page_keys = [frame.key for frame in version_frame_page(version=version).object_list]
    task = make_task(version, manager, "All")
    task_keys = [key for item in task.chunks.get().items for key in item]
    assert page_keys == task_keys


def test_the_version_page_orders_strings_by_code_point():
    version = VersionFactory(frames=FRAMES)
    frames = version_frame_page(version=version).object_list
    rows = [(frame.context_id, frame.timestamp, frame.key) for frame in frames]
    assert rows == sorted(rows)
