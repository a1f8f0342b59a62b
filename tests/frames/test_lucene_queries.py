import pytest
from django.db.models import Exists, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frames.lucene import QueryError, compile_frame_query, compile_roi_query
from frames.models import Frame, Roi
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db

ALL_ROIS = {"r1", "r2", "r3", "r4", "r5", "p-1", "r7", "fl1"}


def polygon(labels, **extra) -> dict:
    return {"type": "polygon", "labels": labels, "points": [[0, 0], [10, 0], [10, 10]], **extra}


@pytest.fixture(autouse=True)
def frames():
    return VersionFactory(
        frames=[
            frame_data(
                "f1",
                context_id="cam1",
                timestamp=100,
                meta={"weather": "rain", "speed": 15, "night": False},
                rois=[
                    box(
                        ["car", "occluded"],
                        id="r1",
                        confidence=0.9,
                        meta={
                            "occluded": True,
                            "speed": 12,
                            "weather type": "wet",
                            "x-y": 3,
                            "kind": "sedan",
                            "größe": 2,
                        },
                    ),
                    box("car", id="r2", confidence=0.5, meta={"occluded": False, "speed": "fast"}),
                ],
                frame_labels=[{"labels": ["day"], "id": "fl1"}],
            ),
            frame_data(
                "f2",
                context_id="cam1",
                timestamp=200,
                meta={"weather": "sun", "speed": "20"},
                rois=[
                    box(
                        "truck",
                        id="r3",
                        confidence=0.3,
                        meta={"speed": 20.5, "note": "Bus Stop", "cam": {"lens": "wide"}},
                    ),
                    box("Bus Stop", id="r4", confidence=0.7, meta={"cam.lens": "tele"}),
                ],
            ),
            frame_data(
                "f3",
                context_id="cam2",
                timestamp=50,
                rois=[
                    box("occluded", id="r5", meta={"occluded": "true"}),
                    polygon(["person", "a*b"], id="p-1"),
                    box("car", id="r7", meta={"occluded": None}),
                ],
            ),
        ]
    )


def rois(query: str) -> set[str]:
    return set(Roi.objects.filter(compile_roi_query(query)).values_list("uid", flat=True))


def frames_matching(query: str) -> set[str]:
    return set(Frame.objects.filter(compile_frame_query(query)).values_list("key", flat=True))


def frames_with_roi(query: str) -> set[str]:
    matching = Roi.objects.filter(frame=OuterRef("pk")).filter(compile_roi_query(query))
    return set(Frame.objects.filter(Exists(matching)).values_list("key", flat=True))


# Labels and boolean logic


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_query_matches_everything(query):
    assert compile_roi_query(query) == Q()
    assert rois(query) == ALL_ROIS
    assert frames_matching(query) == {"f1", "f2", "f3"}


@pytest.mark.parametrize(
    "query", ["car", "label:car", "label.keyword:car", "rois.label:car", "rois.label.keyword:car"]
)
def test_bare_term_and_label_aliases_match_the_label(query):
    assert rois(query) == {"r1", "r2", "r7"}


@pytest.mark.parametrize("query", ["car AND occluded", "car occluded", "+car +occluded"])
def test_several_labels_must_sit_on_one_roi(query):
    assert rois(query) == {"r1"}
    # f3 has a car and an occluded ROI, but no ROI with both.
    assert frames_with_roi(query) == {"f1"}


def test_or_not_minus_and_parentheses():
    assert rois("truck OR person") == {"r3", "p-1"}
    assert rois("car AND NOT occluded") == {"r2", "r7"}
    assert rois("car -occluded") == {"r2", "r7"}
    assert rois("(car OR truck) AND confidence:<0.6") == {"r2", "r3"}
    assert rois("NOT (car OR occluded)") == {"r3", "r4", "p-1", "fl1"}


def test_field_group_applies_the_field_to_each_term():
    assert rois("label:(car OR truck)") == {"r1", "r2", "r3", "r7"}
    assert rois("label:(car AND NOT occluded)") == {"r2", "r7"}
    assert rois("meta.speed:(12 OR fast)") == {"r1", "r2"}


def test_phrase_loses_its_quotes():
    assert rois('"Bus Stop"') == {"r4"}
    assert rois('label:"Bus Stop"') == {"r4"}
    assert rois('meta.note:"Bus Stop"') == {"r3"}


