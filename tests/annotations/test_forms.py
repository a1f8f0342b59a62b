import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from annotations.forms import (
    MAX_RULES,
    NO_RULES,
    RULE_NEEDS_FIX,
    TaskForm,
    TaskListFilterForm,
    rules_after,
)
from annotations.models import AnnotationTask, FilterMode
from annotations.summaries import filters_summary, rule_summary
from tests.datasets.factories import DatasetFactory, VersionFactory

pytestmark = pytest.mark.django_db


def query(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.fixture
def version():
    return VersionFactory(name="v1", dataset=DatasetFactory(name="streets"))


def task_fields(offered, **fields) -> dict:
    """The task's own fields, without the rules formset."""
    data = {
        "name": "Task",
        "version": str(offered.pk),
        "mode": FilterMode.ALL,
        "order": AnnotationTask.Order.SEQUENTIAL,
        "repetition": "once",
    }
    return data | fields


def bound(offered, rules=None, **fields) -> TaskForm:
    data = task_fields(offered, **fields)
    if rules is not None:
        data |= rule_rows(rules)
    return TaskForm(query(**data), versions=[offered])


def rule_rows(rules: list[dict]) -> dict:
    """The rules formset as posted: its management form and one row of fields per rule."""
    data = {"rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": "0"}
    for row, rule in enumerate(rules):
        data |= {f"rules-{row}-{name}": value for name, value in rule.items()}
    return data


# Shapes handed to the engine


def test_by_label_rows_become_engine_rules_with_blank_bounds_as_none(version):
    form = bound(
        version,
        mode=FilterMode.BY_LABEL,
        rules=[{"labels": " car , bus ,", "conf_max": "0.8", "count_min": "2"}],
    )

    assert form.is_valid(), form.errors
    assert form.filters() == [
        {
            "mode": FilterMode.BY_LABEL,
            "rules": [
                {
                    "labels": ["car", "bus"],
                    "query": "",
                    "confidence": [None, 0.8],
                    "count": [2, None],
                    "exclude": False,
                }
            ],
            "frame_query": "",
        }
    ]


def test_iteration_keeps_the_seed_only_for_random_and_the_limit_only_when_limiting(version):
    sequential = bound(version, seed="9", limit="5", clip_length="3")
    random = bound(
        version, order=AnnotationTask.Order.RANDOM, seed="9", repetition="limit", limit="5"
    )

    assert sequential.is_valid()
    assert random.is_valid()
    assert sequential.iteration() == {
        "order": AnnotationTask.Order.SEQUENTIAL,
        "seed": None,
        "limit": None,
        "clip_length": 3,
    }
    assert random.iteration() == {
        "order": AnnotationTask.Order.RANDOM,
        "seed": 9,
        "limit": 5,
        "clip_length": 0,
    }


def test_the_version_choice_becomes_the_version(version):
    form = bound(version)

    assert form.is_valid()
    assert form.cleaned_data["version"] == version


def test_a_version_not_offered_is_refused(version):
    form = bound(version, version="999999")

    assert not form.is_valid()
    assert "version" in form.errors


# Errors in place


def test_a_broken_rule_query_is_an_error_of_that_row_and_the_form(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"labels": "car"}, {"query": "car AND"}])

    assert not form.is_valid()
    assert form.non_field_errors() == [RULE_NEEDS_FIX]
    assert not form.rules[0].errors
    assert list(form.rules[1].errors) == ["query"]
    assert "at position 7" in form.rules[1].errors["query"][0]


def test_rule_errors_do_not_count_unless_by_label(version):
    form = bound(version, mode=FilterMode.EMPTY, rules=[{"query": "car AND"}])

    assert form.is_valid()
    assert form.filters()[0]["rules"] == []


def test_engine_range_errors_land_on_the_first_field_of_the_pair(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"count_min": "3", "count_max": "1"}])

    assert not form.is_valid()
    assert form.rules[0].errors == {"count_min": ["The minimum 3 is above the maximum 1."]}
    assert form.rules[0].row_errors() == ["Instances from: The minimum 3 is above the maximum 1."]


def test_field_errors_name_the_field_on_the_row(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"conf_min": "2"}])

    assert not form.is_valid()
    assert form.rules[0].row_errors() == [
        "Confidence from: Ensure this value is less than or equal to 1."
    ]


