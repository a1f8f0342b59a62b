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


def sources_or_one(sources: list[dict], uri: str, width: int, height: int) -> list[dict]:
    """A frame's sources, [{"id", "uri", "width", "height", "meta"}], the first first: the
    stored list, or the one source a frame of one has (`uri`, `width`, `height`)."""
    if sources:
        return sources
    return [{"id": DEFAULT_SOURCE, "uri": uri, "width": width, "height": height, "meta": {}}]


def frame_sources(frame) -> list[dict]:
    """The frame's sources, the first first."""
    return sources_or_one(frame.sources, frame.uri, frame.width, frame.height)


def source_of(sources: list[dict], source_id: str) -> dict | None:
    """The source of that id among `sources`, or None."""
    return next((source for source in sources if source["id"] == source_id), None)


def source_image_url(frame, source_id: str) -> str:
    """The URL of one source's image: the frame's image URL for the first."""
    url = reverse("frames:frame_image", args=[frame.pk])
    first = frame.sources[0]["id"] if frame.sources else DEFAULT_SOURCE
    return url if source_id == first else f"{url}?{urlencode({'source': source_id})}"
