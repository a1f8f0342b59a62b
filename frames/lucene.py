"""Lucene queries over ROIs and frames, compiled to Django `Q` objects (never to SQL text).

`compile_roi_query` describes one ROI (a row of `Roi`, frame labels included as type "frame"):
fields `label` (also `label.keyword`), `confidence`, `type`, `id` and `meta.<key>`, each also
with a `rois.` prefix; a term without a field means `label:<term>`. `compile_frame_query`
describes a `Frame`: `id`, `context_id`, `timestamp`, `meta.<key>`. Use an ROI query per ROI,
`Exists(Roi.objects.filter(frame=OuterRef("pk")).filter(q))`, so `car AND occluded` means one ROI
carrying both labels.

Choices beyond the Lucene syntax:
- Juxtaposed terms mean AND. Text matches are exact and case-sensitive (keyword fields).
- `*` and `?` are wildcards in words (a backslash makes them literal); a phrase is literal text.
  `field:*` means the field has a value.
- `meta.a.b` walks nested objects; quote or escape a key holding dots, spaces or dashes:
  `meta."weather type":rain`, `meta.weather\\ type:rain`.
- A `meta` value's type comes from the query: `true`/`false` match JSON booleans only, a number
  matches a JSON number equal to it or a JSON string spelled the same (`meta.n:7` matches 7, 7.0
  and "7"), anything else and any phrase matches JSON strings. A range compares numbers when its
  bounds are numbers and strings (by code point) otherwise; values of another type never match.
- `_exists_:meta.key` holds when the key is present with a non-null value.
- `NOT x` holds for every row where `x` does not, including rows without the field: every
  condition on a JSON value is written to be true or false, never NULL.
"""

import json
import re
from dataclasses import dataclass
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db import NotSupportedError
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    FloatField,
    OuterRef,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Left
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Regex,
)
from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse
from luqum.tree import (
    Boost,
    Fuzzy,
    Phrase,
    Prohibit,
    Proximity,
    Word,
)
from luqum.tree import Regex as RegexNode
from luqum.visitor import TreeVisitor

from .models import RoiLabel

MAX_DEPTH = 40
MAX_LENGTH = 5000  # luqum's parser slows down quadratically with the number of terms
ALWAYS = Q(pk__isnull=False)
TEXT, NUMBER = "text", "number"
ORDERING = (GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual)
NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
ESCAPED = re.compile(r"\\(.)", re.S)
WILDCARD_PIECES = re.compile(r"\\(.)|([*?])|([^\\*?]+)", re.S)
META_PATH = re.compile(r"(?:\\.|[^.\\])+(?:\.(?:\\.|[^.\\])+)*", re.S)
META_KEY = re.compile(r"(?:\\.|[^.\\])+", re.S)
UNSUPPORTED = {
    Fuzzy: "Fuzzy search (~)",
    Proximity: "Proximity search (~)",
    Boost: "Boosting (^)",
    RegexNode: "A regular expression (/…/)",
}


class QueryError(ValidationError):
    """A query that cannot be compiled; `position` is the 0-based offset of the problem."""

    def __init__(self, problem: str, position: int, hint: str = ""):
        message = f"{problem} at position {position}" + (f"; {hint}" if hint else "")
        super().__init__(message, code="invalid_query")
        self.problem, self.position, self.hint = problem, position, hint


# JSON values. Each class reads the value at a key path and yields it only when it has the
# class's JSON type, else NULL, so a cast never sees a wrong type (PostgreSQL would raise).
# The path is always a bound parameter.


class JsonAt(Expression):
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


# Fields: what a name in the query compares against. Lookups come from these constants.


@dataclass(frozen=True)
class Column:
    name: str
    column: str
    kind: str
    choices: tuple[str, ...] = ()

    def target(self, kind: str):
        return F(self.column)

    def wrap(self, condition, target) -> Q:
        return Q(condition)

    def exists(self) -> Q:
        return ALWAYS


@dataclass(frozen=True)
class LabelField(Column):
    """Labels are matched through their index rows: one RoiLabel per (ROI, label)."""

    name: str = "label"
    column: str = "label"
    kind: str = TEXT

    def wrap(self, condition, target) -> Q:
        rows = RoiLabel.objects.filter(condition, roi=OuterRef("pk"), frame=OuterRef("frame"))
        return Q(Exists(rows))


@dataclass(frozen=True)
class MetaField:
    keys: tuple[str, ...]
    kind: str = "json"
    choices: tuple[str, ...] = ()
    TARGETS = {TEXT: JsonText, NUMBER: JsonNumber}

    @property
    def name(self) -> str:
        return "meta." + ".".join(self.keys)

    def target(self, kind: str):
        return self.TARGETS[kind]("meta", self.keys)

    def wrap(self, condition, target) -> Q:
        # A comparison with a missing value is NULL, and NOT NULL is NULL too: make it false.
        return Q(Coalesce(condition, Value(False), output_field=BooleanField()))

    def exists(self) -> Q:
        return Q(IsNull(JsonType("meta", self.keys), False))


