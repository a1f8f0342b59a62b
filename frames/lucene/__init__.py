"""Lucene queries over ROIs and frames, compiled to Django `Q` objects (never to SQL text).

`compile_roi_query` describes one ROI (a row of `Roi`, frame labels included as type "frame"):
fields `label` (also `label.keyword`), `confidence`, `type`, `id` and `meta.<key>`, each also
with a `rois.` prefix; a term without a field means `label:<term>`. `compile_frame_query`
describes a `Frame`: `id`, `context_id`, `timestamp`, `meta.<key>`. `compile_source_query`
describes one source of a frame (a row of the view `SourceRow`): `id`, `uri`, `width`, `height`
and `meta.<key>` (the source's own meta), each also with a `sources.` prefix; a frame without
listed sources has one, `default`, with empty meta. Use an ROI query per ROI,
`Exists(Roi.objects.filter(frame=OuterRef("pk")).filter(q))`, so `car AND occluded` means one ROI
carrying both labels; likewise a source query per source,
`ExistsPerRow(SourceRow.objects.filter(frame=OuterRef("pk")).filter(q))`, so
`id:front AND width:1920` means one source that is both (`ExistsPerRow`: see `sql`).

Choices beyond the Lucene syntax:
- Juxtaposed terms mean AND. Text matches are exact and case-sensitive (keyword fields).
- `*` and `?` are wildcards in words (a backslash makes them literal), at most four a word; a
  phrase is literal text. `field:*` means the field has a value. Wildcards compile to GLOB
  (SQLite) or LIKE (PostgreSQL) patterns, never to regular expressions.
- `meta.a.b` walks nested objects; quote or escape a key holding dots, spaces or dashes:
  `meta."weather type":rain`, `meta.weather\\ type:rain`.
- A `meta` value's type comes from the query: `true`/`false` match JSON booleans only, a number
  matches a JSON number equal to it or a JSON string spelled the same (`meta.n:7` matches 7, 7.0
  and "7"), anything else and any phrase matches JSON strings. A range compares numbers when its
  bounds are numbers and strings (by code point) otherwise; values of another type never match.
- `_exists_:meta.key` holds when the key is present with a non-null value.
- `NOT x` holds for every row where `x` does not, including rows without the field: every
  condition on a JSON value is written to be true or false, never NULL.

Modules: `parsing` reads the text, `fields` says what each name compares, `compiler` walks the
tree, `sql` holds what each database runs for JSON values.
"""

from django.db.models import Q

from .compiler import QueryCompiler
from .fields import FRAME_SCOPE, ROI_SCOPE, SOURCE_SCOPE, Scope, roi_scope
from .parsing import QueryError, parse, unquote_keys
from .sql import ExistsPerRow

__all__ = [
    "ExistsPerRow",
    "QueryError",
    "check_query",
    "compile_frame_query",
    "compile_roi_query",
    "compile_source_query",
]

MAX_LENGTH = 5000  # luqum's parser slows down quadratically with the number of terms
SCOPES = {"roi": ROI_SCOPE, "frame": FRAME_SCOPE, "source": SOURCE_SCOPE}


def compile_query(text: str, *, scope: Scope) -> Q:
    if not text or not text.strip():
        return Q()
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The query is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if "\x00" in text:  # PostgreSQL cannot compare text holding NUL
        raise QueryError("The NUL character (\\u0000) cannot be searched for", text.index("\x00"))
    rewritten, origin = unquote_keys(text)
    try:
        return QueryCompiler(scope).compile(parse(rewritten))
    except QueryError as error:
        if rewritten == text:
            raise
        raise QueryError(error.problem, origin[error.position], error.hint) from None


def compile_roi_query(text: str, *, lineage: list[int] | None = None) -> Q:
    """A Q over `Roi` rows: one ROI must satisfy the whole query. With `lineage` (the ids of a
    version and its ancestors), label terms read those versions' label rows only."""
    return compile_query(text, scope=roi_scope(tuple(lineage)) if lineage else ROI_SCOPE)


def compile_frame_query(text: str) -> Q:
    """A Q over `Frame` rows."""
    return compile_query(text, scope=FRAME_SCOPE)


def compile_source_query(text: str) -> Q:
    """A Q over `SourceRow` rows (one source of a frame each): one source must satisfy the whole
    query."""
    return compile_query(text, scope=SOURCE_SCOPE)


def check_query(text: str, *, scope: str) -> None:
    """Raises QueryError when `text` is not a valid query for scope "roi", "frame" or "source"."""
    compile_query(text, scope=SCOPES[scope])
