"""A task filter's `source_query`: Lucene over a frame's sources, where a frame is selected when
one of its sources matches, ANDed with the filter's mode, rules and frame query."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from annotations.filters import clean_filters, filters_as_json
from annotations.selectors import task_items_page
from annotations.services import (
    frame_save,
    selected_frames,
    task_create,
    task_preview,
    version_publish,
)
from frames.services import version_fork
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data, group_data, source_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def cars(db):
    """Frames of a car rig (front and rear cameras, or front and left) and a one-camera frame."""
    return VersionFactory(
        frames=[
            group_data(
                "c1",
                [
                    source_data("front", meta={"lens": "wide"}),
                    source_data("rear", width=1280, height=720),
                ],
                context_id="drive1",
                rois=[box("car", source="rear")],
            ),
            group_data(
                "c2",
                [
                    source_data("front", width=640, height=480, meta={"lens": "tele"}),
                    source_data("left"),
                ],
                context_id="drive1",
                timestamp=1,
            ),
            group_data(
                "c3",
                [source_data("left", meta={"lens": "wide", "night": True})],
                context_id="drive2",
            ),
            frame_data("solo", context_id="drive2", timestamp=1, rois=[box("car")]),
        ]
    )


def keys(version, filters) -> list[str]:
    return sorted(selected_frames(version, clean_filters(filters)).values_list("key", flat=True))


def test_a_frame_is_selected_when_one_of_its_sources_matches(cars):
    assert keys(cars, [{"source_query": "id:front"}]) == ["c1", "c2"]
    assert keys(cars, [{"source_query": "sources.id:left"}]) == ["c2", "c3"]
    assert keys(cars, [{"source_query": "width:1280"}]) == ["c1"]
    assert keys(cars, [{"source_query": "meta.lens:wide"}]) == ["c1", "c3"]
    assert keys(cars, [{"source_query": "id:default"}]) == ["solo"]


def test_one_source_must_match_the_whole_query(cars):
    # c2 has a front camera and a 1920-wide camera, but not one that is both.
    assert keys(cars, [{"source_query": "id:front AND width:1920"}]) == ["c1"]
    assert keys(cars, [{"source_query": "id:front AND NOT meta.lens:wide"}]) == ["c2"]


def test_the_source_query_is_anded_with_the_mode_rules_and_frame_query(cars):
    by_label = {"mode": "by_label", "rules": [{"labels": ["car"]}]}
    assert keys(cars, [by_label]) == ["c1", "solo"]
    assert keys(cars, [by_label | {"source_query": "id:rear"}]) == ["c1"]
    assert keys(cars, [{"mode": "empty", "source_query": "meta.lens:wide"}]) == ["c3"]
    assert keys(cars, [{"frame_query": "context_id:drive1", "source_query": "id:left"}]) == ["c2"]


def test_filters_with_source_queries_are_ored(cars):
    filters = [{"source_query": "width:1280"}, {"source_query": "meta.night:true"}]
    assert keys(cars, filters) == ["c1", "c3"]


def test_a_blank_source_query_selects_every_frame(cars):
    assert keys(cars, [{"source_query": ""}]) == ["c1", "c2", "c3", "solo"]
    assert keys(cars, [{"source_query": None}]) == ["c1", "c2", "c3", "solo"]


def test_other_versions_frames_do_not_leak_in(cars):
    other = VersionFactory(frames=[group_data("x", [source_data("front")])])
    assert keys(other, [{"source_query": "id:front"}]) == ["x"]
    assert keys(cars, [{"source_query": "id:front"}]) == ["c1", "c2"]


def test_a_fork_sees_the_sources_of_its_parents_frames_and_of_its_copies(cars, manager):
    version_publish(version=cars, user=manager)
    fork = version_fork(version=cars, name="fork")
    assert keys(fork, [{"source_query": "id:rear OR id:default"}]) == ["c1", "solo"]
    # Saving a frame in the fork copies its row (copy-on-write); the copy keeps its sources.
    frame_save(version=fork, key="c1", rois=[box("truck")], user=manager, revision=1)
    assert keys(fork, [{"source_query": "id:rear OR id:default"}]) == ["c1", "solo"]
    assert keys(cars, [{"source_query": "id:rear OR id:default"}]) == ["c1", "solo"]


def test_a_task_stores_and_applies_the_source_query(cars, manager):
    filters = [{"mode": "all", "source_query": "sources.id:front"}]
    preview = task_preview(version=cars, filters=filters, iteration={})
    assert (preview.matched, preview.frames) == (2, ["c1", "c2"])
    task = task_create(name="Fronts", version=cars, filters=filters, iteration={}, user=manager)
    assert task.filters == [
        {"mode": "all", "rules": [], "frame_query": "", "source_query": "sources.id:front"}
    ]
    assert task.frame_count == 2
    items = task_items_page(task=task, start=0, stop=10)
    assert [item["frames"] for item in items] == [["c1"], ["c2"]]


def test_filters_as_json_keeps_the_stored_shape_without_a_source_query():
    assert filters_as_json(clean_filters([{"mode": "all"}])) == [
        {"mode": "all", "rules": [], "frame_query": ""}
    ]
    assert filters_as_json(clean_filters([{"source_query": "width:>100"}]))[0]["source_query"] == (
        "width:>100"
    )


@pytest.mark.parametrize(
    ("source_query", "message"),
    [
        (
            "camera:front",
            'Unknown field "camera" at position 0; known: id, uri, width, height, meta.<key>',
        ),
        ("id:front AND width:big", '"big" is not a number; width takes numbers at position 19'),
        ("id:(front", "Unexpected end of query at position 9"),
        (
            "front",
            "A source query needs a field here at position 0; known: id, uri, width, "
            "height, meta.<key>",
        ),
    ],
)
def test_a_bad_source_query_names_the_field_and_position(source_query, message):
    filters = [{"mode": "all"}, {"mode": "all", "source_query": source_query}]
    with pytest.raises(ValidationError) as caught:
        clean_filters(filters)
    errors = caught.value.error_dict
    assert list(errors) == ["filters[1].source_query"]
    assert errors["filters[1].source_query"][0].code == "invalid_query"
    assert errors["filters[1].source_query"][0].messages == [message]


def test_a_source_query_is_a_string():
    with pytest.raises(ValidationError) as caught:
        clean_filters([{"source_query": ["id:front"]}])
    assert caught.value.message_dict == {"filters[0].source_query": ["A query is a string."]}


def test_a_task_with_a_bad_source_query_is_refused(cars, manager):
    with pytest.raises(ValidationError) as caught:
        task_create(
            name="T",
            version=cars,
            filters=[{"source_query": "label:car"}],
            iteration={},
            user=manager,
        )
    assert "filters[0].source_query" in caught.value.error_dict


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_postgresql_probes_both_halves_of_the_view_by_each_frames_primary_key(cars):
    """Not a semi-join over every frame of the database: a per-row SubPlan reaching the listed
    sources and the implicit one by `frames_frame.id` (seq scans off: the tables are tiny)."""
    frames = selected_frames(cars, clean_filters([{"source_query": "id:default OR width:1280"}]))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = frames.explain()
    assert "SubPlan" in plan
    assert "Hash" not in plan
    assert plan.count("Index Cond: (id = frames_versionframe.frame_id)") == 2