@dataclass(frozen=True)
class Scope:
    fields: dict
    aliases: dict
    prefix: str
    default: Column | None

    @property
    def known(self) -> str:
        return "known: " + ", ".join([*self.fields, "meta.<key>"])

    def field(self, raw_name: str, position: int):
        name = raw_name.removeprefix(self.prefix) if self.prefix else raw_name
        if name == "meta" or name.startswith("meta."):
            return meta_field(name.removeprefix("meta").removeprefix("."), position)
        plain = unescape(name)
        plain = self.aliases.get(plain, plain)
        if plain in self.fields:
            return self.fields[plain]
        raise QueryError(f'Unknown field "{unescape(raw_name)}"', position, self.known)


def meta_field(path: str, position: int) -> MetaField:
    if not path:
        raise QueryError('Field "meta" needs a key (meta.<key>)', position)
    if not META_PATH.fullmatch(path):
        raise QueryError(f'Empty key in "meta.{unescape(path)}"', position)
    keys = tuple(unescape(key) for key in META_KEY.findall(path))
    if any('"' in key for key in keys):
        raise QueryError('Metadata keys containing a double quote (") are not supported', position)
    return MetaField(keys)


LABEL = LabelField()
ROI_SCOPE = Scope(
    fields={
        "label": LABEL,
        "confidence": Column("confidence", "confidence", NUMBER),
        "type": Column("type", "type", TEXT, choices=("box", "polygon", "keypoints", "frame")),
        "id": Column("id", "uid", TEXT),
    },
    aliases={"label.keyword": "label"},
    prefix="rois.",
    default=LABEL,
)
FRAME_SCOPE = Scope(
    fields={
        "id": Column("id", "key", TEXT),
        "context_id": Column("context_id", "context_id", TEXT),
        "timestamp": Column("timestamp", "timestamp", NUMBER),
    },
    aliases={},
    prefix="",
    default=None,
)
EXISTS = object()  # the field of `_exists_:<field name>`


# Terms and values.


def unescape(text: str) -> str:
    return ESCAPED.sub(r"\1", text)


@dataclass(frozen=True)
class Term:
    raw: str  # as written, backslash escapes kept; a phrase without its quotes
    position: int
    is_phrase: bool = False

    @property
    def text(self) -> str:
        return unescape(self.raw)

    def pieces(self) -> list[tuple[str, bool]]:
        """(text, is_wildcard) pieces; a phrase is one literal."""
        if self.is_phrase:
            return [(self.text, False)]
        return [
            (literal or wildcard or plain, bool(wildcard))
            for literal, wildcard, plain in WILDCARD_PIECES.findall(self.raw)
        ]

    def has_wildcards(self) -> bool:
        return any(is_wildcard for _, is_wildcard in self.pieces())

    def number(self) -> int | float | None:
        if self.is_phrase or not NUMBER_RE.fullmatch(self.raw):
            return None
        if re.fullmatch(r"[+-]?\d+", self.raw) and abs(int(self.raw)) < 2**63:
            return int(self.raw)
        value = float(self.raw)
        return value if abs(value) != float("inf") else None


def _number(field, term: Term) -> int | float:
    number = term.number()
    if number is None:
        raise QueryError(
            f'"{term.text}" is not a number; {field.name} takes numbers', term.position
        )
    return number


def _test(field, kind: str, lookup, value) -> Q:
    target = field.target(kind)
    compared = CodePointOrder(target) if lookup in ORDERING and kind == TEXT else target
    rhs = Value(value) if kind == NUMBER else value
    return field.wrap(lookup(compared, rhs), target)


def equals(field, term: Term) -> Q:
    if field.kind == NUMBER:
        return _test(field, NUMBER, Exact, _number(field, term))
    if field.kind == TEXT:
        if field.choices and term.text not in field.choices:
            known = "known: " + ", ".join(field.choices)
            raise QueryError(f'Unknown {field.name} "{term.text}"', term.position, known)
        return _test(field, TEXT, Exact, term.text)
    # Only meta fields get here: every column is text or a number.
    if not term.is_phrase and term.raw in ("true", "false"):
        return field.wrap(JsonBooleanIs("meta", field.keys, term.raw == "true"), None)
    text = _test(field, TEXT, Exact, term.text)
    number = term.number()
    return text if number is None else _test(field, NUMBER, Exact, number) | text


