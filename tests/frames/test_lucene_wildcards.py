"""Wildcards compile to escaped GLOB (SQLite) or LIKE (PostgreSQL) patterns, never to regular
expressions; at most four a term."""

import pytest
from django.db import connection

from frames.lucene import QueryError, check_query, compile_frame_query, compile_roi_query
from frames.models import Frame, Roi
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db

LABELS = ["50%_off", "50xyoff", "a[1]", "a1", "x?y", "xzy", "Car", "car", "line\nbreak", "é-ü"]


@pytest.fixture(autouse=True)
def labelled():
    VersionFactory(
        frames=[
            frame_data(
                "f1",
                context_id="cam_1%",
                rois=[box(label, id=f"r{index}") for index, label in enumerate(LABELS)],
                meta={"note": "a[b]*c"},
            ),
            frame_data("f2", context_id="cam21", meta={"note": "abc"}),
        ]
    )


def labels(query: str) -> set[str]:
    rows = Roi.objects.filter(compile_roi_query(query)).values_list("labels", flat=True)
    return {label for row in rows for label in row}


def frames_matching(query: str) -> set[str]:
    return set(Frame.objects.filter(compile_frame_query(query)).values_list("key", flat=True))


def test_percent_and_underscore_in_a_wildcard_term_are_literal():
    assert labels(r"50%_*f") == {"50%_off"}
    assert frames_matching(r"context_id:cam_1%*") == {"f1"}
    assert frames_matching(r"context_id:*_1*") == {"f1"}


def test_brackets_and_escaped_wildcards_are_literal():
    assert labels(r"a\[1*") == {"a[1]"}
    assert labels(r"*\[1\]") == {"a[1]"}
    assert labels(r"x\?*") == {"x?y"}
    assert frames_matching(r"meta.note:a\[b\]\**") == {"f1"}


def test_question_mark_is_one_character_and_star_any_run():
    assert labels("x?y") == {"x?y", "xzy"}
    assert labels("?ar") == {"Car", "car"}
    assert labels("line*break") == {"line\nbreak"}
    assert labels("?-?") == {"é-ü"}


def test_wildcards_are_case_sensitive_on_every_database():
    assert labels("c*r") == {"car"}
    assert labels("C?r") == {"Car"}


def test_wildcards_compile_to_a_pattern_not_a_regular_expression():
    sql = str(Roi.objects.filter(compile_roi_query("a*b*c")).query).upper()
    assert "REGEXP" not in sql
    assert "~" not in sql
    assert ("GLOB" if connection.vendor == "sqlite" else "LIKE") in sql


def test_a_term_with_four_wildcards_runs():
    assert labels("*5*0*%*") == {"50%_off"}


def test_a_term_with_five_wildcards_is_refused_naming_its_position():
    with pytest.raises(QueryError) as caught:
        check_query("label:car OR label:*a*b*c*d*", scope="roi")
    assert caught.value.code == "invalid_query"
    assert caught.value.messages == [
        "A term may hold at most 4 wildcards (* or ?); this one has 5 at position 19"
    ]


def test_thirty_wildcards_are_refused_before_any_query_runs():
    with pytest.raises(QueryError) as caught:
        check_query("id:" + "a*" * 30, scope="frame")
    assert caught.value.position == 3


def test_nul_is_refused_naming_its_position():
    with pytest.raises(QueryError) as caught:
        check_query("label:ca\x00r", scope="roi")
    assert caught.value.position == 8
    assert "NUL" in caught.value.messages[0]
