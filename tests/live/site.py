"""Hyperlabel run the way a user deploys it: its own database, gunicorn, real worker processes.

The live tests talk to the site only over HTTP, as its users do, so they run alike on SQLite and
PostgreSQL: pytest-django's SQLite test database lives in this process's memory, where no other
process can see it. Each test module gets a database of its own instead — an SQLite file in a
temporary DATA_DIR, or a PostgreSQL database named `hl_live_<the suite's database>` — migrated by
`manage.py migrate`'s code in a child process, with one superuser. Every process gets the same
environment (`Site.env`): `config.settings` with DEBUG off, that database, a temporary MEDIA_ROOT
(or the S3 bucket given), the suite's REDIS_URL when it has one (RQ, else the database queue) and
JOB_STALE_SECONDS of 3.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from annotations.management.commands._http import Client, start_server, stop_server, wait_until_up
from tests.annotations.fresh_database import postgres_admin

USERNAME = "live-admin"
PASSWORD = "live-admin-password"
STALE_SECONDS = 3  # JOB_STALE_SECONDS of every process

SETUP = f"""
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
User.objects.create_superuser({USERNAME!r}, "", {PASSWORD!r})
"""

WORKER_COMMANDS = {
    "db": ["db_worker", "--interval=0.2", "--no-reload", "--no-startup-delay"],
    "rq": ["rqworker", "default", "--job-class", "django_tasks_rq.Job"],
}


def backend() -> str:
    """The queue the suite runs with: "rq" when REDIS_URL is set, else "db"."""
    return "rq" if settings.REDIS_URL else "db"


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# The database


@dataclass
class LiveDatabase:
    url: str  # DATABASE_URL for the processes; "" means the SQLite file under data_dir
    data_dir: Path
    name: str

    @classmethod
    def create(cls, data_dir: Path) -> "LiveDatabase":
        """A new migrated database with one superuser (an old one of that name is dropped)."""
        if uses_postgresql():
            database = cls(url="", data_dir=data_dir, name=_live_name())
            postgres_admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
            postgres_admin(f'CREATE DATABASE "{database.name}"')
            database.url = _postgres_url(database.name)
        else:
            database = cls(url="", data_dir=data_dir, name=str(data_dir / "hyperlabel.sqlite3"))
        (data_dir / "staticfiles").mkdir()  # STATIC_ROOT: WhiteNoise warns when it is missing
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "DATABASE_URL": database.url,
            "DATA_DIR": str(data_dir),
            "REDIS_URL": "",
        }
        setup = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert setup.returncode == 0, f"migrating the live database failed:\n{setup.stderr}"
        return database

    def drop(self) -> None:
        if self.url:
            postgres_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _live_name() -> str:
    """`hl_live_<the suite's database name>`: runs against different databases never meet."""
    name = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    return re.sub(r"[^a-z0-9_]", "_", f"hl_live_{name}".lower())[:63]


def _postgres_url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}@{host}{port}/{name}"


# HTTP


class Api(Client):
    """A keep-alive connection to one server, with the superuser's token once it has one."""

    def another(self) -> "Api":
        """A second connection to the same server (a connection serves one thread)."""
        return Api(self.port, self.token, timeout=self.connection.timeout)

    def json(self, method: str, path: str, body=None, *, expect=(200,)) -> object:
        status, data, _ = self.call(method, path, body)
        assert status in expect, f"{method} {path} answered {status}: {data}"
        return data

    def job(self, job_id: int) -> dict:
        return self.json("GET", f"/api/jobs/{job_id}/")

    def upload(self, version: int, files: list[tuple[str, bytes]]) -> dict:
        """POST the files to the version's uploads; the queued job (202)."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
            for name, data in files
        ]
        body = b"".join([*parts, f"--{boundary}--\r\n".encode()])
        content_type = f"multipart/form-data; boundary={boundary}"
        path = f"/api/versions/{version}/uploads/"
        status, data, _ = self.send("POST", path, body, content_type)
        assert status == 202, f"upload answered {status}: {data}"
        return data["job"]

    def new_version(self, name: str) -> int:
        """A new dataset; the id of its empty Draft version."""
        dataset = self.json("POST", "/api/datasets/", {"name": name}, expect=(201,))
        return dataset["versions"][0]["id"]

    def version(self, version: int) -> dict:
        return self.json("GET", f"/api/versions/{version}/")

    def frames(self, version: int) -> list[dict]:
        """Every frame of the version, page by page."""
        frames, page = [], 1
        while True:
            data = self.json("GET", f"/api/versions/{version}/frames/?page_size=1000&page={page}")
            frames += data["results"]
            if not data["next"]:
                return frames
            page += 1


def session_cookie(port: int) -> str:
    """Log in on the login page, as a browser does; the Cookie header of the session."""
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/login/")
        response = connection.getresponse()
        page = response.read().decode()
        cookies = _cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        }
        connection.request("POST", "/login/", form, headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 302, f"login answered {response.status}"
        return f"sessionid={_cookies(response)['sessionid']}"
    finally:
        connection.close()


def _cookies(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET of an absolute URL: (status, headers, body); redirects are not followed."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_for(check: Callable[[], object], *, seconds: float, every: float = 0.1, what: str):
    """`check()`'s first true value, asked every `every` s; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}; last: {value!r}")
        time.sleep(every)


