import json
import time

from django.core.management.base import BaseCommand

from annotations.management.commands._bench_db import migrate_if_needed
from annotations.roles import MANAGERS, group_member
from annotations.services import version_publish
from datasets.models import Version
from frames.services import version_fork
from frames.synthetic import build_version


class Command(BaseCommand):
    help = "Fork a Published version of N frames (built first, or --version); print JSON timings."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=1_000_000)
        parser.add_argument("--reuse", type=int, help="fork this Published version instead")
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, frames: int, reuse: int | None, repeat: int, **options):
        migrate_if_needed(self.stderr)
        source = Version.objects.get(pk=reuse) if reuse else self._build(frames)
        timings = []
        for index in range(repeat):
            began = time.perf_counter()
            version_fork(version=source, name=f"fork-{time.time_ns()}-{index}")
            timings.append(time.perf_counter() - began)
        self.stdout.write(
            json.dumps(
                {
                    "frames": source.frame_count,
                    "fork_seconds": [round(t, 2) for t in timings],
                    "median_seconds": round(sorted(timings)[len(timings) // 2], 2),
                }
            )
        )

    def _build(self, frames: int) -> Version:
        version = build_version(frames, rois=0, name="bench-fork")
        return version_publish(version=version, user=group_member("bench-manager", MANAGERS))
