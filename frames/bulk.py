"""Fast inserts of many rows with ids chosen up front: COPY on PostgreSQL, executemany on SQLite.

Ids are allocated before the insert so frames, ROIs and label rows can point at each other without
reading anything back. Column names come from model metadata, never from input.
"""

import datetime
import json

from django.db import connection


def allocate_ids(model, count: int) -> list[int]:
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock is held (IMMEDIATE transactions), so nobody else takes these.
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))


def _db_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def insert_rows(model, columns: list[str], rows) -> None:
    """Insert tuples whose values follow `columns` (model field attnames)."""
    meta = model._meta
    db_columns = [meta.get_field(name).column for name in columns]
    quoted = ", ".join(connection.ops.quote_name(column) for column in db_columns)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_db_value(value) for value in row])
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})",
            [[_db_value(value) for value in row] for row in rows],
        )