def test_label_match_is_exact_and_case_sensitive():
    assert rois("Car") == set()
    assert rois("Bus") == set()


def test_frame_labels_are_rois_of_type_frame():
    assert rois("day") == {"fl1"}
    assert rois("type:frame") == {"fl1"}
    assert rois("type:polygon") == {"p-1"}
    assert rois("car AND type:box") == {"r1", "r2", "r7"}


def test_id_matches_the_roi_uid():
    assert rois("id:r1") == {"r1"}
    assert rois("rois.id:p-1") == {"p-1"}


# Wildcards


def test_trailing_star_is_a_prefix_match():
    assert rois("tr*") == {"r3"}
    assert rois("id:r*") == {"r1", "r2", "r3", "r4", "r5", "r7"}
    assert rois("Tr*") == set()
    assert rois("meta.kind:sed*") == {"r1"}


def test_inner_wildcards_and_question_mark():
    assert rois("c?r") == {"r1", "r2", "r7"}
    assert rois("*ck") == {"r3"}
    assert rois("Bus?Stop") == {"r4"}
    assert rois("meta.kind:s*n") == {"r1"}
    assert rois("meta.kind:s?n") == set()


def test_other_characters_in_a_wildcard_are_literal():
    assert rois("B.s*") == set()
    assert rois("a*b") == {"p-1"}
    assert rois(r"a\*b") == {"p-1"}
    assert rois(r"a\*") == set()


def test_lone_star_means_the_field_has_a_value():
    assert rois("label:*") == ALL_ROIS
    assert rois("NOT label:*") == set()
    assert rois("meta.kind:*") == {"r1"}


# Ranges


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("confidence:[0.5 TO 0.9]", {"r1", "r2", "r4"}),
        ("confidence:{0.5 TO 0.9}", {"r4"}),
        ("confidence:[0.5 TO 0.9}", {"r2", "r4"}),
        ("confidence:{0.5 TO 0.9]", {"r1", "r4"}),
        ("confidence:[* TO 0.5]", {"r2", "r3"}),
        ("confidence:[0.9 TO *]", {"r1", "r5", "p-1", "r7", "fl1"}),
        ("confidence:>0.7", {"r1", "r5", "p-1", "r7", "fl1"}),
        ("confidence:>=0.7", {"r1", "r4", "r5", "p-1", "r7", "fl1"}),
        ("confidence:<0.5", {"r3"}),
        ("confidence:<=0.5", {"r2", "r3"}),
        ("confidence:0.5", {"r2"}),
        ("rois.confidence:1", {"r5", "p-1", "r7", "fl1"}),
    ],
)
def test_confidence_ranges_and_comparisons(query, expected):
    assert rois(query) == expected


def test_text_ranges_compare_by_code_point():
    assert rois("label:[a TO e]") == {"r1", "r2", "r7", "p-1", "fl1"}
    assert rois("label:[A TO Z]") == {"r4"}
    assert rois("meta.kind:[a TO t]") == {"r1"}
    assert rois("meta.kind:{sedan TO *]") == set()


def test_negative_numbers_in_ranges():
    assert rois("confidence:[-1 TO 0.3]") == {"r3"}


# Metadata


def test_meta_booleans_match_json_booleans_only():
    assert rois("meta.occluded:true") == {"r1"}
    assert rois("meta.occluded:false") == {"r2"}
    assert rois('meta.occluded:"true"') == {"r5"}


def test_meta_numbers_compare_numerically():
    # r2's speed is "fast": a number cast would fail on PostgreSQL if it were not skipped.
    assert rois("meta.speed:[10 TO 20]") == {"r1"}
    assert rois("meta.speed:>20") == {"r3"}
    assert rois("meta.speed:12") == {"r1"}
    assert rois("meta.speed:12.0") == {"r1"}
    assert rois("meta.speed:[2 TO 3]") == set()  # numbers, not text ("12" < "3")


def test_meta_number_also_matches_the_same_string_but_ranges_do_not():
    assert frames_matching("meta.speed:20") == {"f2"}
    assert frames_matching("meta.speed:[10 TO 30]") == {"f1"}


