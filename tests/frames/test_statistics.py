"""Big loads leave fresh planner statistics: with none, PostgreSQL guesses, and a save or a page
of frames right after a bulk import read every ROI of the database (issue 14)."""

import pytest
from django.db import connection

from frames.services import frames_bulk_create
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="ANALYZE is PostgreSQL's"),
]


def analyze_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables "
            "WHERE relname IN ('frames_frame', 'frames_roi', 'frames_roilabel')"
        )
        return dict(cursor.fetchall())


def test_a_big_import_analyses_the_tables_it_loaded_once_committed():
    version = VersionFactory(frames=[])
    before = analyze_counts()
    frames_bulk_create(
        version=version, frames=[frame_data(f"f{n}", rois=[box("car")]) for n in range(1_200)]
    )
    after = analyze_counts()
    assert all(after[name] == before.get(name, 0) + 1 for name in after), (before, after)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'frames_roi'")
        assert cursor.fetchone()[0] >= 1_200


def test_a_small_import_leaves_the_statistics_to_autovacuum():
    version = VersionFactory(frames=[])
    before = analyze_counts()
    frames_bulk_create(version=version, frames=[frame_data(f"f{n}") for n in range(10)])
    assert analyze_counts() == before
