"""Issue 14's figures at scale: one version measured alone (a), then among other frames (b).

Phase a imports a version of `--frames` frames (5 boxes a frame, 10 labels) into the database
through the bulk import service, as a user's import makes it: no ANALYZE or VACUUM by hand, but
the table upkeep the imports queue (VACUUM ANALYZE of the tables they grew) run by a worker
process as `make run`'s worker runs it, timed; `--vacuum` instead runs VACUUM ANALYZE itself. Then it measures, in this order:

- the live count (`task_preview`) of every filter of `bench_tasks`, first call and warm;
- over HTTP, from an outside client (gunicorn, one keep-alive connection, a token, JSON): the
  version's labels, then a task on it and `iterations` rounds of `next`, a PATCH adding one box
  to each frame of five boxes, `done`; then pages of 100 frames with their ROIs;
- in-process: the version published, forked, and a task created on it (which forks it again).

Phase b makes that version one of the others: its fork gets some frames re-annotated through the
save service (so the fork owns rows), a second dataset gets the rest of `--other` frames, and then
the same version (the same keys and boxes) is imported into a third dataset and measured as in
phase a. The report gives each figure for a and b, and the ratio b/a (target: at most 1.3).

A long run resumes by phases: `--phase a`, then `--phase b --reuse-a ID --baseline a.json`.
"""

import gc
import json
import os
import time

from django.core.management.base import BaseCommand, CommandError

from annotations.roles import ANNOTATORS, MANAGERS, group_member
from annotations.services import frame_save, task_create, task_preview, version_publish
from datasets.models import Version
from datasets.services import dataset_create
from frames.models import Frame, VersionFrame
from frames.services import frames_bulk_create, version_fork
from frames.sql import analyze_tables
from frames.synthetic import synthetic_frames

from ._bench_db import migrate_if_needed, run_queued_jobs
from ._http import Client, start_server, stop_server, wait_until_up
from .bench_api import bench_token, percentiles
from .bench_tasks import FILTERS, preview_figures

ROIS = 5
BATCH = 20_000  # as `build_version`: a batch a transaction
TARGET_RATIO = 1.3
NOISE_MS = 2.0  # two figures both under this: their ratio is noise, so it is not judged
LABEL_READS = 5  # after the first: the median of these
PAGE_READS = 30
PAGE_SIZE = 100
RESAVE_EVERY = 200  # phase b re-annotates this share of the fork's frames: 5,000 of 1M
NEW_BOX = {
    "type": "box",
    "labels": ["label3"],
    "points": [[10, 10], [60, 50]],
    "confidence": 0.9,
    "meta": {"occluded": False},
}


