"""A benchmark's database made ready: migrated first when it is behind the code.

Not a command (the leading underscore). Every `bench_*` command calls `migrate_if_needed` before
it touches a table, so it runs on a fresh database (or one a pull left behind) as it does on a
migrated one. The note goes to stderr: stdout carries the JSON a benchmark prints.
"""

import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """`app.name` of each migration the database lacks, in the order `migrate` would apply them."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def migrate_if_needed(log, database: str = DEFAULT_DB_ALIAS) -> int:
    """Run `migrate` and `createcachetable` (as `make migrate` does) when migrations are missing;
    write one line saying so to `log` (a command's stderr). How many were applied."""
    missing = unapplied_migrations(database)
    if missing:
        name = connections[database].settings_dict["NAME"]
        log.write(
            f"Database {name} lacks {len(missing)} migrations (first: {missing[0]}); "
            "running migrate before the benchmark."
        )
        call_command("migrate", database=database, interactive=False, verbosity=0)
        call_command("createcachetable", database=database, verbosity=0)
    return len(missing)


def run_queued_jobs(log) -> float:
    """Run what the app queued (the table upkeep its imports ask for, say) with a real worker
    process, as `make run`'s worker does seconds after a load; the seconds it took, said on
    `log`."""
    began = time.perf_counter()
    if settings.TASKS["default"]["BACKEND"].endswith("RQBackend"):
        command = ["rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job"]
    else:
        command = ["db_worker", "--batch", "--interval", "0"]
    worker = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *command],
        capture_output=True,
        text=True,
    )
    if worker.returncode:
        raise CommandError(f"The worker failed ({worker.returncode}): {worker.stderr[-2000:]}")
    seconds = time.perf_counter() - began
    log.write(f"Queued jobs (table upkeep after the import) ran in {seconds:.1f} s.")
    return round(seconds, 1)
