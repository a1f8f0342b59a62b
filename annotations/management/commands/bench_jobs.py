"""Uploads and videos as background jobs, measured as a user meets them; prints a table.

Everything runs as in production, on this machine: gunicorn serves the app (DEBUG off), job
workers are their own processes (`manage.py db_worker`, or RQ's `rqworker` with `--redis`), media
go to local storage under a temporary MEDIA_ROOT, and the database is made afresh for the run
(PostgreSQL: database `--database` on the server DATABASE_URL names, dropped at the end; SQLite:
a file in the temporary folder). A plain HTTP client posts multipart bodies and polls the job.

What is measured, each `--runs` times (the table gives the median and the spread):
- upload answer: a multipart POST of `--images` 1280x720 JPEGs to `/api/versions/{id}/uploads/`.
  The client sends through a 64 KB socket buffer and starts its clock when its last byte is
  handed to the kernel: the bytes have then arrived, bar what still sits in the loopback socket
  buffers (a few MB at most, which the server has yet to read). The figure runs from there to the
  end of the 202 answer: reading and parsing that rest, staging the files and queueing the job,
  not the transfer itself (given apart, "sent in"). Django streams a body this big into temporary
  files as it arrives, so staging moves them, a rename when MEDIA_ROOT shares the temporary
  folder's file system, as here.
- images ready: from the 202 answer until a poll of `/api/jobs/{id}/` (every 0.1 s) first sees
  the job succeeded, with `--workers` workers running; images divided by that time. One upload is
  one job: one worker runs it, decoding on two threads.
- video ready: the same for a `--video-frames` frame 1280x720 video, with one worker.
- worker CPU time per image or frame (all its threads, from /proc): what the job costs whatever
  else the machine runs, where the rates above fall when other work shares the cores.
- worker peak memory: a fresh worker runs one small warm-up upload and then imports a
  `--memory-frames` frame video; the figure is the most resident memory its process ever had
  (VmHWM in /proc; with RQ, the larger of the worker's and its forked work horse's, read every
  0.1 s while the job runs).
"""

import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rest_framework.authtoken.models import Token

from annotations.roles import MANAGERS, group_member
from frames.media import video_frame_count

from ._bench_db import migrate_if_needed
from ._bench_media import write_images, write_video
from ._http import Client, start_server, stop_server, wait_until_up

POLL_SECONDS = 0.1
SEND_BUFFER = 64 * 1024
TARGETS = {
    "answer_ms": ("≤ 300 ms", lambda v: v <= 300),
    "images_per_s": ("≥ 100 images/s", lambda v: v >= 100),
    "video_frames_per_s": ("≥ 150 frames/s", lambda v: v >= 150),
    "peak_rss_mb": ("≤ 300 MB", lambda v: v <= 300),
}


class Command(BaseCommand):
    help = (
        "Uploads and videos as jobs through gunicorn and real worker processes, on a fresh "
        "database and a temporary MEDIA_ROOT; prints a table (median and spread of --runs). "
        "The upload answer is timed from the client's last byte (sent through a 64 KB socket "
        "buffer) to the end of the 202: the time the server takes once the bytes have arrived. "
        "Ready rates run from the 202 to the first poll (every 0.1 s) that sees the job "
        "succeeded. Peak memory is VmHWM of a fresh worker that imported the long video. "
        "The database is made on the PostgreSQL server DATABASE_URL names (SQLite when unset)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--images", type=int, default=500, help="JPEGs in one upload")
        parser.add_argument("--workers", type=int, default=2, help="workers for the images")
        parser.add_argument("--video-frames", type=int, default=1000, help="frames of the video")
        parser.add_argument(
            "--memory-frames", type=int, default=2000, help="frames of the video for peak memory"
        )
        parser.add_argument("--runs", type=int, default=3, help="runs of each measurement")
        parser.add_argument(
            "--video", type=Path, help="a video file of your own instead of the synthetic one"
        )
        parser.add_argument(
            "--redis",
            metavar="URL",
            help="run RQ workers on this Redis (e.g. redis://127.0.0.1:6379/1) instead of the "
            "database queue; a Redis database no other worker listens on",
        )
        parser.add_argument("--database", default="hl_benchjobs", help="PostgreSQL database name")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", options["database"]):
            raise CommandError("--database takes a plain name: lower-case letters, digits, _.")
        options["load_at_start"] = round(os.getloadavg()[0], 2)
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
            bench = Bench(Path(folder), options, self.stderr)
            with bench.database():
                samples = bench.run()
        report = summary(samples, bench.describe(), options["runs"])
        self.stdout.write(json.dumps(report, indent=2) if options["json"] else table(report))