def matches(field, term: Term, pieces: list[tuple[str, bool]]) -> Q:
    """A word with wildcards: a prefix when the only wildcard is a final `*`, else a regex."""
    if field.kind == NUMBER:
        raise QueryError(f"Wildcards work on text; {field.name} is a number", term.position)
    *head, (last, last_is_wildcard) = pieces
    if last == "*" and last_is_wildcard and not any(is_wildcard for _, is_wildcard in head):
        prefix = "".join(text for text, _ in head)
        target = field.target(TEXT)
        return field.wrap(Exact(Left(target, len(prefix)), prefix), target)
    regex = "".join(
        (".*" if text == "*" else ".") if is_wildcard else re.escape(text)
        for text, is_wildcard in pieces
    )
    # (?s), \A and \Z mean the same to Python (SQLite's REGEXP) and PostgreSQL.
    return _test(field, TEXT, Regex, rf"(?s)\A{regex}\Z")


def bounded(field, bounds: list[tuple[type, Term]]) -> Q:
    """Range ends [(lookup, term)]; numbers or text, decided by the field or by the bounds."""
    if not bounds:
        return field.exists()
    kind = field.kind
    if kind not in (TEXT, NUMBER):
        numbers = [term.number() is not None for _, term in bounds]
        if any(numbers) and not all(numbers):
            raise QueryError(
                "A range's bounds must both be numbers or both text", bounds[0][1].position
            )
        kind = NUMBER if all(numbers) else TEXT
    conditions = [
        _test(field, kind, lookup, _number(field, term) if kind == NUMBER else term.text)
        for lookup, term in bounds
    ]
    return Q(*conditions)


# The compiler.


class QueryCompiler(TreeVisitor):
    """Returns one Q per node; nodes without a visit_ method are refused."""

    generic_visitor_method_name = "visit_unsupported"

    def __init__(self, scope: Scope):
        super().__init__()
        self.scope = scope

    def compile(self, tree) -> Q:
        return self.one(tree, {"field": None, "depth": 0})

    def one(self, node, context) -> Q:
        if context["depth"] >= MAX_DEPTH:
            raise QueryError(f"The query nests deeper than {MAX_DEPTH} levels", node.pos)
        (q,) = self.visit_iter(node, {**context, "depth": context["depth"] + 1})
        return q

    def visit_and_operation(self, node, context):
        yield Q(*(self.one(operand, context) for operand in node.operands))

    visit_unknown_operation = visit_and_operation

    def visit_or_operation(self, node, context):
        operands = (self.one(operand, context) for operand in node.operands)
        yield Q(*operands, _connector=Q.OR)

    def visit_not(self, node, context):
        yield ~self.one(node.a, context)

    visit_prohibit = visit_not

    def visit_plus(self, node, context):
        yield self.one(node.a, context)

    def visit_base_group(self, node, context):
        yield self.one(node.expr, context)

    def visit_search_field(self, node, context):
        if context["field"] is not None:
            raise QueryError(f'Field "{unescape(node.name)}" inside a field group', node.pos)
        field = EXISTS if node.name == "_exists_" else self.scope.field(node.name, node.pos)
        yield self.one(node.expr, {**context, "field": field})

    def visit_word(self, node, context):
        term = Term(node.value, node.pos)
        if context["field"] is None and term.raw in ("&&", "||"):
            raise QueryError(f'Write AND, OR or NOT instead of "{term.raw}"', node.pos)
        yield self.term(term, context)

    def visit_phrase(self, node, context):
        yield self.term(Term(node.value[1:-1], node.pos, is_phrase=True), context)

    def term(self, term: Term, context) -> Q:
        field = self.field(context, term.position, is_range=False)
        if field is EXISTS:
            return self.scope.field(
                term.text if term.is_phrase else term.raw, term.position
            ).exists()
        pieces = term.pieces()
        if pieces == [("*", True)]:
            return field.exists()
        if term.has_wildcards():
            return matches(field, term, pieces)
        return equals(field, term)

    def visit_range(self, node, context):
        field = self.field(context, node.pos)
        low, high = self.bound(node.low), self.bound(node.high)
        bounds = []
        if low is not None:
            bounds.append((GreaterThanOrEqual if node.include_low else GreaterThan, low))
        if high is not None:
            bounds.append((LessThanOrEqual if node.include_high else LessThan, high))
        yield bounded(field, bounds)

    def visit_from(self, node, context):
        bound = self.bound(node.a)
        lookup = GreaterThanOrEqual if node.include else GreaterThan
        yield bounded(self.field(context, node.pos), [] if bound is None else [(lookup, bound)])

    def visit_to(self, node, context):
        bound = self.bound(node.a)
        lookup = LessThanOrEqual if node.include else LessThan
        yield bounded(self.field(context, node.pos), [] if bound is None else [(lookup, bound)])

    def bound(self, node) -> Term | None:
        """A range end: None for `*`; luqum reads a leading minus as "prohibit"."""
        if isinstance(node, Prohibit) and isinstance(node.a, Word):
            return self.bound_term(Term("-" + node.a.value, node.pos))
        if isinstance(node, Phrase):
            return Term(node.value[1:-1], node.pos, is_phrase=True)
        if isinstance(node, Word):
            return None if node.value == "*" else self.bound_term(Term(node.value, node.pos))
        raise QueryError("A range bound must be a word, a number or a phrase", node.pos)

    def bound_term(self, term: Term) -> Term:
        if term.has_wildcards():
            raise QueryError("Wildcards are not allowed in a range", term.position)
        return term

    def field(self, context, position: int, *, is_range=True):
        field = context["field"]
        if field is EXISTS and is_range:
            raise QueryError("_exists_ takes a field name", position)
        if field is None:
            field = self.scope.default
        if field is None:
            raise QueryError("A frame query needs a field here", position, self.scope.known)
        return field

    def visit_unsupported(self, node, context):
        what = UNSUPPORTED.get(type(node), f"{type(node).__name__} here")
        raise QueryError(f"{what} is not supported", node.pos)


