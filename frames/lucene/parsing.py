"""Reading query text: luqum's parse with its errors given a position, quoted metadata keys,
escapes, and the terms (words and phrases) the compiler compares."""

import re
from dataclasses import dataclass
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse as luqum_parse

NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
INTEGER_RE = re.compile(r"[+-]?\d+")
ESCAPED = re.compile(r"\\(.)", re.S)
WILDCARD_PIECES = re.compile(r"\\(.)|([*?])|([^\\*?]+)", re.S)
QUOTED = r'"(?:[^"\\]|\\.)*"'
# Escapes and phrases are matched only to step over them.
KEYS = re.compile(
    rf"""(?P<escape>\\.)
    |(?<![^\s(:+\-])(?P<key>(?:rois\.|sources\.)?meta(?:\.(?:{QUOTED}|(?:[^\s.:"\\()]|\\.)+))+)
    |(?P<phrase>{QUOTED})""",
    re.S | re.X,
)
KEY_SEGMENT = re.compile(rf"{QUOTED}|[^\"]+", re.S)
DEGREES = re.compile(rf"\\.|{QUOTED}|(?P<modifier>[~^])(?P<degree>[0-9.]+)", re.S)


class QueryError(ValidationError):
    """A query that cannot be compiled; `position` is the 0-based offset of the problem."""

    def __init__(self, problem: str, position: int, hint: str = ""):
        message = f"{problem} at position {position}" + (f"; {hint}" if hint else "")
        super().__init__(message, code="invalid_query")
        self.problem, self.position, self.hint = problem, position, hint


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
        if INTEGER_RE.fullmatch(self.raw) and abs(int(self.raw)) < 2**63:
            return int(self.raw)
        value = float(self.raw)
        return value if abs(value) != float("inf") else None


def unquote_keys(text: str) -> tuple[str, list[int]]:
    """The text with `meta."a b"` spelled `meta.a\\ b` (luqum has no quoted field names), and
    for each of its offsets (and its end) the offset in `text`."""
    pieces, origin, done = [], [], 0
    for match in KEYS.finditer(text):
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


def parse(text: str):
    """luqum's tree of `text`; luqum's errors become QueryErrors naming a position."""
    try:
        return luqum_parse(text)
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
        raise unconvertible_degree(text) from None


def unconvertible_degree(text: str) -> QueryError:
    degrees = [match for match in DEGREES.finditer(text) if match["modifier"]]
    if not degrees:
        return QueryError("Fuzzy search (~) and boosting (^) are not supported", 0)
    culprit = next((match for match in degrees if "." in match["degree"]), degrees[0])
    problem = "Boosting (^)" if culprit["modifier"] == "^" else "Fuzzy search (~)"
    return QueryError(f"{problem} is not supported", culprit.start())