def test_meta_strings():
    assert rois("meta.kind:sedan") == {"r1"}
    assert rois("rois.meta.speed:fast") == {"r2"}


def test_meta_keys_with_dashes_spaces_dots_and_accents():
    assert rois("meta.x-y:3") == {"r1"}
    assert rois('meta."weather type":wet') == {"r1"}
    assert rois(r"meta.weather\ type:wet") == {"r1"}
    assert rois('_exists_:meta."weather type"') == {"r1"}
    assert rois("meta.größe:2") == {"r1"}


def test_meta_dots_walk_nested_objects_unless_quoted_or_escaped():
    assert rois("meta.cam.lens:wide") == {"r3"}
    assert rois('meta."cam.lens":tele') == {"r4"}
    assert rois(r"meta.cam\.lens:tele") == {"r4"}


def test_keys_with_double_underscores_reach_no_lookup():
    assert rois("meta.kind__startswith:s") == set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NOT meta.occluded:true", ALL_ROIS - {"r1"}),
        ("-meta.occluded:true", ALL_ROIS - {"r1"}),
        ("NOT meta.occluded:false", ALL_ROIS - {"r2"}),
        ("NOT meta.speed:[10 TO 20]", ALL_ROIS - {"r1"}),
        ("NOT meta.kind:sed*", ALL_ROIS - {"r1"}),
        ("NOT meta.kind:s?dan", ALL_ROIS - {"r1"}),
        ("NOT (meta.occluded:true OR meta.kind:x)", ALL_ROIS - {"r1"}),
        ("NOT _exists_:meta.occluded", ALL_ROIS - {"r1", "r2", "r5"}),
    ],
)
def test_not_includes_rows_without_the_field(query, expected):
    assert rois(query) == expected


def test_exists_needs_a_present_non_null_value():
    assert rois("_exists_:meta.occluded") == {"r1", "r2", "r5"}
    assert rois("meta.occluded:*") == {"r1", "r2", "r5"}
    assert rois("_exists_:rois.meta.cam.lens") == {"r3"}
    assert rois("_exists_:label") == ALL_ROIS


# Frame queries


def test_frame_fields():
    assert frames_matching("id:f1") == {"f1"}
    assert frames_matching("context_id:cam1") == {"f1", "f2"}
    assert frames_matching("context_id:cam*") == {"f1", "f2", "f3"}
    assert frames_matching("timestamp:[100 TO 200]") == {"f1", "f2"}
    assert frames_matching("timestamp:<100") == {"f3"}
    assert frames_matching("timestamp:{50 TO 200}") == {"f1"}


def test_frame_meta():
    assert frames_matching("meta.weather:rain") == {"f1"}
    assert frames_matching("context_id:cam1 AND meta.weather:rain") == {"f1"}
    assert frames_matching("NOT meta.weather:rain") == {"f2", "f3"}
    assert frames_matching("meta.night:false") == {"f1"}
    assert frames_matching("_exists_:meta.weather") == {"f1", "f2"}


# SQL shape


def test_label_equality_compares_the_indexed_label_column():
    sql = str(Roi.objects.filter(compile_roi_query("car")).query)
    assert 'FROM "frames_roilabel" U0 WHERE (U0."label" = car AND U0."frame_id" = (' in sql


# Any text


QUERY_PIECES = st.sampled_from(
    [
        "car", "label", "confidence", "type", "id", "meta.speed", "meta.\"a b\"", "colour",
        "_exists_", "rois.", ":", " ", "AND", "OR", "NOT", "TO", "-", "+", "(", ")", "[", "]",
        "{", "}", "*", "?", "\"", "\\", "~", "^", "/", "<", ">=", "0.5", "-1", "true", "é", ".",
    ]
)  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(QUERY_PIECES, max_size=12).map("".join))
def test_any_text_compiles_to_runnable_sql_or_a_query_error(text):
    for model, compile_query in ((Roi, compile_roi_query), (Frame, compile_frame_query)):
        q, error = compiled_or_error(compile_query, text)
        if error is None:
            list(model.objects.filter(q).values_list("pk", flat=True))
        else:
            assert 0 <= error.position <= len(text)
            assert error.messages[0].count(f"at position {error.position}") == 1


def compiled_or_error(compile_query, text):
    try:
        return compile_query(text), None
    except QueryError as error:
        return None, error
