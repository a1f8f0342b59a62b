"""Throughput: N annotator clients at once against gunicorn, each looping next → save → done.

Each client is a thread with its own keep-alive connection and its own annotator account, as
N people sharing one task. Prints cycles per second in all, each call's p50/p99 and how many
answers were 5xx (or failed). The clients share this machine's cores with the server; the load
average is printed with the figures.
"""

import gc
import json
import os
import threading
import time

from django.core.management.base import BaseCommand

from annotations.roles import ANNOTATORS, MANAGERS
from frames.synthetic import synthetic_frames

from ._bench_db import migrate_if_needed
from ._http import Client, start_server, stop_server, wait_until_up
from .bench_api import BATCH, bench_token, moved, percentiles

CALLS = ("next", "save", "done")


class Command(BaseCommand):
    help = "N annotator clients looping next → save → done through gunicorn; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--threads", type=int, default=1, help="gunicorn threads a worker")
        parser.add_argument("--frames", type=int, default=10_000)
        parser.add_argument("--rois", type=int, default=5)
        parser.add_argument("--seconds", type=float, default=20)

    def handle(self, *args, clients, workers, threads, frames, rois, seconds, **options):
        migrate_if_needed(self.stderr)
        manager = bench_token("bench-manager", MANAGERS)
        annotators = [bench_token(f"bench-load-{i}", ANNOTATORS) for i in range(clients)]
        server, port = start_server(workers=workers, threads=threads)
        try:
            boss = Client(port, manager)
            wait_until_up(boss, server)
            task = self.prepare(boss, frames, rois)
            gc.collect()
            gc.freeze()
            result = self.load(port, annotators, task, seconds)
        finally:
            stop_server(server)
        result |= {"clients": clients, "workers": workers, "threads": threads, "frames": frames}
        self.stdout.write(json.dumps(result, indent=2))

    def prepare(self, boss: Client, frames: int, rois: int) -> dict:
        dataset, _ = boss.ok("POST", "/api/datasets/", {"name": f"bench-load-{time.time_ns()}"})
        version = dataset["versions"][0]["id"]
        for start in range(0, frames, BATCH):
            batch = synthetic_frames(min(BATCH, frames - start), rois=rois, start=start)
            boss.ok("POST", f"/api/versions/{version}/frames/", json.dumps(list(batch)).encode())
        task, _ = boss.ok("POST", "/api/tasks/", {"name": "load", "version": version})
        return task

    def load(self, port: int, tokens: list[str], task: dict, seconds: float) -> dict:
        timings = {name: [] for name in CALLS}
        failures = {"5xx": 0, "other": 0}
        cycles = [0]
        lock = threading.Lock()
        start = threading.Barrier(len(tokens) + 1)
        deadline = [0.0]

        def annotate(token: str) -> None:
            client = Client(port, token)
            mine = {name: [] for name in CALLS}
            done_cycles, bad = 0, {"5xx": 0, "other": 0}
            start.wait()
            while time.monotonic() < deadline[0]:
                ok = self.cycle(client, task, mine, bad)
                if ok is None:
                    break
                done_cycles += ok
            client.close()
            with lock:
                for name in CALLS:
                    timings[name].extend(mine[name])
                cycles[0] += done_cycles
                for kind in failures:
                    failures[kind] += bad[kind]

        threads = [threading.Thread(target=annotate, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        deadline[0] = time.monotonic() + seconds
        began = time.monotonic()
        start.wait()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        return {
            "load_average_1m": round(os.getloadavg()[0], 2),
            "seconds": round(elapsed, 1),
            "cycles": cycles[0],
            "cycles_per_s": round(cycles[0] / elapsed, 1),
            "failures": failures,
            **{name: percentiles(samples) for name, samples in timings.items() if samples},
        }

    def cycle(self, client: Client, task: dict, timings: dict, bad: dict) -> int | None:
        """One next → save → done; 1 when it completed, 0 when a call failed, None when the
        task has no more items."""
        status, item, elapsed = client.call("POST", f"/api/tasks/{task['id']}/next/")
        if status == 204:
            return None
        if not self.counted(status, bad):
            return 0
        timings["next"].append(elapsed)
        for frame in item["frames"]:
            status, _, elapsed = client.call(
                "PATCH",
                f"/api/versions/{task['version']}/frames/{frame['id']}/",
                {"revision": frame["revision"], "rois": moved(frame["rois"])},
            )
            if not self.counted(status, bad):
                return 0
            timings["save"].append(elapsed)
        status, _, elapsed = client.call(
            "POST", f"/api/tasks/{task['id']}/items/{item['position']}/done/"
        )
        if not self.counted(status, bad):
            return 0
        timings["done"].append(elapsed)
        return 1

    @staticmethod
    def counted(status: int, bad: dict) -> bool:
        if status < 400:
            return True
        bad["5xx" if status >= 500 else "other"] += 1
        return False