class Command(BaseCommand):
    help = (
        "Issue 14's scale figures for a version alone (a) and among other frames (b), "
        "with the ratios b/a; prints JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=1_000_000, help="the measured version")
        parser.add_argument(
            "--other",
            type=int,
            default=2_000_000,
            help="frames around it in b, phase a's version included (so at least --frames)",
        )
        parser.add_argument("--phase", choices=["all", "a", "b"], default="all")
        parser.add_argument(
            "--reuse-a",
            type=int,
            dest="reuse_a",
            help="phase a: measure this Draft instead of importing one; "
            "phase b: the version phase a measured",
        )
        parser.add_argument(
            "--reuse-b",
            type=int,
            dest="reuse_b",
            help="phase b: measure this Draft (an earlier phase b built it); nothing is built",
        )
        parser.add_argument(
            "--baseline", help="phase b: a file holding phase a's output, for the ratios"
        )
        parser.add_argument("--iterations", type=int, default=200, help="next/PATCH/done rounds")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument(
            "--vacuum",
            action="store_true",
            help="VACUUM ANALYZE after each phase's build, as autovacuum does a minute later",
        )

    def handle(self, *args, **options):
        self.options = options
        frames, other, phase = options["frames"], options["other"], options["phase"]
        if frames < 1 or other < frames:
            raise CommandError(
                f"--other ({other:,}) must be at least --frames ({frames:,}), and --frames at "
                "least 1: phase b's other frames include the version phase a measured."
            )
        if phase == "b" and not (options["reuse_a"] or options["reuse_b"]):
            raise CommandError(
                "--phase b needs --reuse-a ID (the version phase a measured; its id is in phase "
                "a's output), or --reuse-b ID."
            )
        baseline = self._baseline(options["baseline"]) if options["baseline"] else None
        migrate_if_needed(self.stderr)
        self.manager = group_member("bench-manager", MANAGERS)
        self.tokens = (
            bench_token("bench-manager", MANAGERS),
            bench_token("bench-annotator", ANNOTATORS),
        )
        report = {
            "frames": frames,
            "other": other,
            "rois_per_frame": ROIS,
            "vacuumed": options["vacuum"],
            "iterations": options["iterations"],
            "gunicorn_workers": options["workers"],
        }
        if phase in ("all", "a"):
            report["a"] = self._phase_a()
        elif baseline:
            report["a"] = baseline
        if phase in ("all", "b"):
            version_a = report["a"]["version"] if phase == "all" else options["reuse_a"]
            report["b"] = self._phase_b(version_a)
        if "a" in report and "b" in report:
            report |= ratios(report["a"], report["b"])
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))

    def _baseline(self, path: str) -> dict:
        try:
            with open(path, encoding="utf-8") as file:
                return json.load(file)["a"]
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"--baseline {path}: no phase a figures there ({error}).") from None

    # Phases

    def _phase_a(self) -> dict:
        if self.options["reuse_a"]:
            version, build = self._draft(self.options["reuse_a"]), {"reused": True}
        else:
            version, build = self._import("bench-scale-a", self.options["frames"], start=0)
        return self._measure(version, build)

    def _phase_b(self, version_a: int | None) -> dict:
        if self.options["reuse_b"]:
            return self._measure(self._draft(self.options["reuse_b"]), {"reused": True})
        frames = self.options["frames"]
        build = {"fork_saves": self._fork_with_saves(Version.objects.get(pk=version_a))}
        rest = self.options["other"] - frames
        if rest:
            _, build["other_dataset"] = self._import("bench-scale-other", rest, start=frames)
        version, build["version"] = self._import("bench-scale-b", frames, start=0)
        build["seconds"] = round(sum(part["seconds"] for part in build.values()), 1)
        return self._measure(version, build)

    def _draft(self, pk: int) -> Version:
        version = Version.objects.filter(pk=pk).first()
        if version is None or not version.is_draft:
            raise CommandError(f"Version {pk} is not a Draft here; build a new one (no --reuse).")
        return version

    # Building

    def _import(self, name: str, frames: int, *, start: int) -> tuple[Version, dict]:
        """A new dataset whose Draft gets `frames` synthetic frames, keys from `start` on."""
        self.stderr.write(f"Importing {frames:,} frames ({name})…")
        version = dataset_create(name=f"{name}-{time.time_ns()}").versions.get()
        began = time.perf_counter()
        for offset in range(0, frames, BATCH):
            count = min(BATCH, frames - offset)
            batch = list(synthetic_frames(count, rois=ROIS, start=start + offset))
            frames_bulk_create(version=version, frames=batch)
        seconds = time.perf_counter() - began
        version.refresh_from_db()
        return version, {"seconds": round(seconds, 1), "frames_per_s": round(frames / seconds)}

    def _fork_with_saves(self, version: Version) -> dict:
        """Phase a's version, Published and forked (as phase a leaves it), with every
        RESAVE_EVERY-th frame of the fork re-annotated through the save service: the fork owns
        those rows."""
        began = time.perf_counter()
        if version.is_draft:  # phase a stopped before it published
            version = version_publish(version=version, user=self.manager, force=True)
        fork = version.children.order_by("pk").first() or version_fork(
            version=version, name=f"fork-{time.time_ns()}", user=self.manager
        )
        keys = [f"f{index:08d}" for index in range(0, version.frame_count, RESAVE_EVERY)]
        self.stderr.write(f"Re-annotating {len(keys):,} frames of fork {fork.pk}…")
        revisions = dict(
            VersionFrame.objects.of(fork).under_keys(keys).values_list("key", "frame__revision")
        )
        boxes = synthetic_frames(len(keys), rois=ROIS, seed=1, empty_share=0)
        for key, new in zip(keys, boxes, strict=True):
            frame_save(
                version=fork, key=key, revision=revisions[key], user=self.manager, rois=new["rois"]
            )
        return {"frames_saved": len(keys), "seconds": round(time.perf_counter() - began, 1)}

    # Measuring

    def _measure(self, version: Version, build: dict) -> dict:
        if self.options["vacuum"]:
            analyze_tables(vacuum=True)
        else:  # the upkeep the imports queued, as the app's worker runs it after a load
            build["queued_jobs_seconds"] = run_queued_jobs(self.stderr)
        self.stderr.write(f"Measuring version {version.pk} ({version.frame_count:,} frames)…")
        figures = {
            "version": version.pk,
            "frames": version.frame_count,
            "build": build,
            # Other work on the machine skews every figure; the load average says how much.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "preview_ms": self._previews(version),
            **self._over_http(version),
        }
        figures["publish_ms"] = timed(
            lambda: version_publish(version=version, user=self.manager, force=True)
        )[1]
        version.refresh_from_db()
        figures["fork_ms"] = timed(
            lambda: version_fork(version=version, name=f"fork-{time.time_ns()}", user=self.manager)
        )[1]
        figures["task_create_ms"] = timed(
            lambda: task_create(
                name=f"bench-scale {time.time_ns()}",
                version=version,
                filters=[],
                iteration={},
                user=self.manager,
            )
        )[1]
        # Counted last: a count reads whole tables, which would warm the caches for the figures.
        figures["database"] = {
            "frames": Frame.objects.count(),
            "memberships": VersionFrame.objects.count(),
            "versions": Version.objects.count(),
        }
        return figures

    def _previews(self, version: Version) -> dict:
        # Each filter once on an empty version first: the first call in a process imports and
        # builds (the Lucene parser, say), which phase b would otherwise not pay again.
        empty = dataset_create(name=f"bench-scale-empty-{time.time_ns()}").versions.get()
        for filters in FILTERS.values():
            task_preview(version=empty, filters=filters, iteration={}, with_frames=False)
        return preview_figures(version)

    def _over_http(self, version: Version) -> dict:
        server, port = start_server(workers=self.options["workers"])
        boss, worker = (Client(port, token) for token in self.tokens)
        try:
            wait_until_up(boss, server)
            for _ in range(2 * self.options["workers"]):  # every worker has served a request
                boss.ok("GET", f"/api/versions/{version.pk}/")
            labels = [
                boss.ok("GET", f"/api/versions/{version.pk}/labels/")[1]
                for _ in range(1 + LABEL_READS)
            ]
            task, _ = boss.ok(
                "POST",
                "/api/tasks/",
                {"name": f"bench-scale {time.time_ns()}", "version": version.pk},
            )
            gc.collect()  # the client's own collection is not the server's latency
            timings = self._work(worker, task)
            pages = -(-version.frame_count // PAGE_SIZE)
            timings["page_of_100"] = [
                worker.ok(
                    "GET",
                    f"/api/versions/{version.pk}/frames/?page_size={PAGE_SIZE}&page={1 + n % pages}",
                )[1]
                for n in range(PAGE_READS)
            ]
        finally:
            boss.close()
            worker.close()
            stop_server(server)
        return {
            "labels_ms": {"first": round(labels[0], 2), "p50": percentiles(labels[1:])["p50_ms"]},
            "saves": len(timings["save"]),
            **{f"{name}_ms": _short(samples) for name, samples in timings.items()},
        }

    def _work(self, worker: Client, task: dict) -> dict[str, list[float]]:
        timings: dict[str, list[float]] = {"next": [], "save": [], "done": []}
        for _ in range(self.options["iterations"]):
            status, item, elapsed = worker.call("POST", f"/api/tasks/{task['id']}/next/")
            if status == 204:
                break
            timings["next"].append(elapsed)
            for frame in item["frames"]:
                if len(frame["rois"]) != ROIS:
                    continue  # an empty frame: the figure is a box added to five
                _, elapsed = worker.ok(
                    "PATCH",
                    f"/api/versions/{task['version']}/frames/{frame['id']}/",
                    {"revision": frame["revision"], "rois": [*frame["rois"], NEW_BOX]},
                )
                timings["save"].append(elapsed)
            _, elapsed = worker.ok(
                "POST", f"/api/tasks/{task['id']}/items/{item['position']}/done/"
            )
            timings["done"].append(elapsed)
        return timings


def timed(call) -> tuple[object, float]:
    """The call's result and its milliseconds (to 0.01: tiny runs take well under 1 ms)."""
    began = time.perf_counter()
    result = call()
    return result, round((time.perf_counter() - began) * 1000, 2)


def _short(samples: list[float]) -> dict:
    """{"p50", "p99"}; None each when there is no sample (a tiny run may save no frame)."""
    if not samples:
        return {"p50": None, "p99": None}
    return {name.removesuffix("_ms"): value for name, value in percentiles(samples).items()}


# The figures compared between a and b: a path into a phase's report, one per line of the ratios.
def compared(figures: dict) -> dict[str, float]:
    flat = {}
    for name, preview in figures["preview_ms"].items():
        flat[f"preview, {name}, first"] = preview["first_ms"]
        flat[f"preview, {name}, warm"] = preview["warm_ms"]
    flat["labels, first"] = figures["labels_ms"]["first"]
    flat["labels, p50"] = figures["labels_ms"]["p50"]
    flat["next, p50"] = figures["next_ms"]["p50"]
    flat["save (one box added to five), p50"] = figures["save_ms"]["p50"]
    flat["save (one box added to five), p99"] = figures["save_ms"]["p99"]
    flat["page of 100 frames, p50"] = figures["page_of_100_ms"]["p50"]
    flat["fork"] = figures["fork_ms"]
    flat["task creation on Published"] = figures["task_create_ms"]
    return flat


def ratios(a: dict, b: dict) -> dict:
    """b/a for each compared figure, and those above the target (unless both are noise)."""
    before, after = compared(a), compared(b)
    by_name = {
        name: round(after[name] / before[name], 2) if before[name] and after[name] else None
        for name in before
    }
    over = [
        name
        for name, ratio in by_name.items()
        if ratio and ratio > TARGET_RATIO and max(before[name], after[name]) >= NOISE_MS
    ]
    return {
        "ratio_b_to_a": by_name,
        "target_ratio": TARGET_RATIO,
        "over_target": over,
        "not_judged_below_ms": NOISE_MS,
    }
