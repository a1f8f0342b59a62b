"""Task frame filters: validate the JSON shape, then compile it to one `Q` over `VersionFrame`.

The Q reads memberships (version, key, frame_id) and reaches the wide frame rows only for what needs
them (empty frames, frame queries): counting a million memberships is far cheaper than joining a
million frames.

A frame is selected when it satisfies any filter; a filter holds when its mode holds, every rule
holds, its frame query matches and one of the frame's sources matches its source query. A rule
counts the frame's annotations (ROIs and frame labels) that carry all its labels, match its query
and lie in its confidence range.
"""

import math
import operator
from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, Range

from config.errors import NUL_TEXT
from datasets.selectors import version_lineage
from frames.lucene import (
    ExistsPerRow,
    QueryError,
    compile_frame_query,
    compile_roi_query,
    compile_source_query,
)
from frames.models import Frame, Roi, RoiLabel, SourceRow
from frames.validation import MAX_LABEL_LENGTH, MAX_LABELS, short

from .models import FilterMode

MAX_FILTERS = 20
MAX_RULES = 20  # a filter
MAX_COUNT = 2**31 - 1  # an instance count bound: compared in SQL, it must fit the database


@dataclass(frozen=True)
class Rule:
    labels: tuple[str, ...] = ()
    query: str = ""
    confidence: tuple[float, float] = (0.0, 1.0)
    count: tuple[int, int | None] = (1, None)
    exclude: bool = False


@dataclass(frozen=True)
class Filter:
    mode: str = FilterMode.ALL
    rules: tuple[Rule, ...] = ()
    frame_query: str = ""
    source_query: str = ""


def _error(field: str, message: str, code: str = "invalid_filters") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _number(value, field: str, *, whole: bool = False):
    kinds = int if whole else int | float
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise _error(field, f"Expected a {'whole ' if whole else ''}number; got {short(value)}.")
    if whole and not -MAX_COUNT <= value <= MAX_COUNT:
        raise _error(field, f"Expected a whole number up to {MAX_COUNT:,}; got {short(value)}.")
    if not whole and not math.isfinite(value):
        raise _error(field, f"Expected a finite number; got {short(value)}.")
    return value


def _pair(value, field: str, default: tuple, *, whole: bool) -> tuple:
    if value is None:
        return default
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _error(field, "Expected [min, max].")
    low = default[0] if value[0] is None else _number(value[0], f"{field}[0]", whole=whole)
    high = default[1] if value[1] is None else _number(value[1], f"{field}[1]", whole=whole)
    if high is not None and low > high:
        raise _error(field, f"The minimum {low} is above the maximum {high}.")
    return low, high


def _query(value, field: str, compile_query) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise _error(field, "A query is a string.")
    try:
        compile_query(value)
    except QueryError as error:
        raise _error(field, error.messages[0], code="invalid_query") from None
    return value


def _clean_rule(data, field: str) -> Rule:
    if not isinstance(data, dict):
        raise _error(field, "A rule is an object with labels, query, confidence, count, exclude.")
    unknown = set(data) - {"labels", "query", "confidence", "count", "exclude"}
    if unknown:
        raise _error(field, f"Unknown rule field(s): {', '.join(sorted(unknown))}.")
    labels = data.get("labels") or []
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
        raise _error(f"{field}.labels", "Labels are a list of non-empty strings.")
    if len(labels) > MAX_LABELS:
        raise _error(f"{field}.labels", f"A rule names at most {MAX_LABELS} labels.", "too_many")
    for index, label in enumerate(labels):
        if len(label) > MAX_LABEL_LENGTH:
            message = (
                f"A label has at most {MAX_LABEL_LENGTH} characters; this one has {len(label):,}."
            )
            raise _error(f"{field}.labels[{index}]", message, "too_long")
        if "\x00" in label:
            raise _error(f"{field}.labels[{index}]", NUL_TEXT, "nul_character")
    confidence = _pair(data.get("confidence"), f"{field}.confidence", (0.0, 1.0), whole=False)
    if not 0 <= confidence[0] <= confidence[1] <= 1:
        raise _error(f"{field}.confidence", "Confidence bounds lie between 0 and 1.")
    count = _pair(data.get("count"), f"{field}.count", (1, None), whole=True)
    if count[0] < 0:
        raise _error(f"{field}.count", "An instance count cannot be negative.")
    return Rule(
        labels=tuple(dict.fromkeys(label.strip() for label in labels)),
        query=_query(data.get("query"), f"{field}.query", compile_roi_query),
        confidence=(float(confidence[0]), float(confidence[1])),
        count=count,
        exclude=bool(data.get("exclude", False)),
    )


def _clean_filter(data, field: str) -> Filter:
    if not isinstance(data, dict):
        raise _error(field, "A filter is an object with mode, rules, frame_query and source_query.")
    mode = data.get("mode", FilterMode.ALL)
    if mode not in FilterMode.values:
        modes = ", ".join(FilterMode.values)
        raise _error(f"{field}.mode", f"Mode is one of {modes}; got {short(mode)}.")
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise _error(f"{field}.rules", "Rules are a list.")
    if len(rules) > MAX_RULES:
        raise _error(
            f"{field}.rules",
            f"A filter has at most {MAX_RULES} rules; this one has {len(rules):,}.",
            "too_many_rules",
        )
    if rules and mode != FilterMode.BY_LABEL:
        raise _error(f"{field}.rules", f"Label rules need mode by_label; this filter is {mode!r}.")
    return Filter(
        mode=mode,
        rules=tuple(_clean_rule(rule, f"{field}.rules[{i}]") for i, rule in enumerate(rules)),
        frame_query=_query(data.get("frame_query"), f"{field}.frame_query", compile_frame_query),
        source_query=_query(
            data.get("source_query"), f"{field}.source_query", compile_source_query
        ),
    )


