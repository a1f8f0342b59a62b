"""`bench_scale` at a tiny size, as its own process on a fresh database (gunicorn serves it too)."""

import json
from numbers import Number

import pytest

from annotations.management.commands.bench_scale import compared
from annotations.management.commands.bench_tasks import FILTERS

from .fresh_database import fresh_database, manage

pytestmark = pytest.mark.live

TINY = ("--frames", "200", "--other", "500", "--iterations", "5")


def test_bench_scale_prints_every_figure_for_both_databases_and_their_ratios(tmp_path):
    with fresh_database(tmp_path, "bench_scale") as env:
        done = manage(env, "bench_scale", *TINY)

    assert done.returncode == 0, done.stderr
    assert "running migrate before the benchmark" in done.stderr
    report = json.loads(done.stdout)
    a, b = report["a"], report["b"]
    for figures in (a, b):
        assert figures["frames"] == 200
        assert set(figures["preview_ms"]) == set(FILTERS)
        assert all(isinstance(value, Number) for value in compared(figures).values())
        assert figures["saves"] > 0
    # b holds a's version (with a fork that owns re-annotated rows), 300 more frames and its own.
    assert b["database"]["frames"] == 200 + 1 + 300 + 200
    # The same frames and boxes in both: every filter matches as many.
    assert {name: p["matched"] for name, p in a["preview_ms"].items()} == {
        name: p["matched"] for name, p in b["preview_ms"].items()
    }
    assert set(report["ratio_b_to_a"]) == set(compared(a))
    assert all(isinstance(ratio, Number) for ratio in report["ratio_b_to_a"].values())
    assert set(report["over_target"]) <= set(report["ratio_b_to_a"])


def test_phase_b_resumes_from_phase_a_and_its_saved_report(tmp_path):
    baseline = tmp_path / "a.json"
    with fresh_database(tmp_path / "data", "bench_scale_resume") as env:
        first = manage(env, "bench_scale", *TINY, "--phase", "a")
        assert first.returncode == 0, first.stderr
        baseline.write_text(first.stdout)
        version_a = json.loads(first.stdout)["a"]["version"]
        then = manage(
            env, "bench_scale", *TINY, "--phase", "b", "--reuse-a", str(version_a),
            "--baseline", str(baseline),
        )  # fmt: skip

    assert then.returncode == 0, then.stderr
    report = json.loads(then.stdout)
    assert "b" not in json.loads(first.stdout)
    assert report["a"] == json.loads(first.stdout)["a"]
    assert report["b"]["version"] != version_a
    assert set(report["ratio_b_to_a"]) == set(compared(report["a"]))
