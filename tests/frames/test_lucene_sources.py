"""Source queries: Lucene over a frame's sources (the rows of the view `frames_source_row`), where
a frame matches when one of its sources matches the whole query. Frames go in through the bulk
import, `sources` and the one-source `source` shorthand alike."""

import pytest
from django.db.models import Exists, OuterRef

from frames.lucene import ExistsPerRow, QueryError, check_query, compile_source_query
from frames.models import Frame, SourceRow
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data, group_data, source_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frames():
    return VersionFactory(
        frames=[
            group_data(
                "car1",
                [
                    source_data(
                        "front",
                        meta={
                            "camera": "wide",
                            "fps": 30,
                            "night": False,
                            "lens mm": 4.5,
                            "a.b": 1,
                            "größe": 2,
                        },
                    ),
                    source_data("rear", width=1280, height=720, meta={"camera": "tele", "fps": 15}),
                ],
            ),
            group_data(
                "car2",
                [
                    source_data(
                        "front", width=640, height=480, meta={"camera": "tele", "fps": "30"}
                    ),
                    source_data(
                        "left",
                        uri="s3://bucket/left/0002.png",
                        meta={"night": True, "rig": {"n": 2}},
                    ),
                ],
            ),
            frame_data("single", width=800, height=600),
        ]
    )


def frames_matching(query: str) -> set[str]:
    sources = SourceRow.objects.filter(compile_source_query(query)).filter(frame=OuterRef("pk"))
    matching = set(Frame.objects.filter(ExistsPerRow(sources)).values_list("key", flat=True))
    assert set(Frame.objects.filter(Exists(sources)).values_list("key", flat=True)) == matching
    return matching


def sources_matching(query: str) -> set[str]:
    rows = SourceRow.objects.filter(compile_source_query(query)).select_related("frame")
    return {f"{row.frame.key}:{row.source}" for row in rows}


def test_the_view_has_one_row_per_source_and_one_for_a_single_source_frame():
    assert sources_matching("id:*") == {
        "car1:front",
        "car1:rear",
        "car2:front",
        "car2:left",
        "single:default",
    }


def test_single_source_frames_match_id_default():
    assert frames_matching("id:default") == {"single"}
    assert frames_matching("sources.id:default AND width:800 AND height:600") == {"single"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("id:front", {"car1", "car2"}),
        ("sources.id:rear", {"car1"}),
        ("sources.id:left OR id:rear", {"car1", "car2"}),
        ('uri:"s3://bucket/left/0002.png"', {"car2"}),
        ("sources.uri:s3\\://*", {"car2"}),
        ("uri:https*", {"car1", "car2", "single"}),
        ("id:fr*", {"car1", "car2"}),
        ("id:?ear", {"car1"}),
    ],
)
def test_text_fields_with_or_without_the_prefix(query, expected):
    assert frames_matching(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("width:1920", {"car1", "car2"}),
        ("sources.width:1280", {"car1"}),
        ("height:[700 TO 800]", {"car1"}),
        ("sources.height:{480 TO 720]", {"car1", "single"}),
        ("width:>=1280 AND height:<=720", {"car1"}),
        ("width:<800", {"car2"}),
        ("width:[* TO 640]", {"car2"}),
    ],
)
def test_numbers_and_ranges(query, expected):
    assert frames_matching(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("meta.camera:tele", {"car1:rear", "car2:front"}),
        ("sources.meta.camera:wide", {"car1:front"}),
        # A number matches JSON numbers and strings spelled the same.
        ("meta.fps:30", {"car1:front", "car2:front"}),
        ("meta.fps:[20 TO 60]", {"car1:front"}),
        ("meta.fps:<20", {"car1:rear"}),
        ("meta.night:true", {"car2:left"}),
        ("meta.night:false", {"car1:front"}),
        ('meta."lens mm":4.5', {"car1:front"}),
        ('sources.meta."lens mm":[4 TO 5]', {"car1:front"}),
        ("meta.lens\\ mm:4.5", {"car1:front"}),
        ('meta."a.b":1', {"car1:front"}),
        ("meta.rig.n:2", {"car2:left"}),
        ("sources.meta.größe:2", {"car1:front"}),
        ("_exists_:meta.night", {"car1:front", "car2:left"}),
        ("_exists_:sources.meta.camera", {"car1:front", "car1:rear", "car2:front"}),
        ("meta.camera:*", {"car1:front", "car1:rear", "car2:front"}),
        ("meta.camera:t*", {"car1:rear", "car2:front"}),
    ],
)
def test_meta_keys_read_each_sources_own_meta(query, expected):
    assert sources_matching(query) == expected


