"""A database nobody has migrated, for a benchmark command run as its own process.

pytest-django's databases are migrated (and SQLite's lives in this process's memory), so tests of
what a benchmark does on a fresh database run `manage.py` in a child process against one of these:
an SQLite file, or on PostgreSQL a database named after the suite's (`<suite>_<suffix>`), dropped
at the end.
"""

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings


@contextmanager
def fresh_database(folder: Path, suffix: str):
    """The environment for a child process using a new, empty, unmigrated database."""
    db = settings.DATABASES["default"]
    (folder / "staticfiles").mkdir(parents=True)  # STATIC_ROOT: WhiteNoise warns when missing
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATA_DIR": str(folder),
        "REDIS_URL": "",
        "S3_BUCKET": "",
    }
    if not db["ENGINE"].endswith("postgresql"):
        yield env | {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"}
        return
    suite = db["NAME"].removeprefix("test_")
    name = re.sub(r"[^a-z0-9_]", "_", f"{suite}_{suffix}".lower())[:63]
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(f'CREATE DATABASE "{name}"')
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    try:
        yield env | {"DATABASE_URL": f"postgres://{user}@{db['HOST'] or '127.0.0.1'}{port}/{name}"}
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`manage.py <arguments>` in a child process with `env`; its output as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def postgres_admin(statement: str) -> None:
    """Run a statement (CREATE or DROP DATABASE) on the server's `postgres` database."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(statement)
