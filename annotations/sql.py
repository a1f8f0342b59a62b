"""The annotations app's hand-written statements: the work queue's, and filter-query settings.

`next` and `done` run for every frame an annotator finishes; through the ORM each statement cost
more to build than to run (next + done went from 8 to 3.7 ms). Table names come from model
metadata, values are parameters.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from time import monotonic

import orjson
from django.conf import settings
from django.db import OperationalError, connection, transaction

from config.bulk import encode_json, insert_rows
from config.sql import for_update, table

from .models import AnnotationTask, FrameRevision, TaskChunk, TaskItem, TaskItemSkip

ACTIVE = AnnotationTask.Status.ACTIVE.value
CLAIMED = TaskItem.Status.CLAIMED.value
DONE = TaskItem.Status.DONE.value
TODO = TaskItem.Status.TODO.value


def _tables() -> tuple[str, str]:
    return table(TaskItem), table(AnnotationTask)


def _chunk_element() -> str:
    """SQL for item number %s of a chunk's JSON list."""
    if connection.vendor == "postgresql":
        return "items -> %s"
    return "json_extract(items, '$[' || %s || ']')"


def _when(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _frames(value) -> list[str]:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _datetime(value):
    """A datetime column read by a raw cursor (SQLite gives text), as the ORM would give it."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    return convert(value, None, connection) if convert and value is not None else value


class QueryTooSlow(Exception):
    """A filter statement ran past `FILTER_STATEMENT_TIMEOUT_MS` and the database stopped it."""


class TaskNotActive(Exception):
    """The task was completed while an item of it was being finished."""


def take_held(task: AnnotationTask, user, *, now, lease_start) -> TaskItem | None:
    """Re-claim the user's own unfinished item, else a released one or one whose lease ran out.

    None if there is none. Items the user skipped are never theirs again. SKIP LOCKED
    (PostgreSQL) lets a claim pass an item another transaction is finishing.
    """
    items, tasks = _tables()
    skips = table(TaskItemSkip)
    skip_locked = for_update(skip_locked=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {items} SET status = %s, claimed_by_id = %s, claimed_at = %s WHERE id = ("
            f"SELECT c.id FROM {items} c WHERE c.task_id = %s AND (c.status = %s OR (c.status = %s"
            " AND (c.claimed_by_id = %s OR c.claimed_at < %s)))"
            f" AND NOT EXISTS (SELECT 1 FROM {skips} s WHERE s.item_id = c.id AND s.user_id = %s)"
            f" AND EXISTS (SELECT 1 FROM {tasks} WHERE id = %s AND status = %s)"
            " ORDER BY CASE WHEN c.claimed_by_id = %s THEN 0 ELSE 1 END, c.position"
            f" LIMIT 1{skip_locked}) RETURNING id, position, frames",
            [
                CLAIMED,
                user.pk,
                _when(now),
                task.pk,
                TODO,
                CLAIMED,
                user.pk,
                _when(lease_start),
                user.pk,
                task.pk,
                ACTIVE,
                user.pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    item_id, position, frames = row
    return _claimed(task, item_id, position, frames, user, now)


def _holds_key() -> tuple[str, Callable[[str], str]]:
    """SQL for "item i's frames contain the key %s", and how to pass the key."""
    if connection.vendor == "postgresql":
        return "i.frames @> %s::jsonb", lambda key: encode_json([key])
    return "EXISTS (SELECT 1 FROM json_each(i.frames) WHERE json_each.value = %s)", str


def hold_for_save(version_id: int, key: str, user, *, now, lease_start) -> int | None:
    """The user's item holding frame `key` in an Active task on the version, its lease renewed.

    Their claimed item whose lease runs (renewed to `now`), else one they marked done; None when
    neither. Answers the item's task id. One UPDATE … RETURNING: the join starts from the
    version's few tasks and reads the user's items by the (task, claimed_by, status) index, so a
    save's permission check and lease renewal cost one statement.
    """
    items, tasks = _tables()
    holds, as_parameter = _holds_key()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {items} SET claimed_at = CASE WHEN status = %s THEN %s ELSE claimed_at END"
            f" WHERE id = (SELECT i.id FROM {items} i JOIN {tasks} t ON t.id = i.task_id"
            " WHERE t.version_id = %s AND t.status = %s AND i.claimed_by_id = %s"
            " AND ((i.status = %s AND i.claimed_at >= %s) OR (i.status = %s AND i.done_by_id = %s))"
            f" AND {holds}"
            " ORDER BY CASE WHEN i.status = %s THEN 0 ELSE 1 END LIMIT 1)"
            " RETURNING task_id",
            [
                CLAIMED,
                _when(now),
                version_id,
                ACTIVE,
                user.pk,
                CLAIMED,
                _when(lease_start),
                DONE,
                user.pk,
                as_parameter(key),
                CLAIMED,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def advance_cursor(task: AnnotationTask) -> int | None:
    """Take the next never-handed-out position of an Active task, or None.

    One UPDATE … RETURNING: the row lock it takes serialises concurrent claims on the task.
    """
    _, tasks = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {tasks} SET "cursor" = "cursor" + 1 '
            'WHERE id = %s AND status = %s AND "cursor" < item_count RETURNING "cursor" - 1',
            [task.pk, ACTIVE],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def claim_position(
    task: AnnotationTask, position: int, user, *, now, chunk: int, offset: int
) -> TaskItem:
    """Hand out the item at `position` (item `offset` of chunk `chunk`) to the user.

    The item's frames are copied out of the chunk by the database in the same statement.
    """
    items, _ = _tables()
    chunks = table(TaskChunk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {items} (task_id, position, frames, status, claimed_by_id, claimed_at)"
            f" SELECT %s, %s, {_chunk_element()}, %s, %s, %s FROM {chunks}"
            ' WHERE task_id = %s AND "index" = %s RETURNING id, frames',
            [task.pk, position, offset, CLAIMED, user.pk, _when(now), task.pk, chunk],
        )
        row = cursor.fetchone()
    if row is None or row[1] is None:
        raise TaskItem.DoesNotExist(f"Task “{task.name}” has no item {position}.")
    item_id, frames = row
    return _claimed(task, item_id, position, frames, user, now)


def _claimed(task, item_id: int, position: int, frames, user, now) -> TaskItem:
    """The item row a claim statement wrote, as the ORM would load it."""
    return TaskItem(
        id=item_id,
        task_id=task.pk,
        position=position,
        frames=_frames(frames),
        status=CLAIMED,
        claimed_by=user,
        claimed_at=now,
    )


def finish_own(task: AnnotationTask, position: int, user, *, now) -> TaskItem | None:
    """Mark the user's own claimed item done and count its frames.

    None when the item is not theirs to finish this way (not handed out, already done, someone
    else's); TaskNotActive when the task is completed (the caller's transaction rolls back).
    """
    items, tasks = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {items} SET status = %s, done_by_id = %s, done_at = %s"
            " WHERE task_id = %s AND position = %s AND status = %s AND claimed_by_id = %s"
            " RETURNING id, frames, claimed_at",
            [DONE, user.pk, _when(now), task.pk, position, CLAIMED, user.pk],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        item_id, frames, claimed_at = row
        frames = _frames(frames)
        cursor.execute(
            f"UPDATE {tasks} SET done_count = done_count + %s WHERE id = %s AND status = %s",
            [len(frames), task.pk, ACTIVE],
        )
        if cursor.rowcount == 0:
            raise TaskNotActive
    return TaskItem(
        id=item_id,
        task_id=task.pk,
        position=position,
        frames=frames,
        status=DONE,
        claimed_by=user,
        claimed_at=_datetime(claimed_at),
        done_by=user,
        done_at=now,
    )


REVISION_COLUMNS = ("version_id", "key", "revision", "user_id", "at", "task_id", "change", "state")


def insert_revisions(rows: Iterable[tuple]) -> None:
    """Record saves: rows (any iterable; they stream) of REVISION_COLUMNS, `change` and `state`
    as Python objects.

    Through `insert_rows` (orjson-encoded JSON): the ORM's bulk_create (model instances,
    json.dumps) cost about half a millisecond of every frame save.
    """
    insert_rows(FrameRevision, list(REVISION_COLUMNS), rows)


def read_transaction() -> AbstractContextManager:
    """A transaction for reads that only the database's local settings need: PostgreSQL's.

    SQLite runs with `transaction_mode: IMMEDIATE`, so any transaction takes the write lock at
    BEGIN: a preview inside one waited for every save and made every save wait for it. Without
    one, in WAL mode, its reads see the last commit and take no lock a writer waits for.
    """
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


def tune_for_big_reads() -> None:
    """Settings for this transaction's filter queries over up to millions of frames.

    Label-count aggregates spill to disk at PostgreSQL's default 4 MB of work_mem; JIT
    compiling a filter query took ~80 ms of a ~400 ms preview without making it faster; and with
    the tables in memory an index probe costs about what a sequential read does (a Lucene rule
    query on 1M frames: 3.0 s with the default random_page_cost of 4, 1.6 s with 1.1).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true), "
                "set_config('random_page_cost', '1.1', true)"
            )


QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout
# SQLite calls the progress handler every this many virtual-machine instructions (~0.1 ms).
PROGRESS_STEPS = 1000


@contextmanager
def filter_deadline() -> Iterator[None]:
    """Statements inside stop after `settings.FILTER_STATEMENT_TIMEOUT_MS`: `QueryTooSlow`.

    A filter over millions of frames (many wildcards, a deep Lucene query) must not hold a
    connection, or SQLite's lock, for minutes. PostgreSQL: `statement_timeout` for this
    transaction, each statement, put back on the way out so that the writes after it (a task's
    chunks, a fork) and lock waits are not cut short. SQLite has no statement timeout: a progress
    handler stops the running statement once the block has run that long. Enter inside a
    transaction; after `QueryTooSlow` the caller's transaction is broken and must roll back.
    """
    limit_ms = settings.FILTER_STATEMENT_TIMEOUT_MS
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{limit_ms}ms"])
        try:
            yield
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
                raise QueryTooSlow from error
            raise
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        deadline = monotonic() + limit_ms / 1000
        stopped = False

        def past_deadline() -> int:
            nonlocal stopped
            stopped = monotonic() > deadline
            return int(stopped)  # non-zero interrupts the statement

        raw.set_progress_handler(past_deadline, PROGRESS_STEPS)
        try:
            yield
        except OperationalError as error:
            if stopped:
                raise QueryTooSlow from error
            raise
        finally:
            raw.set_progress_handler(None, PROGRESS_STEPS)
    else:
        yield
