"""Pieces of the few statements written in SQL: quoted names, placeholders, row locks, chunks.

Hot paths write their statements by hand (each app's `sql.py`); these helpers keep them short and
keep what the user sends out of the text: values always go in as parameters.
"""

from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Expression, F, TextField

CHUNK_SIZE = 5000  # values per `IN (…)` list; SQLite allows 32,766 parameters a statement


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def chunked(values: Sequence, size: int = CHUNK_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def for_update(*, of: str = "", skip_locked: bool = False, share: bool = False) -> str:
    """A row-lock clause for this database: empty on SQLite, whose write lock covers every row.

    `share`: FOR SHARE, which other sharers may hold at once but an update waits for.
    """
    features = connection.features
    if not features.has_select_for_update:
        return ""
    clause = " FOR SHARE" if share else " FOR UPDATE"
    if of and features.has_select_for_update_of:
        clause += f" OF {of}"
    if skip_locked and features.has_select_for_update_skip_locked:
        clause += " SKIP LOCKED"
    return clause


class CodePointOrder(Expression):
    """Text compared by code point on every database, as SQLite and Python do."""

    output_field = TextField()

    def __init__(self, expression):
        super().__init__()
        self.expression = expression

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def as_sql(self, compiler, connection):
        return compiler.compile(self.expression)

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return f'({sql} COLLATE "C")', params


def code_point(field: str) -> CodePointOrder:
    """Order strings by code point (as Python sorts) whatever the database's collation."""
    return CodePointOrder(F(field))
