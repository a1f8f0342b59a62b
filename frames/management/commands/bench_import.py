import json
import time

from django.core.management.base import BaseCommand

from annotations.management.commands._bench_db import migrate_if_needed
from datasets.services import dataset_create
from frames.services import frames_bulk_create
from frames.synthetic import synthetic_frames

BATCH = 10_000


class Command(BaseCommand):
    help = "Import N synthetic URI frames with K boxes each through the bulk service; print JSON."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=100_000)
        parser.add_argument("--rois", type=int, default=5)

    def handle(self, *args, frames: int, rois: int, **options):
        migrate_if_needed(self.stderr)
        dataset = dataset_create(name=f"bench-import-{time.time_ns()}")
        version = dataset.versions.get()
        rows, seconds = 0, 0.0
        for start in range(0, frames, BATCH):
            batch = list(synthetic_frames(min(BATCH, frames - start), rois=rois, start=start))
            began = time.perf_counter()
            frames_bulk_create(version=version, frames=batch)
            seconds += time.perf_counter() - began
            rows += len(batch) + sum(len(frame["rois"]) * 2 for frame in batch) + len(batch)
        self.stdout.write(
            json.dumps(
                {
                    "frames": frames,
                    "rois_per_frame": rois,
                    "version": version.pk,
                    "seconds": round(seconds, 2),
                    "frames_per_s": round(frames / seconds),
                    "rows_per_s": round(rows / seconds),
                }
            )
        )
