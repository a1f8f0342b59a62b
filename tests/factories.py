"""Factories for the whole domain, and `frame_data` for frames as the import services take them."""

import factory
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

from annotations.services import version_publish
from datasets.models import Dataset, Version
from frames.services import frames_bulk_create


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")


class DatasetFactory(DjangoModelFactory[Dataset]):
    class Meta:
        model = Dataset
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"dataset-{n}")


class VersionFactory(DjangoModelFactory[Version]):
    class Meta:
        model = Version
        skip_postgeneration_save = True

    dataset = factory.SubFactory(DatasetFactory)
    name = factory.Sequence(lambda n: f"v{n}")


def box(label="car", *, x=10, y=10, w=20, h=20, confidence=1.0, **extra) -> dict:
    labels = label if isinstance(label, list) else [label]
    return {
        "type": "box",
        "labels": labels,
        "points": [[x, y], [x + w, y + h]],
        "confidence": confidence,
        **extra,
    }


def frame_data(
    key: str,
    *,
    context_id="",
    timestamp=0,
    rois=(),
    frame_labels=(),
    meta=None,
    width=640,
    height=480,
) -> dict:
    return {
        "id": key,
        "context_id": context_id,
        "timestamp": timestamp,
        "source": {"uri": f"https://example.com/{key}.jpg", "width": width, "height": height},
        "meta": meta or {},
        "rois": list(rois),
        "frame_labels": list(frame_labels),
    }


def publish(version: Version) -> Version:
    """The version, Published by a superuser through the one publish service."""
    return version_publish(version=version, user=UserFactory(is_superuser=True))


def version_with_frames(frames: list[dict], *, published=False, **kwargs) -> Version:
    version = VersionFactory(**kwargs)
    frames_bulk_create(version=version, frames=frames)
    if published:
        version = publish(version)
    version.refresh_from_db()
    return version
