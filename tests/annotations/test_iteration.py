import random

import pytest
from django.core.exceptions import ValidationError

from annotations.iteration import Iteration, clean_iteration, items_from, limited, sequential_keys
from frames.models import VersionFrame
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data

pytestmark = pytest.mark.django_db


def test_sequential_order_is_context_then_timestamp_then_key():
    version = VersionFactory(
        frames=[
            frame_data("z", context_id="b", timestamp=5),
            frame_data("y", context_id="a", timestamp=10),
            frame_data("x", context_id="a", timestamp=10),
            frame_data("w", context_id="a", timestamp=2),
        ]
    )
    assert [key for _, key in sequential_keys(VersionFrame.objects.of(version))] == [
        "w",
        "x",
        "y",
        "z",
    ]


def test_sequential_order_compares_strings_by_code_point():
    version = VersionFactory(
        frames=[
            frame_data("k1", context_id="b"),
            frame_data("k2", context_id="B"),
            frame_data("k3", context_id="a"),
            frame_data("k4", context_id="é"),
        ]
    )
    contexts = [context for context, _ in sequential_keys(VersionFrame.objects.of(version))]
    assert contexts == sorted(contexts) == ["B", "a", "b", "é"]


ROWS = [("cam1", "a1"), ("cam1", "a2"), ("cam1", "a3"), ("cam2", "b1"), ("cam2", "b2")]


def test_each_frame_once_keeps_every_frame():
    assert items_from(ROWS, Iteration()) == [["a1"], ["a2"], ["a3"], ["b1"], ["b2"]]


def test_clips_never_cross_contexts_and_keep_a_short_last_clip():
    assert items_from(ROWS, Iteration(clip_length=2)) == [["a1", "a2"], ["a3"], ["b1", "b2"]]


@pytest.mark.parametrize("clip_length", [0, 1])
def test_clip_length_zero_or_one_means_frame_by_frame(clip_length):
    assert len(items_from(ROWS, Iteration(clip_length=clip_length))) == 5


def test_random_order_is_python_shuffle_of_the_sequential_items():
    expected = [["a1", "a2"], ["a3"], ["b1", "b2"]]
    random.Random(7).shuffle(expected)
    assert items_from(ROWS, Iteration(order="random", seed=7, clip_length=2)) == expected


def test_the_same_seed_gives_the_same_stream():
    one = items_from(ROWS, Iteration(order="random", seed=99))
    assert one == items_from(ROWS, Iteration(order="random", seed=99))
    assert sorted(one) == [[key] for _, key in ROWS]


def test_limit_counts_frames_and_cuts_the_last_clip():
    assert limited([["a", "b"], ["c", "d"], ["e"]], 3) == [["a", "b"], ["c"]]
    assert limited([["a"], ["b"]], 10) == [["a"], ["b"]]


def test_random_order_without_seed_gets_a_generated_one():
    iteration = clean_iteration({"order": "random"})
    assert 0 <= iteration.seed <= 2**32 - 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"order": "shuffled"}, "iteration.order"),
        ({"order": "random", "seed": -1}, "iteration.seed"),
        ({"order": "random", "seed": 2**32}, "iteration.seed"),
        ({"limit": 0}, "iteration.limit"),
        ({"clip_length": -2}, "iteration.clip_length"),
        ({"limit": "ten"}, "iteration.limit"),
    ],
)
def test_bad_iteration_settings_name_the_field(data, field):
    with pytest.raises(ValidationError) as error:
        clean_iteration(data)
    assert field in error.value.error_dict
