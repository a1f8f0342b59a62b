"""The frames app's hand-written statements: frame and ROI reads, annotation deletes, fork copies.

Each runs for every `next`, frame GET or save (or copies a million rows in a fork); through the ORM
each cost more to build than to run. Names come from model metadata, values are parameters.
"""

from collections import Counter
from collections.abc import Iterator

import orjson
from django.contrib.auth import get_user_model
from django.db import connection

from config.sql import chunked, for_update, placeholders, table

from .models import ANNOTATION_FIELDS, Frame, Roi, RoiLabel, VersionFrame


def _frame_with_saver() -> str:
    """A frame row joined to its membership (m), with the username of its last saver."""
    return (
        f"SELECT f.*, u.username AS updated_by_name FROM {table(Frame)} f "
        f"JOIN {table(VersionFrame)} m ON m.frame_id = f.id "
        f"LEFT JOIN {table(get_user_model())} u ON u.id = f.updated_by_id"
    )


def frames_under_keys(version_id: int, keys: list[str]) -> list[Frame]:
    """The frame rows the version shows under `keys` (any order).

    Each carries `updated_by_name`, the username of its last saver, from the same statement.
    Replaced an ORM join: a frame save went from 7.6 to 4.7 ms with the other plain reads here.
    """
    return list(
        Frame.objects.raw(
            f"{_frame_with_saver()} WHERE m.version_id = %s AND m.key IN ({placeholders(len(keys))})",
            [version_id, *keys],
        )
    )


def lock_frame_under_key(version_id: int, key: str) -> Frame | None:
    """The frame row the version shows under `key`, with `updated_by_name`, locked with its
    membership row; None when there is none.

    Saves of a version run side by side, so the membership is locked first, by a statement of
    its own: a save that copies a shared frame (copy-on-write) repoints it, and a save waiting
    for that lock then gets the copy's id, reads the copy in a fresh statement (one snapshot
    could not see it), sees its new revision and answers 409, instead of copying the old row
    again over the first save.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT frame_id FROM {table(VersionFrame)} WHERE version_id = %s AND key = %s"
            f"{for_update()}",
            [version_id, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    found = Frame.objects.raw(
        f"{_frame_with_saver()} WHERE m.version_id = %s AND m.key = %s AND f.id = %s"
        f"{for_update(of='f')}",
        [version_id, key, row[0]],
    )
    return next(iter(found), None)


def delete_annotations(frame_ids: list[int], *, version_ids: list[int]) -> Counter:
    """Delete the ROIs and label rows of frame rows that `version_ids` wrote; answers the labels
    the deleted annotations carried, counted.

    Plain DELETEs: nothing cascades from these rows, and the ORM's collector cost more than the
    statements on every frame save. The ROIs go by frame and the label rows by (label, version,
    frame), for the labels those ROIs carried: both use their index whatever the statistics say,
    where `roi_id IN (SELECT … WHERE frame_id …)` read every label row of the database on a table
    not analysed yet (~1.3 s at 5M rows for one save).
    """
    removed: Counter = Counter()
    with connection.cursor() as cursor:
        for chunk in chunked(frame_ids):
            among = placeholders(len(chunk))
            cursor.execute(
                f"DELETE FROM {table(Roi)} WHERE frame_id IN ({among}) RETURNING labels", chunk
            )
            counted = Counter(label for (labels,) in cursor.fetchall() for label in _json(labels))
            removed.update(counted)
            carried = sorted(counted)
            if carried:
                cursor.execute(
                    f"DELETE FROM {table(RoiLabel)} WHERE label IN ({placeholders(len(carried))})"
                    f" AND version_id IN ({placeholders(len(version_ids))})"
                    f" AND frame_id IN ({among})",
                    [*carried, *version_ids, *chunk],
                )
    return removed


def delete_rois(frame_id: int, roi_ids: list[int], *, version_id: int) -> None:
    """Delete the ROIs `roi_ids` (primary keys) of a frame row that `version_id` wrote, with
    their label rows (read by the (label, version, frame) index)."""
    if not roi_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table(Roi)} WHERE id IN ({placeholders(len(roi_ids))}) RETURNING labels",
            roi_ids,
        )
        carried = sorted({label for (labels,) in cursor.fetchall() for label in _json(labels)})
        if carried:
            cursor.execute(
                f"DELETE FROM {table(RoiLabel)} WHERE label IN ({placeholders(len(carried))})"
                f" AND version_id = %s AND frame_id = %s AND roi_id IN ({placeholders(len(roi_ids))})",
                [*carried, version_id, frame_id, *roi_ids],
            )


def copy_memberships(*, source_id: int, target_id: int) -> None:
    """The target version sees every frame the source sees, under the same keys.

    One INSERT … SELECT: a fork of a million frames copies narrow rows in about 2 s.
    """
    members = table(VersionFrame)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {members} (version_id, key, frame_id) "
            f"SELECT %s, key, frame_id FROM {members} WHERE version_id = %s",
            [target_id, source_id],
        )


def analyze_tables(*, vacuum: bool = False) -> None:
    """Fresh planner statistics after a benchmark's bulk load (PostgreSQL only).

    `vacuum` also sets the visibility map, which lets filter queries read indexes only.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


