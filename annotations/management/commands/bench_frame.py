"""One big frame over HTTP: GET, a full save, and a save naming the one shape it changes.

gunicorn serves the app; a plain keep-alive client imports a full-HD frame of N polygons of V
vertices and M masks, then times each call from outside (what an editor waits for). Prints JSON.
"""

import json
import random
import time

import numpy as np
from django.core.management.base import BaseCommand

from annotations.roles import MANAGERS
from frames.masks import decode, encode

from ._bench_db import migrate_if_needed
from ._http import Client, start_server, stop_server, wait_until_up
from .bench_api import bench_token, percentiles

WIDTH, HEIGHT = 1920, 1080


def polygons(count: int, vertices: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    shapes = []
    for index in range(count):
        cx, cy = rng.uniform(60, WIDTH - 60), rng.uniform(60, HEIGHT - 60)
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


def masks(count: int, seed: int = 0) -> list[dict]:
    """Masks of full-HD blobs (an ellipse each, 40 to 400 pixels across), COCO RLE."""
    rng = np.random.default_rng(seed)
    rows, columns = np.ogrid[:HEIGHT, :WIDTH]
    shapes = []
    for index in range(count):
        cx, cy = rng.uniform(200, WIDTH - 200), rng.uniform(200, HEIGHT - 200)
        rx, ry = rng.uniform(20, 200, 2)
        blob = ((columns - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2 <= 1
        shapes.append({"id": f"m{index}", "type": "mask", "labels": ["area"], "mask": encode(blob)})
    return shapes


def nudged(shape: dict, step: int) -> dict:
    """The shape changed a little, one way or back, as an editor drag or brush would send it."""
    if shape["type"] == "mask":  # a brush stroke: the blob a pixel to the right, or back
        moved = np.roll(decode(shape["mask"]), 1 if step % 2 == 0 else -1, axis=1)
        return shape | {"mask": encode(moved)}
    shift = 1 if step % 2 == 0 else -1
    return shape | {"points": [[x + shift, y] for x, y in shape["points"]]}


class Command(BaseCommand):
    help = "A frame of N polygons through gunicorn: GET, full PATCH, PATCH of one polygon by id."

    def add_arguments(self, parser):
        parser.add_argument("--polygons", type=int, default=1000)
        parser.add_argument("--vertices", type=int, default=20)
        parser.add_argument("--masks", type=int, default=0, help="full-HD masks on the frame")
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, polygons, vertices, masks, runs, workers, **options):
        migrate_if_needed(self.stderr)
        token = bench_token("bench-manager", MANAGERS)
        server, port = start_server(workers=workers)
        try:
            client = Client(port, token)
            wait_until_up(client, server)
            result = self.run(client, polygons, vertices, masks, runs)
        finally:
            stop_server(server)
        self.stdout.write(json.dumps(result, indent=2))

    def run(self, client: Client, count: int, vertices: int, mask_count: int, runs: int) -> dict:
        dataset, _ = client.ok("POST", "/api/datasets/", {"name": f"bench-frame-{time.time_ns()}"})
        version = dataset["versions"][0]["id"]
        shapes = polygons(count, vertices) + masks(mask_count)
        count = len(shapes)
        frame = {
            "id": "big",
            "source": {"uri": "https://images.example/big.jpg", "width": WIDTH, "height": HEIGHT},
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
            "polygons": count - mask_count,
            "vertices": vertices,
            "masks": mask_count,
            "runs": runs,
            **{name: percentiles(samples) for name, samples in timings.items()},
        }
