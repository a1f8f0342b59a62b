"""Words for a task's stored settings: the card's one-line summary and the Info dialog's rows.

They read `AnnotationTask.filters` as `filters_as_json` wrote it (defaults filled in).
"""

from .models import AnnotationTask, FilterMode


def mode_name(mode: str) -> str:
    return FilterMode(mode).label if mode in FilterMode.values else mode


def number(value: float) -> str:
    return f"{value:g}"


def count_text(count: list) -> str:
    low, high = count
    noun = "instance" if (high if high is not None else low) == 1 else "instances"
    if high is None:
        return f"≥ {low} {noun}"
    if low == high:
        return f"{low} {noun}"
    if low == 0:
        return f"≤ {high} {noun}"
    return f"{low}–{high} {noun}"


def confidence_text(confidence: list) -> str:
    return f"conf {number(confidence[0])}–{number(confidence[1])}"


def rule_summary(rule: dict) -> str:
    labels = ", ".join(rule["labels"]) or "any label"
    parts = [f"not {labels}"] if rule["exclude"] else [labels]
    if list(rule["confidence"]) != [0.0, 1.0]:
        parts.append(confidence_text(rule["confidence"]))
    if not rule["exclude"]:
        parts.append(count_text(rule["count"]))
    return ", ".join(parts)


def filter_summary(item: dict) -> str:
    text = mode_name(item["mode"])
    rules = item.get("rules") or []
    if rules:
        text += ": " + "; ".join(rule_summary(rule) for rule in rules)
    if any(rule["query"] for rule in rules):
        text += " · + Lucene"
    if item.get("frame_query"):
        text += " · + frame query"
    if item.get("source_query"):
        text += " · + source query"
    return text


def filters_summary(filters: list[dict]) -> str:
    """E.g. "By label: car, conf 0.5-1, ≥ 1 instance · + Lucene" (with an en dash)."""
    if not filters:
        return FilterMode.ALL.label
    return " or ".join(filter_summary(item) for item in filters)


def order_summary(task: AnnotationTask) -> str:
    if task.order == AnnotationTask.Order.RANDOM:
        return f"Random · seed {task.seed}"
    return "Sequential"


def rule_rows(rule: dict) -> list[tuple[str, str]]:
    """(term, value) pairs describing one rule in full, for the Info dialog."""
    rows = [
        ("Labels", ", ".join(rule["labels"]) or "any label"),
        (
            "Match",
            "frames without one (exclude)" if rule["exclude"] else "frames with one (include)",
        ),
        ("Confidence", f"{number(rule['confidence'][0])} to {number(rule['confidence'][1])}"),
    ]
    if not rule["exclude"]:
        rows.append(("Instances", count_text(rule["count"])))
    return rows
