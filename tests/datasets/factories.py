"""Datasets and versions. A version's frames go in through the import service and a Published one
is published by the publish service, so counters and memberships are what the app would write."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from annotations.services import version_publish
from datasets.models import Dataset, Version
from frames.services import frames_bulk_create, version_fork

# A user the publish service allows; a string, because the annotation factories import these.
MANAGER = "tests.annotations.factories.ManagerFactory"


class DatasetFactory(DjangoModelFactory[Dataset]):
    class Meta:
        model = Dataset
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"dataset-{n}")


class VersionFactory(DjangoModelFactory[Version]):
    """A Draft; `frames=[frame_data(...)]` imports frames, `parent=` forks a Published version.

    Traits: `published` (published through `version_publish` by a Manager, or by `published_by=`).
    """

    class Meta:
        model = Version
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=Version.Status.PUBLISHED,
            published_by=factory.SubFactory(MANAGER),
            published_at=factory.LazyFunction(timezone.now),
        )

    dataset = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.dataset"),
        no_declaration=factory.SubFactory(DatasetFactory),
    )
    parent = None
    name = factory.Sequence(lambda n: f"v{n}")
    # Import input for `frames_bulk_create` (see tests.frames.factories.frame_data); not a field.
    frames = ()

    @classmethod
    def _build(cls, model_class, *args, frames=(), **kwargs):
        return super()._build(model_class, *args, frame_count=len(frames), **kwargs)

    @classmethod
    def _create(cls, model_class, *args, frames=(), **kwargs):
        # Set by the publish service, not written directly: a Draft first, published last.
        status = kwargs.pop("status", Version.Status.DRAFT)
        publisher = kwargs.pop("published_by", None)
        kwargs.pop("published_at", None)
        if publisher is not None and status != Version.Status.PUBLISHED:
            raise TypeError("published_by= needs published=True.")
        parent = kwargs.pop("parent", None)
        if parent is None:
            version = super()._create(model_class, *args, **kwargs)
        else:
            version = version_fork(
                version=parent, name=kwargs["name"], user=kwargs.get("created_by")
            )
        if frames:
            frames_bulk_create(version=version, frames=list(frames))
        if status == Version.Status.PUBLISHED:
            version_publish(version=version, user=publisher)
        version.refresh_from_db()
        return version


def publish(version: Version) -> Version:
    """An existing Draft, Published by a Manager through the publish service."""
    from tests.annotations.factories import ManagerFactory

    return version_publish(version=version, user=ManagerFactory())
