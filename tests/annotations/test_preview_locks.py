"""On SQLite a preview reads without a transaction, so it never takes or waits for the write lock.

Settings open every SQLite transaction with BEGIN IMMEDIATE (the write lock). A second sqlite3
connection to the test database holds that lock while the preview runs; the control test shows
it really does (a transaction on Django's connection is refused). The test database is SQLite's
shared-cache in-memory database, which a second connection opens by its URI; committed test data
(transactional tests) is what both connections see.
"""

import sqlite3

import pytest
from django.db import OperationalError, connection, transaction

from annotations.services import task_preview

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock"),
]

CARS = [{"mode": "by_label", "rules": [{"labels": ["car"]}]}]


@pytest.fixture
def write_lock_elsewhere(street_version):
    """Another connection to the test database, in a write transaction (after the data exists)."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=name.startswith("file:"), timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


@pytest.fixture
def no_waiting():
    """Django's connection gives up on a lock at once instead of after the 20 s timeout."""
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 0")
    yield
    connection.close()


def test_a_preview_answers_while_another_connection_holds_the_write_lock(
    street_version, write_lock_elsewhere, no_waiting
):
    preview = task_preview(version=street_version, filters=CARS, iteration={})

    assert preview.matched == 3
    assert preview.frames == ["a1", "a2", "a3"]


def test_the_other_connection_really_holds_the_write_lock(write_lock_elsewhere, no_waiting):
    with pytest.raises(OperationalError, match="locked"), transaction.atomic():
        connection.cursor().execute("SELECT 1")
