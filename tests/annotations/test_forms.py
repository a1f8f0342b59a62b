import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from annotations.forms import RULE_NEEDS_FIX, TaskForm, TaskListFilterForm, rule_ids
from annotations.summaries import filters_summary, rule_summary
from tests.factories import DatasetFactory, VersionFactory

pytestmark = pytest.mark.django_db


def query(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.fixture
def version():
    return VersionFactory(name="v1", dataset=DatasetFactory(name="streets"))


def bound(offered, rules=None, **fields) -> TaskForm:
    data = {
        "name": "Task",
        "version": str(offered.pk),
        "mode": "all",
        "order": "sequential",
        "repetition": "once",
    }
    data |= fields
    if rules is not None:
        data["rule"] = [str(row) for row in range(len(rules))]
        for row, rule in enumerate(rules):
            data |= {f"rule-{row}-{name}": value for name, value in rule.items()}
    return TaskForm(query(**data), versions=[offered])


# Shapes handed to the engine


def test_by_label_rows_become_engine_rules_with_blank_bounds_as_none(version):
    form = bound(
        version,
        mode="by_label",
        rules=[{"labels": " car , bus ,", "conf_max": "0.8", "count_min": "2"}],
    )

    assert form.is_valid(), form.errors
    assert form.filters() == [
        {
            "mode": "by_label",
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
    random = bound(version, order="random", seed="9", repetition="limit", limit="5")

    assert sequential.is_valid()
    assert random.is_valid()
    assert sequential.iteration() == {
        "order": "sequential",
        "seed": None,
        "limit": None,
        "clip_length": 3,
    }
    assert random.iteration() == {"order": "random", "seed": 9, "limit": 5, "clip_length": 0}


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
    form = bound(version, mode="by_label", rules=[{"labels": "car"}, {"query": "car AND"}])

    assert not form.is_valid()
    assert form.non_field_errors() == [RULE_NEEDS_FIX]
    assert not form.rules[0].errors
    assert "at position 7" in form.rules[1].errors["query"][0]


def test_rule_errors_do_not_count_unless_by_label(version):
    form = bound(version, mode="empty", rules=[{"query": "car AND"}])

    assert form.is_valid()
    assert form.filters()[0]["rules"] == []


def test_engine_range_errors_land_on_the_row(version):
    form = bound(version, mode="by_label", rules=[{"count_min": "3", "count_max": "1"}])

    assert not form.is_valid()
    assert form.rules[0].row_errors() == ["The minimum 3 is above the maximum 1."]


def test_field_errors_name_the_field_on_the_row(version):
    form = bound(version, mode="by_label", rules=[{"conf_min": "2"}])

    assert not form.is_valid()
    assert form.rules[0].row_errors() == [
        "Confidence from: Ensure this value is less than or equal to 1."
    ]


def test_service_errors_are_routed_by_their_key(version):
    form = bound(version, mode="by_label", rules=[{"labels": "car"}])
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
    form = bound(version, order="random", seed=str(2**32))

    assert not form.is_valid()
    assert "seed" in form.errors


def test_the_query_field_opens_when_asked_or_filled(version):
    form = bound(
        version,
        mode="by_label",
        rules=[{"labels": "a"}, {"show_query": "on"}, {"query": "car"}],
    )

    assert [rule.is_query_open for rule in form.rules] == [False, True, True]


# Rows and the list's filters


def test_rule_ids_keep_page_order_drop_junk_and_start_with_one_row():
    assert rule_ids(None) == [0]
    assert rule_ids(query(rule=["3", "1", "x", "3"])) == [3, 1]
    assert rule_ids(query()) == [0]


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
