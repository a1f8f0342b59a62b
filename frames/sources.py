"""A frame's sources: the images of one moment, such as the cameras of a car (a FrameGroup).

Most frames have one source, `default`, with no metadata: `Frame.sources` is then empty and the
frame's `uri`, `width` and `height` say everything. A frame of several sources, or of one with
another id or metadata, stores the whole list, the first mirrored in those columns.
"""

from urllib.parse import urlencode

from django.urls import reverse

DEFAULT_SOURCE = "default"


def stored_sources(sources: list[dict]) -> list[dict]:
    """What `Frame.sources` keeps of a frame's cleaned sources: nothing for the usual one."""
    if len(sources) == 1 and sources[0]["id"] == DEFAULT_SOURCE and not sources[0]["meta"]:
        return []
    return sources


def frame_sources(frame) -> list[dict]:
    """The frame's sources, [{"id", "uri", "width", "height", "meta"}], the first first."""
    if frame.sources:
        return frame.sources
    return [
        {
            "id": DEFAULT_SOURCE,
            "uri": frame.uri,
            "width": frame.width,
            "height": frame.height,
            "meta": {},
        }
    ]


def source_image_url(frame, source_id: str) -> str:
    """The URL of one source's image: the frame's image URL for the first."""
    url = reverse("frames:frame_image", args=[frame.pk])
    first = frame.sources[0]["id"] if frame.sources else DEFAULT_SOURCE
    return url if source_id == first else f"{url}?{urlencode({'source': source_id})}"
