"""Big loads are followed by table upkeep: VACUUM (ANALYZE) in a job once they commit. With no
statistics PostgreSQL guesses; with rows not yet marked all-visible a label rule reads the table
behind every index entry (issue 14)."""

import pytest
from django.db import connection, transaction

from config.upkeep import tables_upkeep
from frames.services import frames_bulk_create
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data
from tests.job_runner import empty_queue, run_queued_jobs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="VACUUM is PostgreSQL's"),
]
TABLES = ("frames_frame", "frames_roi", "frames_roilabel")


@pytest.fixture(autouse=True)
def queue():
    empty_queue()


def table_state() -> dict[str, tuple[float, int]]:
    """Per table: the rows its last ANALYZE counted, and the pages VACUUM marked all-visible."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples, relallvisible FROM pg_class WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        return {name: (rows, visible) for name, rows, visible in cursor.fetchall()}


def load(prefix: str, count: int, **annotations) -> None:
    version = VersionFactory(frames=[])
    frames_bulk_create(
        version=version, frames=[frame_data(f"{prefix}{n}", **annotations) for n in range(count)]
    )


def test_a_big_import_is_vacuumed_and_analysed_by_a_job_once_committed():
    load("f", 1_200, rois=[box("car")])
    assert run_queued_jobs() == 1
    state = table_state()
    for name in TABLES:
        rows, visible = state[name]
        assert rows >= 1_200, name  # analysed
        assert visible > 0, name  # vacuumed: index-only scans can skip the table


def test_a_small_import_queues_no_upkeep():
    load("a", 1_200)
    run_queued_jobs()
    before = table_state()
    load("b", 999)
    assert run_queued_jobs() == 0
    assert table_state() == before


def test_a_rolled_back_load_queues_nothing():
    version = VersionFactory(frames=[])
    transaction.set_autocommit(False)
    try:
        frames_bulk_create(version=version, frames=[frame_data(f"r{n}") for n in range(1_200)])
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    load("s", 10)
    assert run_queued_jobs() == 0


def test_loads_too_small_alone_count_together_once_they_are_a_tenth_of_the_table():
    load("a", 1_200)
    run_queued_jobs()
    load("b", 60)
    assert tables_upkeep.call({"frames_frame": 60}) == []  # 60 rows: 5 % of 1,200
    load("c", 120)
    assert tables_upkeep.call({"frames_frame": 120}) == ["frames_frame"]  # 180 since: 15 %


def test_the_loads_of_one_transaction_queue_one_upkeep():
    version = VersionFactory(frames=[])
    with transaction.atomic():
        for batch in range(3):
            frames_bulk_create(
                version=version, frames=[frame_data(f"b{batch}-{n}") for n in range(500)]
            )
    assert run_queued_jobs() == 1
    assert table_state()["frames_frame"][0] >= 1_500
