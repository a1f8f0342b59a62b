import json
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from annotations.roles import MANAGERS, group_member
from annotations.services import (
    task_create,
    task_item_done,
    task_next,
    task_preview,
    version_publish,
)
from datasets.models import Version
from frames.sql import analyze_tables
from frames.synthetic import build_version

from ._bench_db import migrate_if_needed

FILTERS = {
    "all frames": [],
    "one label, confidence range": [
        {"mode": "by_label", "rules": [{"labels": ["label3"], "confidence": [0.5, 1.0]}]}
    ],
    "one label, 2-3 instances": [
        {"mode": "by_label", "rules": [{"labels": ["label3"], "count": [2, 3]}]}
    ],
    "empty frames": [{"mode": "empty"}],
    "Lucene rule query": [
        {"mode": "by_label", "rules": [{"query": "label3 AND meta.occluded:false"}]}
    ],
    "frame query and label rule": [
        {"mode": "by_label", "rules": [{"labels": ["label3"]}], "frame_query": "meta.weather:rain"}
    ],
}


def timed(call):
    began = time.perf_counter()
    result = call()
    return result, round((time.perf_counter() - began) * 1000, 1)


def preview_figures(version) -> dict:
    """Each filter of FILTERS previewed three times: the first call, the best warm one, and how
    many frames it matched."""
    figures = {}
    for name, filters in FILTERS.items():
        runs = [
            timed(
                lambda f=filters: task_preview(
                    version=version, filters=f, iteration={}, with_frames=False
                )
            )
            for _ in range(3)
        ]
        figures[name] = {
            "first_ms": runs[0][1],
            "warm_ms": min(ms for _, ms in runs[1:]),
            "matched": runs[0][0].matched,
        }
    return figures


class Command(BaseCommand):
    help = "Time filter previews, task creation and next+done on N synthetic frames; print JSON."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=100_000)
        parser.add_argument(
            "--reuse", type=int, help="reuse this Draft version of synthetic frames"
        )
        parser.add_argument("--claims", type=int, default=200)
        parser.add_argument(
            "--vacuum",
            action="store_true",
            help="VACUUM ANALYZE before measuring, as autovacuum does a minute after a bulk load",
        )

    def handle(self, *args, frames: int, reuse: int | None, claims: int, vacuum: bool, **options):
        migrate_if_needed(self.stderr)
        user = self._manager()
        draft = Version.objects.get(pk=reuse) if reuse else self._build(frames)
        if vacuum:
            analyze_tables(vacuum=True)
        report = {
            "frames": draft.frame_count,
            "version": draft.pk,
            "vacuumed": vacuum,
            "preview_ms": {},
            "create_ms": {},
        }
        report["preview_ms"] = preview_figures(draft)
        task, report["create_ms"]["all frames, sequential (draft)"] = timed(
            lambda: self._task(draft, user, {})
        )
        _, report["create_ms"]["all frames, random"] = timed(
            lambda: self._task(draft, user, {"order": "random", "seed": 42})
        )
        _, report["create_ms"]["one label rule"] = timed(
            lambda: self._task(draft, user, {}, FILTERS["one label, confidence range"])
        )
        report["next_done_ms"] = self._claims(task, user, claims)
        # The tasks above work on the draft; publishing it anyway is what this step measures.
        published = version_publish(version=draft, user=user, force=True)
        _, report["create_ms"]["on Published (fork included)"] = timed(
            lambda: self._task(published, user, {})
        )
        self.stdout.write(json.dumps(report, indent=2))

    def _task(self, version, user, iteration, filters=()):
        return task_create(
            name=f"bench {time.time_ns()}",
            version=version,
            filters=list(filters),
            iteration=iteration,
            user=user,
        )

    def _claims(self, task, user, count: int) -> dict:
        timings = []
        for _ in range(count):
            began = time.perf_counter()
            item = task_next(task=task, user=user)
            task_item_done(task=task, position=item.position, user=user)
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        return {
            "p50": round(statistics.median(timings), 2),
            "p99": round(timings[int(len(timings) * 0.99) - 1], 2),
        }

    def _manager(self) -> User:
        return group_member("bench-manager", MANAGERS)

    def _build(self, frames: int) -> Version:
        draft = build_version(frames, rois=5, name="bench-tasks")
        self.stderr.write(f"built version {draft.pk} with {frames} frames")
        return draft