class Bench:
    def __init__(self, folder: Path, options: dict, log):
        self.folder, self.options, self.log = folder, options, log
        self.env = {
            "MEDIA_ROOT": str(folder / "media"),
            "REDIS_URL": options["redis"] or "",  # the database queue unless --redis
            "S3_BUCKET": "",  # local storage
            "DATABASE_URL": "",
        }
        self.media: dict = {}

    def describe(self) -> dict:
        return {
            "database": f"{connection.display_name} {connection.settings_dict['NAME']}",
            "queue": "RQ on Redis" if self.options["redis"] else "database (db_worker)",
            "storage": "local (FileSystemStorage)",
            "media": self.media.get("about", {}),
            "cpus": os.cpu_count(),
            "load_at_start": self.options["load_at_start"],
            "options": {
                name: self.options[name]
                for name in ("images", "workers", "video_frames", "memory_frames")
            },
        }

    @contextmanager
    def database(self):
        """A new empty database for the run (and its URL for the server and workers)."""
        name = self.options["database"]
        if connection.vendor == "postgresql":
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{name}"')
            url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
        elif connection.vendor == "sqlite":
            name = str(self.folder / "bench.sqlite3")
            url = f"sqlite:///{name}"
        else:
            raise CommandError(f"bench_jobs runs on PostgreSQL or SQLite, not {connection.vendor}.")
        connection.close()
        connection.settings_dict["NAME"] = name
        self.env["DATABASE_URL"] = url
        migrate_if_needed(self.log)
        try:
            yield
        finally:
            connection.close()
            if connection.vendor == "postgresql":
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def make_media(self) -> None:
        self.log.write("Writing the synthetic media…")
        images = write_images(self.folder / "images", self.options["images"])
        if own := self.options["video"]:
            video = long_video = own
            frames = video_frame_count(str(own)) or "?"
            self.options["video_frames"] = self.options["memory_frames"] = frames
        else:
            video = write_video(self.folder / "video.mp4", self.options["video_frames"])
            long_video = write_video(self.folder / "long.mp4", self.options["memory_frames"])
        self.media = {
            "images": images,
            "video": video,
            "long_video": long_video,
            "about": {
                "images_mb": round(sum(p.stat().st_size for p in images) / 1e6, 1),
                "video_mb": round(video.stat().st_size / 1e6, 1),
                "long_video_mb": round(long_video.stat().st_size / 1e6, 1),
            },
        }

    def run(self) -> dict[str, list]:
        self.make_media()
        token = Token.objects.get_or_create(user=group_member("bench-jobs", MANAGERS))[0].key
        server, port = start_server(workers=2, env=self.env)
        samples: dict[str, list] = {}
        try:
            client = Client(port, token)
            wait_until_up(client, server)
            self.scenario(samples, client, "images", self.options["workers"])
            self.scenario(samples, client, "video", 1)
            for _ in range(self.options["runs"]):
                with self.workers(1) as workers:
                    self.warm_up(client)
                    idle = workers.resident_kb()
                    figures, peak = workers.peak_rss_while(
                        lambda: self.upload(client, "long_video", workers)
                    )
                note(samples, "long_video_frames_per_s", figures["long_video_frames_per_s"])
                note(samples, "idle_rss_mb", round(idle / 1024, 1))
                note(samples, "peak_rss_mb", round(peak / 1024, 1))
        finally:
            stop_server(server)
        return samples

    def scenario(self, samples: dict, client: Client, what: str, count: int) -> None:
        with self.workers(count) as workers:
            self.warm_up(client)
            for _ in range(self.options["runs"]):
                figures = self.upload(client, what, workers)
                for name, value in figures.items():
                    note(samples, name, value)

    def warm_up(self, client: Client) -> None:
        """One small upload, so the workers have started and loaded what a job needs."""
        files = self.media["images"][:1]
        version = new_version(client)
        status, body, *_ = post_files(client, version, files)
        if status != 202:
            raise CommandError(f"The warm-up upload answered {status}: {body}")
        wait_for_job(client, body["job"]["id"], timeout=120)

    def upload(self, client: Client, what: str, workers: "Workers") -> dict:
        files = self.media["images"] if what == "images" else [self.media[what]]
        version = new_version(client)
        cpu_before = workers.cpu_seconds()
        status, body, sent_s, answer_s = post_files(client, version, files)
        if status != 202:
            raise CommandError(f"The upload answered {status}: {body}")
        began = time.perf_counter()
        job = wait_for_job(client, body["job"]["id"])
        ready_s = time.perf_counter() - began
        created = job["result"]["created"]
        rate = round(created / ready_s, 1)
        cpu_ms = round((workers.cpu_seconds() - cpu_before) * 1000 / created, 2)
        if what == "images":
            return {
                "answer_ms": round(answer_s * 1000, 1),
                "sent_in_ms": round(sent_s * 1000),
                "images_ready_s": round(ready_s, 2),
                "images_per_s": rate,
                "image_cpu_ms": cpu_ms,
            }
        if what == "video":
            return {
                "video_ready_s": round(ready_s, 2),
                "video_frames_per_s": rate,
                "video_cpu_ms": cpu_ms,
            }
        return {"long_video_frames_per_s": rate}

    @contextmanager
    def workers(self, count: int):
        workers = Workers(count, self.env, self.folder)
        try:
            yield workers
        finally:
            workers.stop()


