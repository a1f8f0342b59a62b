"""Workload W1 over HTTP: gunicorn serves the app; a client imports frames, then works a task.

Everything goes through the REST API as a client would see it: the bulk import in batches of
10,000, a task over the version, then `iterations` rounds of next, PATCH of the frame, done. The
database is the one `DATABASE_URL` names; the server runs with DEBUG off.
"""

import gc
import json
import os
import statistics
import time

from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from annotations.roles import ANNOTATORS, MANAGERS, group_member
from frames.sql import analyze_tables
from frames.synthetic import synthetic_frames

from ._bench_db import migrate_if_needed
from ._http import Client, start_server, stop_server, wait_until_up

BATCH = 10_000


def bench_token(username: str, group: str) -> str:
    return Token.objects.get_or_create(user=group_member(username, group))[0].key


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2)}


def moved(rois: list[dict]) -> list[dict]:
    """The frame's ROIs with the first box nudged one pixel, as an editor save would send."""
    rois = [dict(roi) for roi in rois]
    if rois:
        (x0, y0), (x1, y1) = rois[0]["points"]
        shift = 1 if x0 < 1 else -1
        rois[0]["points"] = [[x0 + shift, y0], [x1 + shift, y1]]
    return rois


class Command(BaseCommand):
    help = "Workload W1 through gunicorn: bulk import, then next / PATCH / done; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=10_000)
        parser.add_argument("--rois", type=int, default=5)
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--vacuum",
            action="store_true",
            help="VACUUM ANALYZE after the import, as autovacuum does a minute later",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the version first, so the task forks it and saves copy-on-write.",
        )

    def handle(self, *args, frames, rois, iterations, workers, publish, vacuum, **options):
        migrate_if_needed(self.stderr)
        manager = bench_token("bench-manager", MANAGERS)
        annotator = bench_token("bench-annotator", ANNOTATORS)
        server, port = start_server(workers=workers)
        try:
            boss, worker = Client(port, manager), Client(port, annotator)
            wait_until_up(boss, server)
            result = self.run(boss, worker, frames, rois, iterations, publish, vacuum)
        finally:
            stop_server(server)
        self.stdout.write(json.dumps(result, indent=2))

    def run(self, boss: Client, worker: Client, frames, rois, iterations, publish, vacuum) -> dict:
        dataset, _ = boss.ok("POST", "/api/datasets/", {"name": f"bench-api-{time.time_ns()}"})
        version = dataset["versions"][0]["id"]
        seconds = 0.0
        for start in range(0, frames, BATCH):
            batch = list(
                synthetic_frames(min(BATCH, frames - start), rois=rois, start=start, empty_share=0)
            )
            body = json.dumps(batch).encode()
            _, elapsed = boss.ok("POST", f"/api/versions/{version}/frames/", body)
            seconds += elapsed / 1000
        if vacuum:  # else as a user has it: only the ANALYZE the import itself runs
            analyze_tables(vacuum=True)
        if publish:
            boss.ok("POST", f"/api/versions/{version}/publish/", {})
        task, create_ms = boss.ok("POST", "/api/tasks/", {"name": "W1", "version": version})
        # The client's own garbage collection is not the server's latency.
        del batch, body
        gc.collect()
        gc.freeze()
        timings = self.work(worker, task, iterations)
        reads = {
            "frame_page_of_50": f"/api/versions/{task['version']}/frames/?page=3",
            "labels": f"/api/versions/{task['version']}/labels/",
        }
        for name, path in reads.items():
            timings[name] = [worker.ok("GET", path)[1] for _ in range(5)]
        return {
            # Other work on the machine skews every figure; the load average says how much.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "frames": frames,
            "rois_per_frame": rois,
            "published_and_forked": publish,
            "vacuumed": vacuum,
            "import_frames_per_s": round(frames / seconds),
            "import_seconds": round(seconds, 2),
            "task_create_ms": round(create_ms, 1),
            "iterations": len(timings["next"]),
            **{name: percentiles(samples) for name, samples in timings.items()},
        }

    def work(self, worker: Client, task: dict, iterations: int) -> dict[str, list[float]]:
        timings: dict[str, list[float]] = {"next": [], "save": [], "done": []}
        for _ in range(iterations):
            status, item, elapsed = worker.call("POST", f"/api/tasks/{task['id']}/next/")
            if status == 204:
                break
            timings["next"].append(elapsed)
            for frame in item["frames"]:
                _, elapsed = worker.ok(
                    "PATCH",
                    f"/api/versions/{task['version']}/frames/{frame['id']}/",
                    {"revision": frame["revision"], "rois": moved(frame["rois"])},
                )
                timings["save"].append(elapsed)
            _, elapsed = worker.ok(
                "POST", f"/api/tasks/{task['id']}/items/{item['position']}/done/"
            )
            timings["done"].append(elapsed)
        return timings
