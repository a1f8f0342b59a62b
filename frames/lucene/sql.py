"""The SQL each database gets for Lucene conditions on JSON values, text order and wildcards, and
the EXISTS that matches a frame's sources.

Each `JsonAt` class reads the value at a key path and yields it only when it has the class's JSON
type, else NULL, so a cast never sees a wrong type (PostgreSQL would raise). The path is always a
bound parameter.
"""

import json

from django.db import NotSupportedError
from django.db.models import BooleanField, Exists, Expression, F, FloatField, TextField


class JsonAt(Expression):
    """`{j}` in a template stands for the value at `keys` in the JSON column `source`."""

    postgres = sqlite = ""

    def __init__(self, source: str, keys: tuple[str, ...]):
        super().__init__()
        self.source = F(source)
        self.keys = keys

    def get_source_expressions(self):
        return [self.source]

    def set_source_expressions(self, exprs):
        (self.source,) = exprs

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"Lucene JSON queries do not support {connection.vendor}.")

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.source)
        template = self.postgres.replace("{j}", f"({column} #> %s)")
        return template, (*params, list(self.keys)) * self.postgres.count("{j}")

    def as_sqlite(self, compiler, connection):
        column, params = compiler.compile(self.source)
        path, path_params = sqlite_path(column, params, self.keys)
        template = self.sqlite.replace("{j}", f"{column}, {path}")
        return template, (*params, *path_params) * self.sqlite.count("{j}")


def sqlite_path(column: str, params, keys: tuple[str, ...]) -> tuple[str, list]:
    """SQLite compares keys as stored; rows hold non-ASCII keys escaped or raw, so try both."""
    raw = "$" + "".join("." + json.dumps(key, ensure_ascii=False) for key in keys)
    ascii_only = "$" + "".join("." + json.dumps(key) for key in keys)
    if raw == ascii_only:
        return "%s", [raw]
    sql = f"(CASE WHEN JSON_TYPE({column}, %s) IS NOT NULL THEN %s ELSE %s END)"
    return sql, [*params, raw, raw, ascii_only]


class JsonType(JsonAt):
    output_field = TextField()
    postgres = "NULLIF(jsonb_typeof({j}), 'null')"
    sqlite = "NULLIF(JSON_TYPE({j}), 'null')"


class JsonText(JsonAt):
    output_field = TextField()
    postgres = "(CASE WHEN jsonb_typeof({j}) = 'string' THEN ({j} #>> '{}') END)"
    sqlite = "(CASE WHEN JSON_TYPE({j}) = 'text' THEN JSON_EXTRACT({j}) END)"


class JsonNumber(JsonAt):
    output_field = FloatField()
    postgres = "(CASE WHEN jsonb_typeof({j}) = 'number' THEN ({j})::double precision END)"
    sqlite = "(CASE WHEN JSON_TYPE({j}) IN ('integer', 'real') THEN JSON_EXTRACT({j}) END)"


class JsonBooleanIs(JsonAt):
    """`meta.<path>` is the JSON boolean `value`. PostgreSQL tests it by containment, one cheap
    check per row (a Lucene rule query on 1M frames evaluates it ~500,000 times)."""

    output_field = BooleanField()
    sqlite = "(CASE JSON_TYPE({j}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"

    def __init__(self, source: str, keys: tuple[str, ...], value: bool):
        super().__init__(source, keys)
        self.value = value

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.source)
        document = self.value
        for key in reversed(self.keys):
            document = {key: document}
        return f"({column} @> %s::jsonb)", (*params, json.dumps(document))

    def as_sqlite(self, compiler, connection):
        sql, params = super().as_sqlite(compiler, connection)
        return f"({sql} = %s)", (*params, int(self.value))


class ExistsPerRow(Exists):
    """EXISTS that PostgreSQL evaluates per outer row, by the outer row's key, never as a join.

    For a source query (`SourceRow`, the UNION ALL view `frames_source_row` over `frames_frame`)
    PostgreSQL turned a plain EXISTS into a hash semi-join over the whole view, every frame of the
    database unfolded, since it cannot reach into the view by a join key: a 2,000-frame version among
    222,000 frames took 250-600 ms. `OFFSET 0` keeps the subquery a per-row SubPlan whose
    `frame_id = <outer frame>` reaches both halves of the view by the frame's primary key: 5-11 ms
    (a 200,000-frame version of those 222,000: 0.4-1.1 s, where the semi-join took 0.5-0.8 s). So
    the cost follows the version, not the database. SQLite runs EXISTS per row anyway.
    """

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "EXISTS(%(subquery)s OFFSET 0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class Wildcard(Expression):
    """Text matching a Lucene wildcard word: `*` any run of characters, `?` one character, the
    rest literal; case-sensitive on both databases, as Lucene keyword fields are.

    Compiled to a pattern, never a regular expression: SQLite's REGEXP is a Python function that
    backtracks for minutes on a term with many `*` (while the query holds SQLite's lock), and
    PostgreSQL's regex engine is no cheaper. SQLite gets GLOB (case-sensitive, unlike its LIKE),
    PostgreSQL LIKE with its default escape, the backslash; both give up early on a hopeless
    `*` instead of backtracking.
    """

    output_field = BooleanField()

    def __init__(self, expression, pieces: list[tuple[str, bool]]):
        super().__init__()
        self.expression = expression
        self.pieces = pieces

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"Lucene wildcards do not support {connection.vendor}.")

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return f"({sql} GLOB %s)", (*params, glob_pattern(self.pieces))

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return f"({sql} LIKE %s)", (*params, like_pattern(self.pieces))


GLOB_SPECIAL = str.maketrans({"*": "[*]", "?": "[?]", "[": "[[]"})
LIKE_SPECIAL = str.maketrans({"%": "\\%", "_": "\\_", "\\": "\\\\"})


def glob_pattern(pieces: list[tuple[str, bool]]) -> str:
    return "".join(
        text if is_wildcard else text.translate(GLOB_SPECIAL) for text, is_wildcard in pieces
    )


def like_pattern(pieces: list[tuple[str, bool]]) -> str:
    wildcards = {"*": "%", "?": "_"}
    return "".join(
        wildcards[text] if is_wildcard else text.translate(LIKE_SPECIAL)
        for text, is_wildcard in pieces
    )
