"""Pieces of the few statements written in SQL: quoted names, placeholders, row locks, chunks.

Hot paths write their statements by hand (each app's `sql.py`); these helpers keep them short and
keep what the user sends out of the text: values always go in as parameters.
"""

from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models.functions import Collate

CHUNK_SIZE = 5000  # values per `IN (…)` list; SQLite allows 32,766 parameters a statement


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def chunked(values: Sequence, size: int = CHUNK_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def for_update(*, of: str = "", skip_locked: bool = False) -> str:
    """A row-lock clause for this database: empty on SQLite, whose write lock covers every row."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    clause = " FOR UPDATE"
    if of and features.has_select_for_update_of:
        clause += f" OF {of}"
    if skip_locked and features.has_select_for_update_skip_locked:
        clause += " SKIP LOCKED"
    return clause


def code_point(field: str):
    """Order strings by code point (as Python sorts) whatever the database's collation."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field
