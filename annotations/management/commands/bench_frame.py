"""One big frame over HTTP: GET, a full save, and a save naming the one polygon it changes.

gunicorn serves the app; a plain keep-alive client imports a frame of N polygons of V vertices,
then times each call from outside (what an editor waits for). Prints JSON.
"""

import json
import random
import time

from django.core.management.base import BaseCommand

from annotations.roles import MANAGERS

from ._bench_db import migrate_if_needed
from ._http import Client, start_server, stop_server, wait_until_up
from .bench_api import bench_token, percentiles


def polygons(count: int, vertices: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    shapes = []
    for index in range(count):
        cx, cy = rng.uniform(60, 1220), rng.uniform(60, 660)
        points = [
            [round(cx + rng.uniform(-50, 50), 1), round(cy + rng.uniform(-50, 50), 1)]
            for _ in range(vertices)
        ]
        shapes.append(
            {
                "id": f"p{index}",
                "type": "polygon",
                "labels": [f"label{index % 10}"],
                "points": points,
            }
        )
    return shapes


def nudged(polygon: dict, step: int) -> dict:
    """The polygon moved by a pixel, one way or back, as an editor drag would send it."""
    shift = 1 if step % 2 == 0 else -1
    return polygon | {"points": [[x + shift, y] for x, y in polygon["points"]]}


class Command(BaseCommand):
    help = "A frame of N polygons through gunicorn: GET, full PATCH, PATCH of one polygon by id."

    def add_arguments(self, parser):
        parser.add_argument("--polygons", type=int, default=1000)
        parser.add_argument("--vertices", type=int, default=20)
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, polygons: int, vertices: int, runs: int, workers: int, **options):
        migrate_if_needed(self.stderr)
        token = bench_token("bench-manager", MANAGERS)
        server, port = start_server(workers=workers)
        try:
            client = Client(port, token)
            wait_until_up(client, server)
            result = self.run(client, polygons, vertices, runs)
        finally:
            stop_server(server)
        self.stdout.write(json.dumps(result, indent=2))

    def run(self, client: Client, count: int, vertices: int, runs: int) -> dict:
        dataset, _ = client.ok("POST", "/api/datasets/", {"name": f"bench-frame-{time.time_ns()}"})
        version = dataset["versions"][0]["id"]
        shapes = polygons(count, vertices)
        frame = {
            "id": "big",
            "source": {"uri": "https://images.example/big.jpg", "width": 1280, "height": 720},
            "rois": shapes,
        }
        client.ok("POST", f"/api/versions/{version}/frames/", [frame])
        url = f"/api/versions/{version}/frames/big/"
        body, _ = client.ok("GET", url)
        revision = body["revision"]
        timings: dict[str, list[float]] = {"get": [], "patch_full": [], "patch_one_by_id": []}
        for step in range(runs):
            _, elapsed = client.ok("GET", url)
            timings["get"].append(elapsed)
            shapes[0] = nudged(shapes[0], step)
            body, elapsed = client.ok("PATCH", url, {"revision": revision, "rois": shapes})
            timings["patch_full"].append(elapsed)
            revision = body["revision"]
            one = nudged(shapes[count // 2], step)
            body, elapsed = client.ok("PATCH", url, {"revision": revision, "rois_changed": [one]})
            shapes[count // 2] = one
            timings["patch_one_by_id"].append(elapsed)
            revision = body["revision"]
        return {
            "polygons": count,
            "vertices": vertices,
            "runs": runs,
            **{name: percentiles(samples) for name, samples in timings.items()},
        }