def test_not_holds_for_sources_without_the_field():
    # The implicit default source has empty meta: NOT is true for it, never NULL.
    assert sources_matching("NOT meta.camera:tele") == {"car1:front", "car2:left", "single:default"}
    assert sources_matching("id:front AND NOT width:1920") == {"car2:front"}
    assert sources_matching("-id:front -id:default") == {"car1:rear", "car2:left"}


def test_a_frame_matches_when_one_source_matches_the_whole_query():
    # car1's front is wide and car1's rear is 1280 wide, but no one source is both.
    assert frames_matching("meta.camera:wide AND width:1280") == set()
    assert frames_matching("meta.camera:wide AND width:1920") == {"car1"}
    # car2: front is tele, left is night; no source is both.
    assert frames_matching("meta.camera:tele AND meta.night:true") == set()
    assert frames_matching("meta.camera:tele OR meta.night:true") == {"car1", "car2"}


def test_every_source_of_a_frame_must_match_is_a_negated_exists():
    # "Frames whose every source is 1920 wide": no source that is not.
    others = SourceRow.objects.filter(~compile_source_query("width:1920"))
    frames = Frame.objects.exclude(Exists(others.filter(frame=OuterRef("pk"))))
    assert set(frames.values_list("key", flat=True)) == set()
    others = SourceRow.objects.filter(~compile_source_query("width:[800 TO 1920]"))
    frames = Frame.objects.exclude(Exists(others.filter(frame=OuterRef("pk"))))
    assert set(frames.values_list("key", flat=True)) == {"car1", "single"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "colour:red",
            'Unknown field "colour" at position 0; known: id, uri, width, height, meta.<key>',
        ),
        (
            "id:front AND sources.label:car",
            'Unknown field "sources.label" at position 13; known: id, uri, width, height, '
            "meta.<key>",
        ),
        ("width:wide", '"wide" is not a number; width takes numbers at position 6'),
        (
            "id:front AND height:1080x",
            '"1080x" is not a number; height takes numbers at position 20',
        ),
        ("width:19*", "Wildcards work on text; width is a number at position 6"),
        (
            "front",
            "A source query needs a field here at position 0; known: id, uri, width, height, "
            "meta.<key>",
        ),
        ("id:(front", "Unexpected end of query at position 9"),
        ("meta.:x", 'Field "meta" needs a key (meta.<key>) at position 0'),
        ("meta.a..b:x", 'Empty key in "meta.a..b" at position 0'),
        ("sources.meta:x", 'Field "meta" needs a key (meta.<key>) at position 0'),
        ('id:"front', "Unclosed quote at position 3"),
        (
            'meta."lens mm":[1 TO x]',
            "A range's bounds must both be numbers or both text at position 16",
        ),
    ],
)
def test_errors_name_the_problem_and_its_position(query, message):
    with pytest.raises(QueryError) as caught:
        compile_source_query(query)
    assert caught.value.messages == [message]
    with pytest.raises(QueryError):
        check_query(query, scope="source")


def test_blank_query_matches_every_source():
    assert frames_matching("") == {"car1", "car2", "single"}
    check_query("  ", scope="source")


def test_frame_and_roi_fields_are_not_source_fields():
    for query in ("context_id:cam1", "timestamp:1", "label:car", "rois.id:r1", "confidence:1"):
        with pytest.raises(QueryError, match="Unknown field"):
            compile_source_query(query)
