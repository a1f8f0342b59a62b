import pytest
from django.core.exceptions import ValidationError

from annotations.filters import clean_filters
from annotations.services import frame_save, selected_frames, version_publish
from frames.services import version_fork
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["probe per frame", "group by frame"])
def counting(request, monkeypatch):
    """Count rules take one of two plans by version size; both must give the same frames."""
    limit = 10**9 if request.param == "probe per frame" else -1
    monkeypatch.setattr("annotations.filters.PROBE_PER_FRAME_UP_TO", limit)


def keys(version, filters) -> list[str]:
    return sorted(selected_frames(version, clean_filters(filters)).values_list("key", flat=True))


def by_label(*rules, frame_query="") -> dict:
    return {"mode": "by_label", "rules": list(rules), "frame_query": frame_query}


def test_no_filter_selects_every_frame(street_version):
    assert keys(street_version, []) == ["a1", "a2", "a3", "b1", "b2", "b3"]


def test_empty_frames_have_neither_rois_nor_frame_labels(street_version):
    assert keys(street_version, [{"mode": "empty"}]) == ["b2"]


def test_by_label_without_rules_accepts_every_frame(street_version):
    assert len(keys(street_version, [by_label()])) == 6


def test_a_rule_needs_at_least_one_instance_by_default(street_version):
    assert keys(street_version, [by_label({"labels": ["car"]})]) == ["a1", "a2", "a3"]


def test_confidence_bounds_are_inclusive(street_version):
    assert keys(street_version, [by_label({"labels": ["car"], "confidence": [0.6, 0.9]})]) == [
        "a1",
        "a2",
    ]
    assert keys(street_version, [by_label({"labels": ["car"], "confidence": [0.61, 0.89]})]) == []


def test_count_range_counts_matching_instances(street_version):
    assert keys(street_version, [by_label({"labels": ["car"], "count": [2, 2]})]) == ["a2"]
    assert keys(street_version, [by_label({"labels": ["car"], "count": [2, None]})]) == ["a2"]


def test_count_applies_after_the_confidence_range(street_version):
    rule = {"labels": ["car"], "confidence": [0.5, 1], "count": [2, None]}
    assert keys(street_version, [by_label(rule)]) == []


def test_a_minimum_of_zero_means_at_most(street_version):
    assert keys(street_version, [by_label({"labels": ["car"], "count": [0, 1]})]) == [
        "a1",
        "a3",
        "b1",
        "b2",
        "b3",
    ]


def test_exclude_rule_holds_when_no_annotation_matches(street_version):
    assert keys(street_version, [by_label({"labels": ["car"], "exclude": True})]) == [
        "b1",
        "b2",
        "b3",
    ]


def test_several_labels_in_one_rule_must_sit_on_one_annotation(street_version):
    assert keys(street_version, [by_label({"labels": ["car", "occluded"]})]) == ["a3"]
    assert keys(street_version, [by_label({"labels": ["car", "bus"]})]) == []


def test_rules_of_a_filter_all_hold_and_may_be_met_by_different_annotations(street_version):
    assert keys(street_version, [by_label({"labels": ["car"]}, {"labels": ["bus"]})]) == ["a2"]


def test_filters_or_together(street_version):
    filters = [by_label({"labels": ["bus"]}), {"mode": "empty"}]
    assert keys(street_version, filters) == ["a2", "b2"]


def test_frame_labels_count_as_annotations(street_version):
    assert keys(street_version, [by_label({"labels": ["night"]})]) == ["b1"]


def test_rule_query_narrows_the_counted_annotations(street_version):
    rule = {"labels": ["car"], "query": "meta.occluded:true"}
    assert keys(street_version, [by_label(rule)]) == ["a3"]


def test_rule_with_only_a_query_counts_matching_annotations(street_version):
    assert keys(street_version, [by_label({"query": "type:frame"})]) == ["b1"]


def test_frame_query_applies_to_the_frame(street_version):
    assert keys(street_version, [{"mode": "all", "frame_query": "meta.weather:rain"}]) == ["b2"]
    assert keys(
        street_version, [by_label({"labels": ["person"]}, frame_query="context_id:cam2")]
    ) == ["b3"]


def test_a_frame_with_only_a_frame_label_is_not_empty(street_version):
    assert "b1" not in keys(street_version, [{"mode": "empty"}])


@pytest.mark.parametrize(
    ("filters", "field", "code"),
    [
        ([{"mode": "all", "rules": [{"labels": ["car"]}]}], "filters[0].rules", "invalid_filters"),
        ([{"mode": "some"}], "filters[0].mode", "invalid_filters"),
        (
            [by_label({"labels": ["car"], "confidence": [0.9, 0.1]})],
            "filters[0].rules[0].confidence",
            "invalid_filters",
        ),
        (
            [by_label({"labels": ["car"], "confidence": [0, 2]})],
            "filters[0].rules[0].confidence",
            "invalid_filters",
        ),
        (
            [by_label({"labels": ["car"], "count": [-1, 2]})],
            "filters[0].rules[0].count",
            "invalid_filters",
        ),
        ([by_label({"query": "label:(car"})], "filters[0].rules[0].query", "invalid_query"),
        ([{"mode": "all", "frame_query": "colour:red"}], "filters[0].frame_query", "invalid_query"),
        ("car", "filters", "invalid_filters"),
    ],
)
def test_bad_filters_name_the_field(filters, field, code):
    with pytest.raises(ValidationError) as error:
        clean_filters(filters)
    assert field in error.value.error_dict
    assert error.value.error_dict[field][0].code == code


def test_a_broken_query_error_names_the_position():
    with pytest.raises(ValidationError) as error:
        clean_filters([by_label({"query": "label:car AND"})])
    assert "position" in error.value.messages[0]


def test_label_rules_see_the_rows_of_every_ancestor_and_none_of_other_lines(manager):
    """Label rows are read for the version's lineage: rows its ancestors wrote count, rows a
    sibling fork or another dataset wrote (same keys, same labels) never do."""
    root = VersionFactory(
        frames=[frame_data("a", rois=[box("car")]), frame_data("b"), frame_data("c")],
        published=True,
    )
    child = version_fork(version=root, name="child")
    save = {"user": manager, "revision": 1}
    frame_save(version=child, key="b", rois=[box("car"), box("car")], **save)
    version_publish(version=child, user=manager)
    grandchild = version_fork(version=child, name="grandchild")
    sibling = version_fork(version=root, name="sibling")
    frame_save(version=sibling, key="c", rois=[box("car")], **save)
    VersionFactory(frames=[frame_data("c", rois=[box("car")])])  # another dataset
    car = {"labels": ["car"]}
    assert keys(grandchild, [by_label(car)]) == ["a", "b"]
    assert keys(grandchild, [by_label(car | {"count": [2, 2]})]) == ["b"]
    assert keys(grandchild, [by_label(car | {"count": [0, 1]})]) == ["a", "c"]
    assert keys(grandchild, [by_label(car | {"exclude": True})]) == ["c"]
    assert keys(root, [by_label(car)]) == ["a"]
    assert keys(sibling, [by_label(car)]) == ["a", "c"]
    assert keys(grandchild, [{"mode": "empty"}]) == ["c"]
    assert keys(sibling, [{"mode": "empty"}]) == ["b"]
    assert keys(child, [{"mode": "empty"}]) == ["c"]
