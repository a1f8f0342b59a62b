"""Table upkeep after big loads: VACUUM (ANALYZE) of the tables a load grew, in a job, soon after
it commits, as autovacuum would do a minute later where it runs at all.

Without statistics the planner guesses; without VACUUM the freshly loaded rows are not marked
all-visible, so a label rule on a million frames reads the table behind every index entry instead
of the index alone (one label + confidence on a 1M version: ~400 ms instead of ~150). Hot
statements do not depend on either (they are written to use their index whatever the statistics
say); previews and task creation do. PostgreSQL only.
"""

import logging

from django.db import connection, transaction
from django_tasks import task

logger = logging.getLogger(__name__)

# A load this large, or a tenth of its table, leaves the table's statistics stale.
MIN_ROWS = 1_000
GROWTH = 0.1


def upkeep_after_commit(rows_by_model: dict) -> None:
    """Once the transaction commits, queue upkeep of the tables a load wrote rows into
    ({model: rows written}) when it wrote MIN_ROWS or more into one of them; the job decides
    which need it (`stale_tables`). The loads of one transaction (an import's batches) add up
    into one job; smaller transactions queue nothing (the next big load's upkeep, or
    autovacuum, sees their growth too)."""
    if connection.vendor != "postgresql":
        return
    # The transaction's own pending upkeep: a rollback drops it with the other callbacks.
    pending = next(
        (call for _, call, _ in connection.run_on_commit if isinstance(call, _PendingUpkeep)),
        None,
    )
    if pending is None:
        pending = _PendingUpkeep()
        transaction.on_commit(pending)
    pending.add(rows_by_model)


class _PendingUpkeep:
    """Rows loaded by one transaction, by table; called once it commits."""

    def __init__(self):
        self.rows: dict[str, int] = {}

    def add(self, rows_by_model: dict) -> None:
        for model, count in rows_by_model.items():
            name = model._meta.db_table
            self.rows[name] = self.rows.get(name, 0) + max(count, 0)

    def __call__(self) -> None:
        if max(self.rows.values(), default=0) < MIN_ROWS:
            return
        try:
            tables_upkeep.enqueue(self.rows)
        except Exception:  # the queue is down: the load stands, autovacuum catches up later
            logger.exception("Could not queue table upkeep for %s", ", ".join(self.rows))


@task()
def tables_upkeep(rows_by_table: dict[str, int]) -> list[str]:
    """VACUUM (ANALYZE) each stale table of `rows_by_table`; the names done. Inside a transaction
    (a test's), where VACUUM cannot run, ANALYZE only. A table another upkeep is working on is
    skipped (SKIP_LOCKED): that one covers it."""
    stale = stale_tables(rows_by_table)
    command = (
        "ANALYZE (SKIP_LOCKED)" if connection.in_atomic_block else "VACUUM (ANALYZE, SKIP_LOCKED)"
    )
    with connection.cursor() as cursor:
        for name in stale:
            cursor.execute(f"{command} {connection.ops.quote_name(name)}")
    return stale


def stale_tables(rows_by_table: dict[str, int]) -> list[str]:
    """Of the tables a load wrote ({name: rows}), those never analysed that got MIN_ROWS rows or
    more, and those grown by GROWTH since their last ANALYZE (by this load or by several).

    Growth is the table's pages now against those its last ANALYZE counted: the activity
    counters lag, and count a load twice when it is analysed before they catch up.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples, relpages, "
            "pg_relation_size(oid) / current_setting('block_size')::int "
            "FROM pg_class WHERE oid = ANY(%s::regclass[]) ORDER BY relname",
            [list(rows_by_table)],
        )
        stale = []
        for name, counted, counted_pages, pages in cursor.fetchall():
            if counted <= 0:  # -1 until first analysed
                if rows_by_table[name] >= MIN_ROWS:
                    stale.append(name)
            elif pages >= (1 + GROWTH) * max(counted_pages, 1):
                stale.append(name)
    return stale