class Workers:
    """Job worker processes as a deployment runs them, each logging to a file."""

    def __init__(self, count: int, env: dict, folder: Path):
        redis = bool(env["REDIS_URL"])
        command = (
            ["rqworker", "default", "--job-class", "django_tasks_rq.Job"]
            if redis
            else ["db_worker", "--interval", "0.2", "--no-reload"]
        )
        environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            **env,
        }
        self.logs = [folder / f"worker-{uuid.uuid4().hex[:8]}.log" for _ in range(count)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for log in self.logs
        ]

    def cpu_seconds(self) -> float:
        """CPU time the workers have used (all threads, and RQ's work horses, live or reaped)."""
        return sum(cpu_seconds(process.pid) for process in self.processes)

    def resident_kb(self) -> int:
        """VmRSS of the first worker process now (an idle worker, after a warm-up job)."""
        return status_kb(self.processes[0].pid, "VmRSS")

    def peak_rss_while(self, work):
        """What `work` returns, and the highest VmHWM (kB) a worker or its child reached."""
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max([peak[0], *(high_water_kb(p.pid) for p in self.processes)])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = work()
        finally:
            done.set()
            sampler.join()
        return result, max([peak[0], *(high_water_kb(p.pid) for p in self.processes)])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, log in zip(self.processes, self.logs, strict=True):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.returncode not in (0, -15):
                sys.stderr.write(log.read_text()[-3000:])


def high_water_kb(pid: int) -> int:
    """VmHWM of the process and of its children (an RQ worker forks one per job), in kB."""
    return max([status_kb(pid, "VmHWM"), *(high_water_kb(child) for child in children(pid))])


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process, of its reaped children, and of its live descendants."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14-17 of proc(5), counted from the state (field 3) after the command's ")".
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def status_kb(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status in kB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def new_version(client: Client) -> int:
    dataset, _ = client.ok("POST", "/api/datasets/", {"name": f"bench-jobs-{uuid.uuid4().hex[:8]}"})
    return dataset["versions"][0]["id"]


def post_files(client: Client, version: int, files: list[Path]) -> tuple[int, object, float, float]:
    """A multipart POST on its own connection: (status, body, seconds sending, seconds from the
    last byte sent to the end of the answer)."""
    boundary = uuid.uuid4().hex
    parts = []
    for path in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        parts.append(path.read_bytes())
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    head = (
        f"POST /api/versions/{version}/uploads/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Token {client.token}\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", client.port), timeout=600) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        began = time.perf_counter()
        sock.sendall(head + body)
        sent = time.perf_counter()
        answer = read_all(sock)
        answered = time.perf_counter()
    status, data = parse_response(answer)
    return status, data, sent - began, answered - sent


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def parse_response(raw: bytes) -> tuple[int, object]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = unchunked(body)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")[:2000]


def unchunked(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def wait_for_job(client: Client, job_id: int, timeout: float = 1800) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job, _ = client.ok("GET", f"/api/jobs/{job_id}/")
        if job["status"] == "succeeded":
            return job
        if job["status"] not in ("queued", "running"):
            raise CommandError(
                f"Job {job_id} ended {job['status']}: {job['message']} {job['errors']}"
            )
        time.sleep(POLL_SECONDS)
    raise CommandError(f"Job {job_id} did not end within {timeout:g} s.")


def note(samples: dict, name: str, value) -> None:
    samples.setdefault(name, []).append(value)


def summary(samples: dict, about: dict, runs: int) -> dict:
    return {
        **about,
        "runs": runs,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "figures": {
            name: {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
                "values": values,
            }
            for name, values in samples.items()
        },
    }


LABELS = {
    "answer_ms": "{images} JPEGs in one request: answer after the last byte (ms)",
    "sent_in_ms": "… the bytes themselves took to send (ms)",
    "images_ready_s": "… all frames ready after the answer, {workers} workers (s)",
    "images_per_s": "… images ready per second",
    "image_cpu_ms": "… worker CPU time per image (ms)",
    "video_ready_s": "{video_frames}-frame video, 1 worker: frames ready after the answer (s)",
    "video_frames_per_s": "… frames ready per second",
    "video_cpu_ms": "… worker CPU time per frame (ms)",
    "long_video_frames_per_s": "{memory_frames}-frame video, fresh worker: frames per second",
    "idle_rss_mb": "… the worker's resident memory before it (MB)",
    "peak_rss_mb": "… the worker's peak resident memory, VmHWM (MB)",
}


def table(report: dict) -> str:
    lines = [
        f"bench_jobs: {report['database']}, {report['queue']} queue, {report['storage']} storage, "
        f"{report['cpus']} CPUs, load average {report['load_at_start']} at the start, "
        f"{report['load_average_1m']} at the end",
        f"media: {json.dumps(report['media'])}; {report['runs']} runs: median (min–max)",
        "",
        "| what | median | min–max | target |",
        "|---|---|---|---|",
    ]
    for name, figure in report["figures"].items():
        target, met = TARGETS.get(name, ("", None))
        verdict = "" if met is None else (" ✓" if met(figure["median"]) else " ✗")
        label = LABELS[name].format(**report["options"])
        lines.append(
            f"| {label} | {figure['median']:g} | {figure['min']:g}–{figure['max']:g} "
            f"| {target}{verdict} |"
        )
    return "\n".join(lines)
