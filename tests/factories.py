"""Old import path of the factories, kept while some test files still use it.

New code imports from `tests.<app>.factories`; `version_with_frames(frames)` is
`VersionFactory(frames=frames)` and `publish(version)` is `version_publish` by a Manager.
"""

from annotations.services import version_publish
from datasets.models import Version
from tests.annotations.factories import UserFactory
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import box, frame_data

__all__ = [
    "DatasetFactory",
    "UserFactory",
    "VersionFactory",
    "box",
    "frame_data",
    "publish",
    "version_with_frames",
]


def publish(version: Version) -> Version:
    """The version, Published by a superuser through the one publish service."""
    return version_publish(version=version, user=UserFactory(superuser=True))


def version_with_frames(frames: list[dict], *, published=False, **kwargs) -> Version:
    return VersionFactory(frames=frames, published=published, **kwargs)