FRAME_COLUMNS = (
    "id",
    "version_id",
    "context_id",
    "timestamp",
    "uri",
    "width",
    "height",
    "meta",
    "sources",
    "revision",
    "annotation_count",
)


# Up to this many keys, each is looked up by the primary keys (a batch of an import); more (a
# whole file's matching) are read by one join, which a hash makes cheaper than that many probes.
KEYS_PROBED = 10_000


def _statements_under_keys(
    version_id: int, keys: list[str], selected: str
) -> Iterator[tuple[str, list]]:
    """Statements (with parameters) reading `selected` of the frames the version shows under
    `keys`, each row led by its key.

    PostgreSQL: one array parameter (psycopg took 0.2 s to parse an `IN` of 5,000
    placeholders). A batch's keys are each looked up by the membership's primary key in a
    LATERAL subquery: a join on `m.key = ANY(…)` let the planner scan every membership of the
    version and every frame row for each batch of an import (77 ms for 5,000 keys of a
    100,000-frame version, 17 ms this way), so a batch cost more the larger the version; the
    LIMIT keeps the planner from turning the subquery back into that join. SQLite: chunks of
    `IN (…)`.
    """
    frames, members = table(Frame), table(VersionFrame)
    if connection.vendor == "postgresql" and len(keys) <= KEYS_PROBED:
        yield (
            f"SELECT k.key, {selected} FROM unnest(%s::text[]) AS k(key) "
            f"CROSS JOIN LATERAL (SELECT frame_id FROM {members} "
            "WHERE version_id = %s AND key = k.key LIMIT 1) m "
            f"JOIN {frames} f ON f.id = m.frame_id",
            [list(keys), version_id],
        )
        return
    joined = f"SELECT m.key, {selected} FROM {members} m JOIN {frames} f ON f.id = m.frame_id"
    if connection.vendor == "postgresql":
        yield f"{joined} WHERE m.version_id = %s AND m.key = ANY(%s)", [version_id, list(keys)]
        return
    for chunk in chunked(keys):
        yield (
            f"{joined} WHERE m.version_id = %s AND m.key IN ({placeholders(len(chunk))})",
            [version_id, *chunk],
        )


def frame_rows_under_keys(
    version_id: int, keys: list[str], columns: tuple[str, ...] = FRAME_COLUMNS
) -> dict[str, dict]:
    """{key: the frame row's `columns` as a dict} for the keys the version has.

    Plain rows for an annotation import of 100,000 frames: Frame instances cost ~10 µs each.
    """
    selected = ", ".join(f"f.{connection.ops.quote_name(c)}" for c in columns)
    found = {}
    with connection.cursor() as cursor:
        for sql, params in _statements_under_keys(version_id, keys, selected):
            cursor.execute(sql, params)
            for key, *values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                for field in ("meta", "sources"):
                    if field in row:
                        row[field] = _json(row[field])
                found[key] = row
    return found


def frame_files(version_id: int) -> list[tuple[str, str, int, int]]:
    """(key, uri, width, height) of every frame the version shows: matching by file name reads
    the last part of each URI, which no index holds."""
    frames, members = table(Frame), table(VersionFrame)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.key, f.uri, f.width, f.height FROM {members} m "
            f"JOIN {frames} f ON f.id = m.frame_id WHERE m.version_id = %s",
            [version_id],
        )
        return cursor.fetchall()


ANNOTATION_COLUMNS = ANNOTATION_FIELDS


def annotations_of_frames(frame_ids: list[int], *, stored: bool = False) -> dict[int, list[dict]]:
    """{frame id: its annotations as dicts of ANNOTATION_COLUMNS (with `stored`, also the row's
    `id` and `position`), in drawing order}; plain rows, JSON read by orjson (Django's JSONField reading
    and model instances took ~75 ms of a GET of a frame of 1,000 polygons).

    On PostgreSQL one index probe a frame (a LATERAL subquery, kept whole by OFFSET 0): with
    `frame_id IN (…)` a table with no statistics yet, as right after a bulk import, was read
    whole, since the planner then guesses 0.5 % of the rows a value (half the table for a page
    of 100 frames). A probe a frame is the cheapest plan whatever the statistics say.
    """
    found: dict[int, list[dict]] = {}
    names = (*ANNOTATION_COLUMNS, "id", "position") if stored else ANNOTATION_COLUMNS
    columns = ", ".join(f"r.{connection.ops.quote_name(c)}" for c in names)
    rois = table(Roi)
    if connection.vendor == "postgresql" and len(frame_ids) > 1:  # one frame: plain, planned faster
        batches = [
            (
                f"SELECT f.id, {columns} FROM unnest(%s::bigint[]) AS f(id) CROSS JOIN LATERAL "
                f"(SELECT * FROM {rois} WHERE frame_id = f.id OFFSET 0) AS r "
                "ORDER BY f.id, r.position",
                [list(frame_ids)],
            )
        ]
    else:
        batches = [
            (
                f"SELECT r.frame_id, {columns} FROM {rois} r "
                f"WHERE r.frame_id IN ({placeholders(len(chunk))}) ORDER BY r.frame_id, r.position",
                list(chunk),
            )
            for chunk in chunked(frame_ids)
        ]
    with connection.cursor() as cursor:
        for sql, params in batches:
            cursor.execute(sql, params)
            for frame_id, *values in cursor.fetchall():
                annotation = dict(zip(names, values, strict=True))
                for field in ("labels", "points", "meta", "mask"):
                    annotation[field] = _json(annotation[field])
                annotation["locked"] = bool(annotation["locked"])
                found.setdefault(frame_id, []).append(annotation)
    return found