# Processes


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    kind: str  # "db" or "rq"

    def horses(self) -> list[int]:
        """RQ's work horses: the children it forks, one a job (db_worker runs jobs itself)."""
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill(self) -> list[int]:
        """SIGKILL, as the OOM killer or a lost machine would: the worker and its horse at once.
        Returns the horses' ids, once they are gone."""
        horses = self.horses()
        _kill(self.process.pid)
        for pid in horses:
            _kill(pid)
        self.process.wait(timeout=30)
        wait_for(
            lambda: not any(_alive(pid) for pid in horses), seconds=10, what="the horses to die"
        )
        return horses


def _alive(pid: int) -> bool:
    """Running (a zombie, killed and waiting for its parent to reap it, counts as dead)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _kill(pid: int) -> None:
    with suppress(ProcessLookupError):  # it ended meanwhile
        os.kill(pid, signal.SIGKILL)


class Site:
    """Servers and workers sharing one database and one media storage; all stopped by close()."""

    def __init__(self, database: LiveDatabase, root: Path, *, s3: dict | None = None):
        self.root = root
        self.kind = backend()
        self.media = None if s3 else root / "live-media"
        if self.media:
            self.media.mkdir()
        self.env = {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database.url,
            "DATA_DIR": str(database.data_dir),
            "MEDIA_ROOT": str(self.media or root / "unused-media"),
            "REDIS_URL": settings.REDIS_URL,
            "JOB_STALE_SECONDS": str(STALE_SECONDS),
            "S3_BUCKET": "",
            **(s3 or {}),
        }
        self.servers: list[tuple[subprocess.Popen, Path]] = []
        self.workers: list[Worker] = []
        self.token = ""
        self._open = []
        if self.kind == "rq":
            flush_redis()

    def server(self, *, workers: int = 2, threads: int = 2) -> Api:
        """gunicorn on a free loopback port; a client holding the superuser's token."""
        log = self.root / f"gunicorn-{len(self.servers) + 1}.log"
        with log.open("wb") as output:
            process, port = start_server(workers=workers, threads=threads, env=self.env, log=output)
        self.servers.append((process, log))
        api = Api(port, self.token, timeout=120)
        self._open.append(api)
        wait_until_up(api, process)
        if not self.token:
            answer = api.json(
                "POST", "/api/auth/token/", {"username": USERNAME, "password": PASSWORD}
            )
            self.token = answer["token"]
        api.token = self.token
        return api

    def worker(self) -> Worker:
        log = self.root / f"worker-{len(self.workers) + 1}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *WORKER_COMMANDS[self.kind]],
                cwd=settings.BASE_DIR,
                env=os.environ | self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log, self.kind)
        self.workers.append(worker)
        return worker

    def media_files(self) -> list[str]:
        """Every file in the local media storage, by name."""
        return sorted(
            str(path.relative_to(self.media)) for path in self.media.rglob("*") if path.is_file()
        )

    def tracebacks(self) -> list[str]:
        """The processes' logs that hold a traceback: every one should be empty of them."""
        return [log.name for log in self._logs() if "Traceback" in log.read_text(errors="replace")]

    def _logs(self) -> list[Path]:
        return [*(log for _, log in self.servers), *(worker.log for worker in self.workers)]

    def logs(self, lines: int = 40) -> str:
        """The last lines of every process's log, for a failure's message."""
        parts = []
        for log in self._logs():
            text = log.read_text(errors="replace").splitlines()
            parts.append(f"--- {log.name}:\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def close(self) -> None:
        for api in self._open:
            api.close()
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.kill()  # a job left running would hold the teardown
        for process, _ in self.servers:
            stop_server(process)
        if self.kind == "rq":
            flush_redis()


def flush_redis() -> None:
    """Empty the suite's Redis database: no queued job or worker of another test is left."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