def test_service_errors_are_routed_by_their_key(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"labels": "car"}])
    assert form.is_valid()

    form.add_service_error(
        ValidationError(
            {
                "filters[0].rules[0].labels": ValidationError("Bad labels.", code="x"),
                "iteration.limit": ValidationError("Bad limit.", code="x"),
                "somewhere.else": ValidationError("Elsewhere.", code="x"),
            }
        )
    )

    assert form.rules[0].errors["labels"] == ["Bad labels."]
    assert form.errors["limit"] == ["Bad limit."]
    assert "Elsewhere." in form.non_field_errors()
    assert RULE_NEEDS_FIX in form.non_field_errors()


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("filters[0].rules[1].labels", "labels"),
        ("filters[0].rules[1].query", "query"),
        ("filters[0].rules[1].confidence", "conf_min"),
        ("filters[0].rules[1].confidence[1]", "conf_max"),
        ("filters[0].rules[1].count[0]", "count_min"),
        ("filters[0].rules[1].count[1]", "count_max"),
        ("filters[0].rules[1]", "__all__"),
    ],
)
def test_engine_errors_land_on_the_second_rules_field_only(version, key, field):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"labels": "car"}, {"labels": "bus"}])
    assert form.is_valid()

    form.add_service_error(ValidationError({key: ValidationError("Wrong.", code="x")}))

    assert not form.rules[0].errors
    assert form.rules[1].errors == {field: ["Wrong."]}
    assert form.non_field_errors() == [RULE_NEEDS_FIX]


def test_an_engine_error_for_a_rule_the_form_lacks_goes_to_the_top(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"labels": "car"}])
    assert form.is_valid()

    form.add_service_error(
        ValidationError({"filters[0].rules[3].query": ValidationError("Lost.", code="x")})
    )

    assert form.non_field_errors() == ["Lost."]


def test_a_service_error_without_key_goes_to_the_top(version):
    form = bound(version)
    assert form.is_valid()

    form.add_service_error(ValidationError("No frames.", code="no_frames"))

    assert form.non_field_errors() == ["No frames."]


def test_limit_frames_without_a_number_asks_for_one(version):
    form = bound(version, repetition="limit")

    assert not form.is_valid()
    assert form.errors["limit"] == [
        "Give the maximum number of frames, or choose Use Each Frame Once."
    ]


def test_the_seed_must_fit_the_engine_range(version):
    form = bound(version, order=AnnotationTask.Order.RANDOM, seed=str(2**32))

    assert not form.is_valid()
    assert "seed" in form.errors


def test_the_query_field_opens_when_asked_or_filled(version):
    form = bound(
        version,
        mode=FilterMode.BY_LABEL,
        rules=[{"labels": "a"}, {"show_query": "on"}, {"query": "car"}],
    )

    assert [rule.is_query_open for rule in form.rules] == [False, True, True]


# Rows and the list's filters


def test_a_new_form_starts_with_one_rule_row(version):
    form = TaskForm(versions=[version])

    assert len(form.rules) == 1
    assert form.rules.management_form["TOTAL_FORMS"].value() == 1


def test_add_appends_a_blank_row_and_focuses_it():
    data, focus = rules_after(query(**rule_rows([{"labels": "car"}])), "add")

    assert (data["rules-TOTAL_FORMS"], focus) == ("2", 1)
    assert data["rules-0-labels"] == "car"


def test_add_stops_at_the_most_rules_a_filter_takes():
    data, focus = rules_after(query(**rule_rows([{}] * MAX_RULES)), "add")

    assert (data["rules-TOTAL_FORMS"], focus) == (str(MAX_RULES), None)


def test_remove_moves_the_rows_below_up_one_place():
    posted = query(**rule_rows([{"labels": "car"}, {"labels": "bus"}, {"query": "person"}]))

    data, _ = rules_after(posted, "remove-0")

    assert data["rules-TOTAL_FORMS"] == "2"
    assert (data["rules-0-labels"], data["rules-1-query"]) == ("bus", "person")
    assert "rules-1-labels" not in data
    assert "rules-2-query" not in data


@pytest.mark.parametrize("action", ["remove-0", "remove-5", "remove-x", "jump"])
def test_remove_keeps_the_last_row_and_ignores_unknown_rows(action):
    posted = query(**rule_rows([{"labels": "car"}]))

    data, focus = rules_after(posted, action)

    assert (dict(data.lists()), focus) == (dict(posted.lists()), None)


def test_no_rule_at_all_is_refused_when_by_label(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[])

    assert not form.is_valid()
    assert form.non_field_errors() == [NO_RULES]


def test_more_rules_than_a_filter_takes_are_refused(version):
    form = bound(version, mode=FilterMode.BY_LABEL, rules=[{"labels": "car"}] * (MAX_RULES + 1))

    assert not form.is_valid()
    assert form.non_field_errors() == [
        f"A filter takes at most {MAX_RULES} label rules; remove some and submit again."
    ]
    assert len(form.rules) == MAX_RULES