# Quoted keys: luqum has no quoted field names, so `meta."a b"` is rewritten as `meta.a\ b`.
# SCAN matches escapes and phrases only to step over them.

QUOTED = r'"(?:[^"\\]|\\.)*"'
SCAN = re.compile(
    rf"""(?P<escape>\\.)
    |(?<![^\s(:+\-])(?P<key>(?:rois\.)?meta(?:\.(?:{QUOTED}|(?:[^\s.:"\\()]|\\.)+))+)
    |(?P<phrase>{QUOTED})""",
    re.S | re.X,
)
KEY_SEGMENT = re.compile(rf"{QUOTED}|[^\"]+", re.S)
MODIFIER = re.compile(r"(?<!\\)[~^]([0-9.]+)")


def unquote_keys(text: str) -> tuple[str, list[int]]:
    """The text luqum reads, and for each of its offsets (and its end) the offset in `text`."""
    pieces, origin, done = [], [], 0
    for match in SCAN.finditer(text):
        if match["key"] is None or '"' not in match["key"]:
            continue
        pieces.append(text[done : match.start()])
        origin.extend(range(done, match.start()))
        for segment in KEY_SEGMENT.finditer(match["key"]):
            start = match.start() + segment.start()
            if segment[0].startswith('"'):
                escaped = re.sub(r"(\W)", r"\\\1", unescape(segment[0][1:-1]))
                pieces.append(escaped)
                origin.extend([start] * len(escaped))
            else:
                pieces.append(segment[0])
                origin.extend(range(start, start + len(segment[0])))
        done = match.end()
    pieces.append(text[done:])
    origin.extend(range(done, len(text) + 1))
    return "".join(pieces), origin


def _parse(text: str):
    try:
        return parse(text)
    except IllegalCharacterError as error:
        position = int(re.search(r"at position (\d+)", str(error))[1])
        char = text[position]
        problem = "Unclosed quote" if char == '"' else f'Unexpected character "{char}"'
        raise QueryError(problem, position) from None
    except ParseError as error:
        found = re.search(r"unexpected\s+'(.*)' at position (\d+)", str(error), re.S)
        if found is None:
            raise QueryError("Unexpected end of query", len(text)) from None
        raise QueryError(f'Unexpected "{found[1]}"', int(found[2])) from None
    except (InvalidOperation, ValueError):  # luqum fails to convert a degree such as "~."
        degrees = list(MODIFIER.finditer(text))
        if not degrees:
            raise QueryError("Unreadable query", 0) from None
        position = next((m.start() for m in degrees if "." in m[1]), degrees[0].start())
        problem = "Boosting (^)" if text[position] == "^" else "Fuzzy search (~)"
        raise QueryError(f"{problem} is not supported", position) from None


def compile_query(text: str, *, scope: Scope) -> Q:
    if not text or not text.strip():
        return Q()
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The query is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    rewritten, origin = unquote_keys(text)
    try:
        return QueryCompiler(scope).compile(_parse(rewritten))
    except QueryError as error:
        if rewritten == text:
            raise
        raise QueryError(error.problem, origin[error.position], error.hint) from None


def compile_roi_query(text: str) -> Q:
    """A Q over `Roi` rows: one ROI must satisfy the whole query."""
    return compile_query(text, scope=ROI_SCOPE)


def compile_frame_query(text: str) -> Q:
    """A Q over `Frame` rows."""
    return compile_query(text, scope=FRAME_SCOPE)


def check_query(text: str, *, scope: str) -> None:
    """Raises QueryError when `text` is not a valid query for scope "roi" or "frame"."""
    compile_query(text, scope={"roi": ROI_SCOPE, "frame": FRAME_SCOPE}[scope])
