"""The SQL filter against a plain-Python reading of the same filter, on random small datasets."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.filters import clean_filters
from annotations.services import selected_frames
from datasets.models import Dataset
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

LABELS = ["car", "bus", "person"]

annotation = st.fixed_dictionaries(
    {
        "labels": st.lists(st.sampled_from(LABELS), min_size=1, max_size=2, unique=True),
        "confidence": st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
        "is_frame_label": st.booleans(),
    }
)
frames = st.lists(st.lists(annotation, max_size=4), min_size=1, max_size=6)
bound = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
rule = st.fixed_dictionaries(
    {
        "labels": st.lists(st.sampled_from(LABELS), max_size=2, unique=True),
        "confidence": st.sampled_from([[0, 1], [0.25, 0.75], [0.5, 0.5], [0.75, 1]]),
        "count": st.tuples(st.integers(min_value=0, max_value=2), bound).map(
            lambda pair: [pair[0], None if pair[1] is None else pair[0] + pair[1]]
        ),
        "exclude": st.booleans(),
    }
)
a_filter = st.one_of(
    st.just({"mode": "all"}),
    st.just({"mode": "empty"}),
    st.fixed_dictionaries({"mode": st.just("by_label"), "rules": st.lists(rule, max_size=2)}),
)


def python_rule_holds(annotations, rule) -> bool:
    low, high = rule["confidence"]
    count = sum(
        1
        for a in annotations
        if set(rule["labels"]) <= set(a["labels"]) and low <= a["confidence"] <= high
    )
    if rule["exclude"]:
        return count == 0
    minimum, maximum = rule["count"]
    return count >= minimum and (maximum is None or count <= maximum)


def python_filter_holds(annotations, item) -> bool:
    if item["mode"] == "empty":
        return not annotations
    return all(python_rule_holds(annotations, rule) for rule in item.get("rules", []))


def python_select(dataset, filters) -> set[str]:
    return {
        f"k{index}"
        for index, annotations in enumerate(dataset)
        if not filters or any(python_filter_holds(annotations, item) for item in filters)
    }


def build(dataset):
    Dataset.objects.all().delete()
    return VersionFactory(
        frames=[
            frame_data(
                f"k{index}",
                rois=[
                    box(a["labels"], confidence=a["confidence"])
                    for a in annotations
                    if not a["is_frame_label"]
                ],
                frame_labels=[
                    {"labels": a["labels"], "confidence": a["confidence"]}
                    for a in annotations
                    if a["is_frame_label"]
                ],
            )
            for index, annotations in enumerate(dataset)
        ]
    )


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dataset=frames, filters=st.lists(a_filter, max_size=2))
def test_sql_filter_matches_the_python_reading(dataset, filters):
    version = build(dataset)
    got = set(selected_frames(version, clean_filters(filters)).values_list("key", flat=True))
    assert got == python_select(dataset, filters)
