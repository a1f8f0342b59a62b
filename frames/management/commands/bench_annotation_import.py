import json
import random
import resource
import tempfile
import time
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand

from annotations.management.commands._bench_db import migrate_if_needed
from frames.annotation_imports import annotations_import
from frames.services import version_fork
from frames.synthetic import HEIGHT, LABELS, WIDTH, build_version


class Command(BaseCommand):
    help = (
        "Annotation-only COCO import onto N existing synthetic frames (K boxes an image), "
        "timed end to end (reading the file, matching, checks, writes, history); prints JSON "
        "with the worker's peak memory (ru_maxrss)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=100_000)
        parser.add_argument("--rois", type=int, default=5)
        parser.add_argument(
            "--fork",
            action="store_true",
            help="import into a Draft forked from a Published version (every frame copied)",
        )

    def handle(self, *args, frames: int, rois: int, fork: bool, **options):
        migrate_if_needed(self.stderr)
        version = build_version(frames, rois=0, name="bench-coco-import")
        if fork:
            version.status = version.Status.PUBLISHED
            version.save(update_fields=["status"])
            version = version_fork(version=version, name="fork")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "instances.json"
            write_coco(path, frames, rois)
            began = time.perf_counter()
            report = annotations_import(
                version=version, path=str(path), format="coco", name=path.name
            )
            seconds = time.perf_counter() - began
            size = path.stat().st_size
        self.stdout.write(
            json.dumps(
                {
                    "frames": frames,
                    "rois_per_frame": rois,
                    "fork": fork,
                    "version": version.pk,
                    "frames_matched": report["frames_matched"],
                    "rois_created": report["rois_created"],
                    "seconds": round(seconds, 2),
                    "file_mb": round(size / 1e6, 1),
                    "frames_per_s": round(frames / seconds),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
            )
        )


def write_coco(path: Path, frames: int, rois: int) -> None:
    """COCO instances for the synthetic frames (`f00000000.jpg`…), boxes in two decimals,
    written a piece at a time so the benchmark's own data does not count in its memory."""
    rng = random.Random(0)
    with path.open("wb") as file:
        file.write(b'{"images":[')
        for index in range(frames):
            image = {"id": index + 1, "file_name": f"f{index:08d}.jpg"}
            image |= {"width": WIDTH, "height": HEIGHT}
            file.write((b"," if index else b"") + orjson.dumps(image))
        file.write(b'],"annotations":[')
        number = 0
        for index in range(frames):
            for _ in range(rois):
                number += 1
                file.write((b"," if number > 1 else b"") + orjson.dumps(_box(rng, number, index)))
        categories = [{"id": n, "name": label} for n, label in enumerate(LABELS, start=1)]
        file.write(b'],"categories":' + orjson.dumps(categories) + b"}")


def _box(rng: random.Random, number: int, index: int) -> dict:
    x, y = round(rng.uniform(0, WIDTH - 100), 2), round(rng.uniform(0, HEIGHT - 100), 2)
    w, h = round(rng.uniform(5, 99), 2), round(rng.uniform(5, 99), 2)
    return {
        "id": number,
        "image_id": index + 1,
        "category_id": rng.randint(1, len(LABELS)),
        "bbox": [x, y, w, h],
        "area": round(w * h, 4),
        "iscrowd": 0,
        "segmentation": [],
        "score": round(rng.random(), 3),
        "attributes": {"occluded": rng.random() < 0.3},
    }
