"""Filters for the jobs lists: an export report's counts in words ("3 boxes", "1 frame label")."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The report's shape kinds (the writers of frames.formats: ROI types, and "frame_label").
SHAPES = {
    "box": ("box", "boxes"),
    "polygon": ("polygon", "polygons"),
    "keypoints": ("key point set", "key point sets"),
    "frame_label": ("frame label", "frame labels"),
}


@register.filter
def shape_count(count: int, kind: str) -> SafeString:
    """`{{ count|shape_count:kind }}`: "<strong>1</strong> box", "<strong>12</strong> polygons";
    a kind it does not know as it is."""
    one, many = SHAPES.get(kind, (kind, kind))
    return format_html("<strong>{}</strong> {}", f"{count:,}", one if count == 1 else many)


@register.filter
def skipped_beyond(result: dict, shown: int) -> int:
    """How many of an import's skipped items the first `shown` leave out (its report lists at
    most a hundred; `skipped_count` says how many there were)."""
    skipped = result.get("skipped") or []
    return max(result.get("skipped_count", len(skipped)) - shown, 0)