def clean_filters(data) -> list[Filter]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise _error("filters", "Filters are a list (an empty list selects every frame).")
    if len(data) > MAX_FILTERS:
        raise _error(
            "filters",
            f"At most {MAX_FILTERS} filters; got {len(data):,}. A frame is selected when any "
            "filter holds: merge filters with a Lucene OR.",
            "too_many_filters",
        )
    return [_clean_filter(item, f"filters[{i}]") for i, item in enumerate(data)]


def filters_as_json(filters: list[Filter]) -> list[dict]:
    """The stored shape, defaults filled in; `source_query` only when set, as tasks stored
    before sources existed have none."""
    return [_filter_as_json(f) for f in filters]


def _filter_as_json(f: Filter) -> dict:
    data = {
        "mode": f.mode,
        "rules": [
            {
                "labels": list(r.labels),
                "query": r.query,
                "confidence": list(r.confidence),
                "count": list(r.count),
                "exclude": r.exclude,
            }
            for r in f.rules
        ],
        "frame_query": f.frame_query,
    }
    if f.source_query:
        data["source_query"] = f.source_query
    return data


def _matching_annotations(rule: Rule, lineage: list[int]):
    """The annotation rows a rule counts: RoiLabel rows on the fast path, else Roi rows.

    Label rows and ROIs are read for the version's lineage only (the versions whose frame rows it
    can see), so their cost follows the version, not every dataset in the database.
    """
    low, high = rule.confidence
    if len(rule.labels) == 1 and not rule.query:
        return RoiLabel.objects.filter(
            label=rule.labels[0],
            version_id__in=lineage,
            confidence__gte=low,
            confidence__lte=high,
        )
    rois = Roi.objects.filter(version_id__in=lineage, confidence__gte=low, confidence__lte=high)
    for label in rule.labels:
        rows = RoiLabel.objects.filter(
            roi=OuterRef("pk"), frame=OuterRef("frame_id"), label=label, version_id__in=lineage
        )
        rois = rois.filter(Exists(rows))
    if rule.query:
        rois = rois.filter(compile_roi_query(rule.query, lineage=lineage))
    return rois


# Up to this many frames a version counts each frame's matches with one index probe per frame;
# above it, one GROUP BY over the label's rows beats a probe per frame.
PROBE_PER_FRAME_UP_TO = 20_000


def _frames_counted(matching, low: int, high: int | None):
    counts = matching.values("frame_id").annotate(instances=Count("*")).filter(instances__gte=low)
    if high is not None:
        counts = counts.filter(instances__lte=high)
    return counts.values("frame_id")


def _count_in_range(matching, low: int, high: int | None) -> Q:
    """The frame's matches counted by a correlated subquery (NULL when none: Coalesce 0)."""
    per_frame = (
        matching.filter(frame_id=OuterRef("frame_id"))
        .order_by()
        .values("frame_id")
        .annotate(instances=Count("*"))
        .values("instances")
    )
    count = Coalesce(Subquery(per_frame), 0)
    return Q(GreaterThanOrEqual(count, low) if high is None else Range(count, (low, high)))


def rule_q(rule: Rule, version, lineage: list[int]) -> Q:
    matching = _matching_annotations(rule, lineage)
    present = Exists(matching.filter(frame_id=OuterRef("frame_id")))
    low, high = rule.count
    if rule.exclude:
        return ~Q(present)
    if low == 0 and high is None:
        return Q()
    if low == 1 and high is None:
        return Q(present)
    if version.frame_count <= PROBE_PER_FRAME_UP_TO:
        return _count_in_range(matching, low, high)
    if low == 0:
        # At most `high`: frames with no match qualify too.
        return ~Q(frame_id__in=_frames_counted(matching, high + 1, None))
    return Q(frame_id__in=_frames_counted(matching, low, high))


def filter_q(item: Filter, version, lineage: list[int]) -> Q:
    q = Q()
    if item.mode == FilterMode.EMPTY:
        # The lineage's empty frames, by their index, not every empty frame stored.
        q = Q(frame__annotation_count=0, frame__version_id__in=lineage)
    for rule in item.rules:
        q &= rule_q(rule, version, lineage)
    if item.frame_query:
        frames = Frame.objects.filter(compile_frame_query(item.frame_query))
        q &= Q(Exists(frames.filter(pk=OuterRef("frame_id"))))
    if item.source_query:
        # One source must match the whole query: the view's rows of this frame, probed by its id
        # (a semi-join would unfold every frame of the database first: see ExistsPerRow).
        sources = SourceRow.objects.filter(compile_source_query(item.source_query))
        q &= Q(ExistsPerRow(sources.filter(frame_id=OuterRef("frame_id"))))
    return q


def filters_q(filters: list[Filter], version) -> Q:
    """The condition on the version's memberships (VersionFrame rows) that the filters select."""
    scoped = any(item.rules or item.mode == FilterMode.EMPTY for item in filters)
    lineage = version_lineage(version) if scoped else []
    parts = [filter_q(item, version, lineage) for item in filters]
    if not parts or not all(parts):
        return Q()  # no filter, or one that accepts every frame
    return reduce(operator.or_, parts)