def test_a_missing_rule_count_is_explained(version):
    form = TaskForm(query(**task_fields(version, mode=FilterMode.BY_LABEL)), versions=[version])

    assert not form.is_valid()
    [message] = form.non_field_errors()
    assert "without a valid rule count (rules-TOTAL_FORMS, rules-INITIAL_FORMS)" in message
    assert form.non_field_errors().as_data()[0].code == "missing_management_form"


def test_a_missing_rule_count_does_not_matter_unless_by_label(version):
    assert TaskForm(query(**task_fields(version)), versions=[version]).is_valid()


def test_list_filters_fall_back_to_defaults_per_field(version):
    values = TaskListFilterForm(
        query(status="completed", dataset="nope", mine="1", sort="size")
    ).values()

    assert values == {"status": "completed", "dataset": None, "mine": "1", "sort": "recent"}


def test_list_filters_resolve_the_dataset(version):
    values = TaskListFilterForm(query(dataset=str(version.dataset_id))).values()

    assert values["dataset"] == version.dataset
    assert values["status"] == "active"


# Summaries


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            {"labels": ["car"], "confidence": [0.5, 1.0], "count": [1, None]},
            "car, conf 0.5–1, ≥ 1 instance",
        ),
        ({"labels": ["car"], "confidence": [0.0, 1.0], "count": [2, 3]}, "car, 2–3 instances"),
        ({"labels": ["car"], "confidence": [0.0, 1.0], "count": [2, 2]}, "car, 2 instances"),
        ({"labels": ["car"], "confidence": [0.0, 1.0], "count": [0, 2]}, "car, ≤ 2 instances"),
        (
            {"labels": ["bus"], "confidence": [0.0, 1.0], "count": [1, None], "exclude": True},
            "not bus",
        ),
        ({"labels": [], "confidence": [0.0, 1.0], "count": [1, None]}, "any label, ≥ 1 instance"),
    ],
)
def test_rule_summary(rule, text):
    assert rule_summary({"exclude": False, "query": "", **rule}) == text


def test_filters_summary_marks_lucene_and_frame_queries():
    rule = {"labels": ["car"], "query": "x", "confidence": [0.5, 1.0], "count": [1, None]}
    filters = [
        {"mode": "by_label", "rules": [rule | {"exclude": False}], "frame_query": "meta.a:1"}
    ]

    assert filters_summary(filters) == (
        "By label: car, conf 0.5–1, ≥ 1 instance · + Lucene · + frame query"
    )
    assert filters_summary([]) == "All frames"
    assert filters_summary([{"mode": "empty", "rules": [], "frame_query": ""}]) == "Empty frames"


# The source query (FrameGroups)


def test_a_source_query_joins_the_filter_stripped_and_only_when_given(version):
    with_query = bound(version, frame_query="context_id:cam1", source_query="  id:front  ")
    without = bound(version)

    assert with_query.is_valid(), with_query.errors
    assert without.is_valid(), without.errors
    assert with_query.filters() == [
        {
            "mode": FilterMode.ALL,
            "rules": [],
            "frame_query": "context_id:cam1",
            "source_query": "id:front",
        }
    ]
    assert "source_query" not in without.filters()[0]


def test_a_broken_source_query_is_an_error_of_its_field_naming_the_position(version):
    form = bound(version, source_query="id:front AND width:wide")

    assert not form.is_valid()
    assert form.errors == {
        "source_query": ['"wide" is not a number; width takes numbers at position 19']
    }


def test_a_frame_field_in_the_source_query_is_refused_with_the_known_fields(version):
    form = bound(version, source_query="context_id:cam1")

    assert not form.is_valid()
    assert form.errors["source_query"] == [
        'Unknown field "context_id" at position 0; known: id, uri, width, height, meta.<key>'
    ]


def test_engine_source_query_errors_land_on_the_field(version):
    form = bound(version)
    assert form.is_valid()

    form.add_service_error(
        ValidationError({"filters[0].source_query": ValidationError("Wrong.", code="x")})
    )

    assert form.errors == {"source_query": ["Wrong."]}


def test_the_source_query_follows_the_frame_query_in_the_form(version):
    names = list(bound(version).fields)

    assert names.index("source_query") == names.index("frame_query") + 1


def test_filters_summary_marks_a_source_query():
    filters = [{"mode": "all", "rules": [], "frame_query": "", "source_query": "id:front"}]

    assert filters_summary(filters) == "All frames · + source query"
