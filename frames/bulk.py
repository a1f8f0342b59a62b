"""Fast inserts of many frames and annotations.

PostgreSQL gets the whole batch as two JSON documents and expands them in one statement
(`jsonb_array_elements` feeding data-modifying CTEs), so Python builds no row objects; SQLite gets
ids chosen up front and `executemany`. Table and column names come from model metadata, never
from input.
"""

import gc
import json
from contextlib import contextmanager

from django.db import connection, models

encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@contextmanager
def gc_paused():
    """Bulk work allocates millions of small objects; collection passes would double its time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def _converter(field):
    if isinstance(field, models.JSONField):
        return encode_json
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return None


def _adapted(rows, fields):
    positions = [
        (index, convert) for index, field in enumerate(fields) if (convert := _converter(field))
    ]
    for row in rows:
        row = list(row)
        for index, convert in positions:
            row[index] = convert(row[index])
        yield row


def insert_rows(model, columns: list[str], rows) -> None:
    """Insert tuples whose values follow `columns` (model field attnames)."""
    fields = [model._meta.get_field(name) for name in columns]
    quoted = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = _adapted(rows, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", list(rows))


# Frames: [key, context_id, timestamp, uri, width, height, meta, annotation_count]
# Annotations: [frame key, uid, position, type, labels, points, confidence, meta, color, locked]
PG_BATCH_INSERT = """
WITH new_frames AS (
    INSERT INTO frames_frame (key, version_id, context_id, timestamp, uri, width, height, meta,
                              revision, annotation_count, updated_at)
    SELECT f->>0, %(version)s, f->>1, (f->>2)::bigint, f->>3, (f->>4)::int, (f->>5)::int, f->6,
           1, (f->>7)::int, %(now)s
    FROM jsonb_array_elements(%(frames)s::jsonb) AS f
    RETURNING id, key
), memberships AS (
    INSERT INTO frames_versionframe (version_id, key, frame_id)
    SELECT %(version)s, key, id FROM new_frames
), new_rois AS (
    INSERT INTO frames_roi (frame_id, uid, position, type, labels, points, confidence, meta, color,
                            locked)
    SELECT new_frames.id, a->>1, (a->>2)::int, a->>3, a->4, a->5, (a->>6)::float8, a->7, a->>8,
           (a->>9)::boolean
    FROM jsonb_array_elements(%(annotations)s::jsonb) AS a
    JOIN new_frames ON new_frames.key = a->>0
    RETURNING id, frame_id, labels, confidence
)
INSERT INTO frames_roilabel (roi_id, frame_id, label, confidence)
SELECT new_rois.id, new_rois.frame_id, label, new_rois.confidence
FROM new_rois, jsonb_array_elements_text(new_rois.labels) AS label
"""


def insert_frames_postgresql(
    *, version_id: int, frames: list[list], annotations: list[list], now
) -> None:
    with connection.cursor() as cursor:
        # The frame-key hash join spills to disk at the default 4 MB for a 10,000-frame batch.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            PG_BATCH_INSERT,
            {
                "version": version_id,
                "now": now,
                "frames": json.dumps(frames),
                "annotations": json.dumps(annotations),
            },
        )
