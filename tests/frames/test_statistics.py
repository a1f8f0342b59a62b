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


def test_a_small_import_leaves_the_statistics_as_they_are():
    version = VersionFactory(frames=[])
    frames_bulk_create(version=version, frames=[frame_data(f"a{n}") for n in range(1_200)])
    before = analyze_counts()
    frames_bulk_create(version=version, frames=[frame_data(f"b{n}") for n in range(10)])
    assert analyze_counts() == before


def test_loads_too_small_alone_analyse_once_together_they_are_a_tenth_of_the_table():
    version = VersionFactory(frames=[])
    frames_bulk_create(version=version, frames=[frame_data(f"a{n}") for n in range(1_200)])
    first = analyze_counts()["frames_frame"]
    frames_bulk_create(version=version, frames=[frame_data(f"b{n}") for n in range(60)])
    assert analyze_counts()["frames_frame"] == first  # 60 rows: 5 % of 1,200
    frames_bulk_create(version=version, frames=[frame_data(f"c{n}") for n in range(120)])
    assert analyze_counts()["frames_frame"] == first + 1  # 180 since the last: 15 %
