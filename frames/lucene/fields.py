"""Fields: what a name in a query compares against, per scope, and the conditions a term
makes on a field. Lookups come from these constants, never from query text."""

import re
from dataclasses import dataclass, replace

from django.db.models import BooleanField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Left
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from config.sql import CodePointOrder
from frames.models import Roi, RoiLabel

from .parsing import QueryError, Term, unescape
from .sql import JsonBooleanIs, JsonNumber, JsonText, JsonType, Wildcard

TEXT, NUMBER, JSON = "text", "number", "json"
ALWAYS = Q(pk__isnull=False)
MAX_WILDCARDS = 4  # a term; each `*` multiplies the work of matching one value
ORDERING = (GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual)
META_PATH = re.compile(r"(?:\\.|[^.\\])+(?:\.(?:\\.|[^.\\])+)*", re.S)
META_KEY = re.compile(r"(?:\\.|[^.\\])+", re.S)


@dataclass(frozen=True)
class Column:
    """A model column. Every field has `target(kind)`, the expression a condition compares,
    `wrap(condition)`, the row's Q for it, and `exists()`, the Q for "has a value"."""

    name: str
    column: str
    kind: str
    choices: tuple[str, ...] = ()

    def target(self, kind: str):
        return F(self.column)

    def wrap(self, condition) -> Q:
        return Q(condition)

    def exists(self) -> Q:
        return ALWAYS


@dataclass(frozen=True)
class LabelField(Column):
    """Labels are matched through their index rows: one RoiLabel per (ROI, label); with a
    `lineage` (version ids), through those versions' rows only, which the planner can then read
    by the (label, version) index instead of every row of the label."""

    lineage: tuple[int, ...] = ()

    def wrap(self, condition) -> Q:
        if self.lineage:
            # `id IN (the lineage's label rows)`: the planner drives from the label index and
            # fetches the ROIs by primary key (a Lucene rule on 1M frames: 0.7 s, where EXISTS
            # read every ROI of the version: 2.0 s). Negated, it is a hashed NOT IN, which fits
            # the 64 MB of work_mem filters run with up to a few million label rows.
            rows = RoiLabel.objects.filter(condition, version_id__in=self.lineage)
            return Q(pk__in=rows.values("roi_id"))
        rows = RoiLabel.objects.filter(condition, roi=OuterRef("pk"), frame=OuterRef("frame"))
        return Q(Exists(rows))


@dataclass(frozen=True)
class MetaField:
    """`meta.<keys>`: a value inside the JSON column, of the type the query's term implies."""

    keys: tuple[str, ...]
    kind = JSON
    TARGETS = {TEXT: JsonText, NUMBER: JsonNumber}

    @property
    def name(self) -> str:
        return "meta." + ".".join(self.keys)

    def target(self, kind: str):
        return self.TARGETS[kind]("meta", self.keys)

    def wrap(self, condition) -> Q:
        # A comparison with a missing value is NULL, and NOT NULL is NULL too: make it false.
        return Q(Coalesce(condition, Value(False), output_field=BooleanField()))

    def exists(self) -> Q:
        return Q(IsNull(JsonType("meta", self.keys), False))


@dataclass(frozen=True)
class Scope:
    fields: dict[str, Column]
    aliases: dict[str, str]
    prefix: str
    default: Column | None
    noun: str = "query"  # names the query in errors: "A frame query needs a field here"

    @property
    def known(self) -> str:
        return "known: " + ", ".join([*self.fields, "meta.<key>"])

    def field(self, raw_name: str, position: int) -> Column | MetaField:
        name = raw_name.removeprefix(self.prefix)
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


LABEL = LabelField("label", "label", TEXT)
ROI_SCOPE = Scope(
    fields={
        "label": LABEL,
        "confidence": Column("confidence", "confidence", NUMBER),
        "type": Column("type", "type", TEXT, choices=tuple(Roi.Type.values)),
        "id": Column("id", "uid", TEXT),
    },
    aliases={"label.keyword": "label"},
    prefix="rois.",
    default=LABEL,
)


