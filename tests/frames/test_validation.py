"""Per-frame bounds in `frames.validation`: each refusal names the field and has a code."""

import math

import pytest

from frames import validation
from frames.validation import FieldError, clean_annotations, clean_frame, clean_meta, short
from tests.frames.factories import box, frame_data


def refusal(data) -> FieldError:
    with pytest.raises(FieldError) as caught:
        clean_frame(data)
    return caught.value


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_a_frame_at_every_bound_is_accepted():
    labels = [f"l{index}" for index in range(validation.MAX_LABELS)]
    rois = [box(labels[0])] * (validation.MAX_ANNOTATIONS - 2) + [
        box(labels),
        {
            "type": "polygon",
            "labels": ["x" * validation.MAX_LABEL_LENGTH],
            "points": [[1, 1], [2, 1], [2, 2]] * (validation.MAX_POINTS // 3),
        },
    ]
    frame = frame_data("k" * 255, rois=rois, meta=nested(validation.MAX_META_DEPTH))
    frame["timestamp"] = 2**63 - 1
    frame["source"]["width"] = 2**31 - 1
    assert len(clean_frame(frame)["annotations"]) == validation.MAX_ANNOTATIONS


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda f: f.update(id="a\x00"), "id", "nul_character"),
        (lambda f: f.update(id="k" * 256), "id", "too_long"),
        (lambda f: f.update(context_id="cam\x00"), "context_id", "nul_character"),
        (lambda f: f["source"].update(uri="https://x/\x00"), "source.uri", "nul_character"),
        (lambda f: f["source"].update(uri="https://x/" + "a" * 2048), "source.uri", "too_long"),
        (lambda f: f.update(timestamp=2**63), "timestamp", "out_of_range"),
        (lambda f: f.update(timestamp=-(2**63) - 1), "timestamp", "out_of_range"),
        (lambda f: f.update(timestamp=10**4400), "timestamp", "out_of_range"),
        (lambda f: f["source"].update(width=2**31), "source.width", "out_of_range"),
        (lambda f: f["source"].update(height=0), "source.height", "out_of_range"),
        (lambda f: f.update(meta={"k\x00": 1}), "meta.k\\u0000", "nul_character"),
        (lambda f: f.update(meta={"a": [{"b": "\x00"}]}), "meta.a[0].b", "nul_character"),
        (lambda f: f.update(meta={"blob": "x" * 70_000}), "meta", "meta_too_large"),
        (lambda f: f.update(meta=nested(validation.MAX_META_DEPTH + 1)), "meta", "meta_too_deep"),
        (lambda f: f.update(meta={"n": 2**70}), "meta", "invalid"),
        (lambda f: f.update(rois=[box("car")] * 5001), "rois", "too_many_annotations"),
        (lambda f: f.update(rois=[box(["a"] * 51)]), "rois[0].labels", "too_many_labels"),
        (lambda f: f.update(rois=[box("x" * 256)]), "rois[0].labels[0]", "too_long"),
        (lambda f: f.update(rois=[box("c\x00")]), "rois[0].labels[0]", "nul_character"),
        (lambda f: f.update(rois=[box("car", id="\x00")]), "rois[0].id", "nul_character"),
        (lambda f: f.update(rois=[box("car", meta={"x": "\x00"})]), "rois[0].meta.x", "nul_character"),
        (lambda f: f.update(frame_labels=[{"labels": ["n\x00"]}]), "frame_labels[0].labels[0]", "nul_character"),
    ],
)  # fmt: skip
def test_a_value_beyond_its_bound_is_refused_naming_the_field(change, field, code):
    frame = frame_data("a")
    change(frame)
    error = refusal(frame)
    assert (error.field, error.code) == (field, code)


def test_too_many_points_is_refused_before_any_point_is_read():
    points = [[1, 1]] * validation.MAX_POINTS + ["not a point"]
    error = refusal(
        frame_data("a", rois=[{"type": "keypoints", "labels": ["p"], "points": points}])
    )
    assert (error.field, error.code) == ("rois[0].points", "too_many_points")
    assert "10,000" in error.message


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_coordinates_must_be_finite(value):
    error = refusal(frame_data("a", rois=[box("car") | {"points": [[1, 1], [value, 2]]}]))
    assert error.field == "rois[0].points[1]"


def test_a_4400_digit_coordinate_is_refused_without_printing_it():
    error = refusal(frame_data("a", rois=[box("car") | {"points": [[1, 1], [10**4400, 2]]}]))
    assert error.field == "rois[0].points[1]"
    assert "4,401 digits" in error.message


def test_annotations_are_counted_over_rois_and_frame_labels():
    with pytest.raises(FieldError) as caught:
        clean_annotations(
            [box("car")] * 4000,
            [{"labels": ["x"]}] * 1001,
            sizes={"default": (640, 480)},
            prefix="p.",
        )
    assert (caught.value.field, caught.value.code) == ("p.rois", "too_many_annotations")


def test_meta_that_is_flat_or_empty_passes_as_is():
    meta = {"weather": "rain", "speed": 20, "ok": True, "none": None}
    assert clean_meta(meta, "meta") is meta
    assert clean_meta(None, "meta") == {}


def test_a_literal_backslash_u0000_in_meta_is_not_nul():
    assert clean_meta({"note": "\\u0000"}, "meta") == {"note": "\\u0000"}


def test_short_keeps_messages_short():
    assert short("x" * 10) == repr("x" * 10)
    assert short("x" * 1000).endswith("(1,002 characters)")
    assert short(-(10**50)) == "a number of about 51 digits"
