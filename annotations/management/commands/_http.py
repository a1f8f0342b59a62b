"""gunicorn on a loopback port and a small keep-alive HTTP client, for `bench_api` and live tests.

Not a command (the leading underscore): `bench_api` and `tests/api/test_concurrency_live.py`
import it. The server runs `config.settings` with DEBUG off, a generated SECRET_KEY and plain
HTTP on 127.0.0.1; it listens on a socket this process binds to a free port and hands over, so
two runs at once never race for a port.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


class Client:
    """One keep-alive HTTP connection with a token; answers (status, body, milliseconds)."""

    def __init__(self, port: int, token: str, *, timeout: float = 600):
        self.port, self.token = port, token
        self.connection = HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call(self, method: str, path: str, body=None) -> tuple[int, object, float]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        return self.send(method, path, data, "application/json")

    def send(
        self, method: str, path: str, body: bytes | None, content_type: str
    ) -> tuple[int, object, float]:
        """The request as given; the token when there is one."""
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except OSError:
            self.connection.close()  # the next call opens a new connection
            raise
        elapsed = (time.perf_counter() - began) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, _parsed(raw), elapsed

    def ok(self, method: str, path: str, body=None, expect=(200, 201)) -> tuple[object, float]:
        status, data, elapsed = self.call(method, path, body)
        if status not in expect:
            raise CommandError(f"{method} {path} answered {status}: {data}")
        return data, elapsed

    def close(self) -> None:
        self.connection.close()


def _parsed(raw: bytes) -> object:
    """The JSON body; a body that is not JSON (a 500 page, say) as text; None when empty."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def start_server(
    *, workers: int = 2, threads: int = 1, env: dict | None = None, log=None
) -> tuple[subprocess.Popen, int]:
    """gunicorn serving the app on 127.0.0.1 with DEBUG off; (the process, its port).

    `env` adds to (or overrides) this process's environment, `DATABASE_URL` say; `log` is a file
    for the server's output (default: this process's).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    server_env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        f"--bind=fd://{listener.fileno()}",
        f"--workers={workers}",
        f"--threads={threads}",
        # Idle keep-alive connections stay open, so a client that paused does not find its
        # connection closed under it (a request then would fail, not be retried).
        "--keep-alive=120",
        "--timeout=600",
        "--log-level=warning",
    ]
    try:
        process = subprocess.Popen(
            command,
            cwd=Path(settings.BASE_DIR),
            env=server_env,
            pass_fds=[listener.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
        )
    finally:
        listener.close()  # gunicorn holds its own copy
    return process, port


def wait_until_up(client: Client, process: subprocess.Popen, seconds: float = 30) -> None:
    """Until the server answers a request (any status), or CommandError."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"gunicorn exited with status {process.returncode}.")
        try:
            client.call("GET", "/api/datasets/?page_size=1")
            return
        except OSError:
            time.sleep(0.1)
    raise CommandError(f"gunicorn did not answer within {seconds:g} s.")


def stop_server(process: subprocess.Popen) -> None:
    """Stop gunicorn (its workers with it) and wait for it; kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