def _json(value):
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def frames_saved(rows: list[tuple[int, int]], *, user_id: int | None, at) -> None:
    """Each frame `(id, annotation_count)` gets its new count, the next revision, and its saver.

    One UPDATE from two arrays on PostgreSQL (100,000 rows in well under a second); SQLite
    runs one statement a row, which is fast enough there.
    """
    frames = table(Frame)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, counts = [r[0] for r in rows], [r[1] for r in rows]
            # `f.id = ANY(…)` as well: the frames are found by the primary key, not by a scan of
            # the whole table that a join on `v.id` alone may get (39 ms for 5,000 frames of
            # 100,000 rather than 67 ms, and the same however large the table grows).
            cursor.execute(
                f"UPDATE {frames} f SET revision = f.revision + 1, annotation_count = v.n, "
                "updated_by_id = %s, updated_at = %s "
                "FROM unnest(%s::bigint[], %s::int[]) AS v(id, n) "
                "WHERE f.id = v.id AND f.id = ANY(%s::bigint[])",
                [user_id, at, ids, counts, ids],
            )
            return
        cursor.executemany(
            f"UPDATE {frames} SET revision = revision + 1, annotation_count = %s, "
            "updated_by_id = %s, updated_at = %s WHERE id = %s",
            [(count, user_id, at, frame_id) for frame_id, count in rows],
        )


def memberships_repoint(version_id: int, pairs: list[tuple[str, int]]) -> None:
    """The version sees frame row `frame_id` under `key` from now on: its copy-on-write copies."""
    members = table(VersionFrame)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {members} m SET frame_id = v.frame_id "
                "FROM unnest(%s::text[], %s::bigint[]) AS v(key, frame_id) "
                "WHERE m.version_id = %s AND m.key = v.key",
                [[p[0] for p in pairs], [p[1] for p in pairs], version_id],
            )
            return
        cursor.executemany(
            f"UPDATE {members} SET frame_id = %s WHERE version_id = %s AND key = %s",
            [(frame_id, version_id, key) for key, frame_id in pairs],
        )


# An export writes each frame's annotations as JSON text (an array of ROIs, one of frame labels):
# Python then parses two strings a frame instead of building five dicts from fifteen. The CPU
# time moves to the database, where the export's read-ahead connection spends it beside the
# writer. Text is joined by hand: `json_build_object` looks up each argument's type on every row
# and took twice as long. Strings that may need escaping go through `to_json`; jsonb columns are
# JSON as text already; booleans and numbers print as JSON does.
ROI_JSON = (
    """'{"id":' || to_json(uid)::text || ',"type":' || to_json(type)::text"""
    """ || ',"labels":' || labels::text || ',"points":' || points::text"""
    """ || CASE WHEN type IN ('box', 'ellipse') THEN ',"rotation":' || rotation::text ELSE '' END"""
    """ || CASE WHEN type = 'mask' THEN ',"mask":' || mask::text ELSE '' END"""
    """ || ',"source":' || to_json(source)::text"""
    """ || ',"confidence":' || confidence::text || ',"meta":' || meta::text"""
    """ || ',"color":' || to_json(color)::text || ',"locked":' || locked::text || '}'"""
)
LABEL_JSON = (
    """'{"id":' || to_json(uid)::text || ',"labels":' || labels::text"""
    """ || ',"confidence":' || confidence::text || ',"meta":' || meta::text"""
    """ || ',"color":' || to_json(color)::text || ',"locked":' || locked::text || '}'"""
)
AS_JSON = f"""
    SELECT frame_id,
        '[' || string_agg({ROI_JSON}, ',' ORDER BY position)
            FILTER (WHERE type <> %(frame)s) || ']',
        '[' || string_agg({LABEL_JSON}, ',' ORDER BY position)
            FILTER (WHERE type = %(frame)s) || ']'
    FROM {{rois}} WHERE frame_id = ANY(%(frames)s) GROUP BY frame_id
"""


def annotations_as_json(frame_ids: list[int]) -> dict[int, tuple[list[dict], list[dict]]]:
    """{frame id: (ROIs, frame labels)} in drawing order, in the API's shape; PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            AS_JSON.replace("{rois}", table(Roi)),
            {"frame": Roi.Type.FRAME.value, "frames": frame_ids},
        )
        rows = cursor.fetchall()
    loads = orjson.loads
    return {
        frame_id: (loads(rois) if rois else [], loads(labels) if labels else [])
        for frame_id, rois, labels in rows
    }
