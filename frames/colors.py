"""A stable colour per label, derived from its name (the editor's JS does the same)."""

import colorsys
from functools import lru_cache


def fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


@lru_cache(maxsize=4096)
def label_color(label: str) -> str:
    """`#rrggbb`: hue from the label's FNV-1a hash, fixed saturation and lightness."""
    hue = (fnv1a(label) % 360) / 360
    red, green, blue = colorsys.hls_to_rgb(hue, 0.5, 0.7)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (red, green, blue)))
