"""Exports of a big version, as a user meets them: the job in a real worker process; prints a table.

The database is made afresh for the run (PostgreSQL: database `--database` on the server
DATABASE_URL names, dropped at the end unless `--keep`), and `--frames` synthetic frames with
`--rois` boxes each (no empty frames) go in through the bulk import path. Nothing is analysed or
vacuumed by hand: the exports run in the state a user has right after an import.
Each format is one export job (`export_start`, as `POST /api/versions/{id}/exports/` makes it)
run by a fresh `manage.py db_worker` process writing into a temporary MEDIA_ROOT:

- seconds: the job's own `started_at` → `finished_at` (the worker's start-up is not counted);
- peak memory: the worker process's high-water resident set (VmHWM, read once the job is
  done; its `ru_maxrss` would count the image it was forked from), Django and all included;
- the file's size, and frames per second.

`--reuse` skips the build and exports the newest bench version of a database kept by `--keep`.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from annotations.exports import EXPORT_FORMATS, export_start
from annotations.roles import MANAGERS, group_member
from datasets.models import Job, Version
from datasets.services import dataset_create
from frames.services import frames_bulk_create
from frames.synthetic import synthetic_frames

from ._bench_db import migrate_if_needed

BATCH = 20_000
NAME = "bench-export"
TARGETS = {  # seconds for 1,000,000 frames x 5 boxes (issue 13); peak memory for all
    "hyperlabel": 40,
    "coco": 60,
    "yolo": 180,
}
PEAK_MB = 300
# A worker that stays up once the job is done, so its high-water mark can still be read.
WORKER_OPTIONS = ["--no-reload", "--no-startup-delay", "--interval", "0.1"]
POLL_SECONDS = 0.1


class Command(BaseCommand):
    help = (
        "Export a fresh PostgreSQL version of --frames synthetic frames x --rois boxes in each "
        "format, each as a job run by a fresh db_worker process; prints seconds (the job's "
        "started → finished), frames/s, file size and the worker's peak memory (VmHWM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=100_000)
        parser.add_argument("--rois", type=int, default=5)
        parser.add_argument(
            "--formats",
            default="hyperlabel,coco,coco-results,yolo,voc",
            help="comma separated, of " + ", ".join(EXPORT_FORMATS),
        )
        parser.add_argument("--images", action="store_true", help="with images (a zip)")
        parser.add_argument("--database", default="hl_benchexport", help="database name")
        parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
        parser.add_argument(
            "--reuse", action="store_true", help="use the database a --keep run left"
        )
        parser.add_argument("--json", action="store_true", help="print JSON, not a table")

    def handle(self, *args, **options):
        formats = [name.strip() for name in options["formats"].split(",") if name.strip()]
        unknown = sorted(set(formats) - set(EXPORT_FORMATS))
        if unknown:
            raise CommandError(f"Unknown formats: {', '.join(unknown)}.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_export runs on PostgreSQL: set DATABASE_URL.")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", options["database"]):
            raise CommandError("--database takes a plain name: lower-case letters, digits, _.")
        load_at_start = round(os.getloadavg()[0], 2)
        url = self._database(options)
        try:
            version, build = self._version(options)
            user = group_member("bench-export", MANAGERS)
            with tempfile.TemporaryDirectory(prefix="bench-export-") as media:
                env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": media}
                # A production worker: DEBUG off (no query log), the database queue, local files.
                env |= {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)}
                env |= {"REDIS_URL": "", "S3_BUCKET": ""}
                rows = [
                    self._export(version, user, name, options["images"], env, media)
                    for name in formats
                ]
        finally:
            connection.close()
            if not options["keep"]:
                self._drop(options["database"])
        report = {
            "frames": version.frame_count,
            "rois_per_frame": options["rois"],
            "build": build,
            "database": options["database"],
            "load_at_start": load_at_start,
            "exports": rows,
        }
        self.stdout.write(
            json.dumps(report, indent=2, ensure_ascii=False) if options["json"] else table(report)
        )

    def _database(self, options) -> str:
        name = options["database"]
        if not options["reuse"]:
            self._drop(name)
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
        migrate_if_needed(self.stderr)
        return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()

    def _drop(self, name: str) -> None:
        connection.close()
        with connection._nodb_cursor() as cursor:  # a connection to the "postgres" database
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _version(self, options) -> tuple[Version, dict]:
        if options["reuse"]:
            version = Version.objects.filter(dataset__name__startswith=NAME).order_by("-pk").first()
            if version is None:
                raise CommandError("--reuse: the database holds no bench version.")
            return version, {"reused": True}
        frames, rois = options["frames"], options["rois"]
        version = dataset_create(name=f"{NAME}-{frames}x{rois}").versions.get()
        self.stderr.write(f"Importing {frames:,} frames x {rois} boxes…")
        began = time.perf_counter()
        for start in range(0, frames, BATCH):
            count = min(BATCH, frames - start)
            batch = list(synthetic_frames(count, rois=rois, start=start, empty_share=0.0))
            frames_bulk_create(version=version, frames=batch)
        seconds = time.perf_counter() - began
        version.refresh_from_db()
        return version, {"seconds": round(seconds, 1), "frames_per_s": round(frames / seconds)}

    def _export(self, version, user, name: str, images: bool, env: dict, media: str) -> dict:
        self.stderr.write(f"Exporting as {name}…")
        job = export_start(version=version, user=user, format=name, include_images=images)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).exists():
                if worker.poll() is not None:
                    raise CommandError(f"The worker stopped ({worker.returncode}) mid-export.")
                time.sleep(POLL_SECONDS)
            peak_kb = high_water_kb(worker.pid)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"The {name} export {job.status}: {job.message} {job.errors}")
        seconds = (job.finished_at - job.started_at).total_seconds()
        exported = Path(media) / job.params["file"]
        size = exported.stat().st_size
        exported.unlink()  # a million frames: a gigabyte a format
        row = {
            "format": name,
            "seconds": round(seconds, 1),
            "frames_per_s": round(job.result["report"]["frames"] / seconds),
            "file_mb": round(size / 1e6, 1),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "written": job.result["report"]["written"],
        }
        row["target"] = target(name, version.frame_count, row)
        return row


def high_water_kb(pid: int) -> int:
    """The most memory the process has had resident (VmHWM), since its exec.

    Not `ru_maxrss` from `wait4`: Linux carries a child's `ru_maxrss` over from the image it
    was forked from, so every worker would report this command's own peak (the bulk import).
    """
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise CommandError("No VmHWM in /proc: bench_export needs Linux.")


def target(name: str, frames: int, row: dict) -> str:
    """The issue's bound, scaled to this many frames (it is stated for a million)."""
    seconds = TARGETS.get(name)
    parts = []
    if seconds is not None:
        bound = seconds * frames / 1_000_000
        parts.append(f"≤ {bound:.1f} s {'ok' if row['seconds'] <= bound else 'MISSED'}")
    parts.append(f"≤ {PEAK_MB} MB {'ok' if row['peak_rss_mb'] <= PEAK_MB else 'MISSED'}")
    return ", ".join(parts)


def table(report: dict) -> str:
    lines = [
        f"{report['frames']:,} frames x {report['rois_per_frame']} boxes "
        f"(build: {report['build']}, load at start {report['load_at_start']})",
        f"{'format':<14}{'seconds':>9}{'frames/s':>10}{'file MB':>9}{'peak MB':>9}  target",
    ]
    for row in report["exports"]:
        lines.append(
            f"{row['format']:<14}{row['seconds']:>9}{row['frames_per_s']:>10,}"
            f"{row['file_mb']:>9}{row['peak_rss_mb']:>9}  {row['target']}"
        )
    return "\n".join(lines)