def roi_scope(lineage: tuple[int, ...]) -> Scope:
    """The ROI scope reading label rows of the versions in `lineage` only."""
    label = replace(LABEL, lineage=lineage)
    return replace(ROI_SCOPE, fields=ROI_SCOPE.fields | {"label": label}, default=label)


FRAME_SCOPE = Scope(
    fields={
        "id": Column("id", "key", TEXT),
        "context_id": Column("context_id", "context_id", TEXT),
        "timestamp": Column("timestamp", "timestamp", NUMBER),
    },
    aliases={},
    prefix="",
    default=None,
    noun="frame query",
)

# One source of a frame: a row of the view `SourceRow` (`frames_source_row`), whose `meta` is the
# source's own metadata (`{}` for a frame's implicit "default" source).
SOURCE_SCOPE = Scope(
    fields={
        "id": Column("id", "source", TEXT),
        "uri": Column("uri", "uri", TEXT),
        "width": Column("width", "width", NUMBER),
        "height": Column("height", "height", NUMBER),
    },
    aliases={},
    prefix="sources.",
    default=None,
    noun="source query",
)


def number_of(field, term: Term) -> int | float:
    number = term.number()
    if number is None:
        raise QueryError(
            f'"{term.text}" is not a number; {field.name} takes numbers', term.position
        )
    return number


def compare(field, kind: str, lookup, value) -> Q:
    target = field.target(kind)
    compared = CodePointOrder(target) if lookup in ORDERING and kind == TEXT else target
    return field.wrap(lookup(compared, Value(value) if kind == NUMBER else value))


def equals(field, term: Term) -> Q:
    if field.kind == NUMBER:
        return compare(field, NUMBER, Exact, number_of(field, term))
    if field.kind == TEXT:
        if field.choices and term.text not in field.choices:
            known = "known: " + ", ".join(field.choices)
            raise QueryError(f'Unknown {field.name} "{term.text}"', term.position, known)
        return compare(field, TEXT, Exact, term.text)
    # A meta field: the term's spelling decides the JSON type it matches.
    if not term.is_phrase and term.raw in ("true", "false"):
        return field.wrap(JsonBooleanIs("meta", field.keys, term.raw == "true"))
    text = compare(field, TEXT, Exact, term.text)
    number = term.number()
    return text if number is None else compare(field, NUMBER, Exact, number) | text


def matches(field, term: Term, pieces: list[tuple[str, bool]]) -> Q:
    """A word with wildcards: a prefix when the only wildcard is a final `*`, else a GLOB or
    LIKE pattern (never a regular expression: see `Wildcard`)."""
    if field.kind == NUMBER:
        raise QueryError(f"Wildcards work on text; {field.name} is a number", term.position)
    wildcards = sum(is_wildcard for _, is_wildcard in pieces)
    if wildcards > MAX_WILDCARDS:
        raise QueryError(
            f"A term may hold at most {MAX_WILDCARDS} wildcards (* or ?); this one has {wildcards}",
            term.position,
        )
    *head, (last, last_is_wildcard) = pieces
    if last == "*" and last_is_wildcard and not any(is_wildcard for _, is_wildcard in head):
        prefix = "".join(text for text, _ in head)
        return field.wrap(Exact(Left(field.target(TEXT), len(prefix)), prefix))
    return field.wrap(Wildcard(field.target(TEXT), pieces))


def bounded(field, bounds: list[tuple[type, Term]]) -> Q:
    """Range ends [(lookup, term)]: numbers or text, decided by the field or else by the bounds."""
    if not bounds:
        return field.exists()
    kind = field.kind
    if kind == JSON:
        numbers = [term.number() is not None for _, term in bounds]
        if any(numbers) and not all(numbers):
            raise QueryError(
                "A range's bounds must both be numbers or both text", bounds[0][1].position
            )
        kind = NUMBER if all(numbers) else TEXT
    conditions = [
        compare(field, kind, lookup, number_of(field, term) if kind == NUMBER else term.text)
        for lookup, term in bounds
    ]
    return Q(*conditions)
