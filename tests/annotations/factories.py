"""Users in the two groups, and annotation tasks made by `task_create` (a task is its chunks too).

`make_task(version, user, name)` is the one task helper: a `TaskFactory` on that version by that
user; iteration settings go as fields (`order=`, `seed=`, `limit=`, `clip_length=`) or as the
service's `iteration={...}`.
"""

import factory
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils import timezone
from factory.django import DjangoModelFactory

from annotations.models import AnnotationTask
from annotations.roles import ANNOTATORS, MANAGERS, sync_groups
from annotations.services import task_complete, task_create
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


def group(name: str) -> Group:
    if not Group.objects.filter(name=name).exists():
        # Transactional tests flush the database afterwards, groups from migrations included.
        sync_groups(apps, None)
    return Group.objects.get(name=name)


def in_groups(*default: str) -> factory.PostGeneration:
    """Adds the user to `groups=[...]` when given, else to `default`."""

    def add(user, create, extracted, **kwargs):
        names = default if extracted is None else extracted
        if create and names:
            user.groups.add(*(group(name) for name in names))

    return factory.PostGeneration(add)


class UserFactory(DjangoModelFactory[User]):
    """A user without groups whose password is "pw-<username>". Traits: `superuser`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyAttribute(lambda o: make_password(f"pw-{o.username}"))
    groups = in_groups()


class ManagerFactory(UserFactory):
    """A member of Managers: creates datasets and tasks, publishes, completes."""

    username = factory.Sequence(lambda n: f"manager{n}")
    groups = in_groups(MANAGERS)


class AnnotatorFactory(UserFactory):
    """A member of Annotators: saves frames of Drafts and works on task items."""

    username = factory.Sequence(lambda n: f"annotator{n}")
    groups = in_groups(ANNOTATORS)


def street_frames(count: int = 4) -> list[dict]:
    """`count` frames of one camera, odd ones with a car and even ones with a bus."""
    return [
        frame_data(f"f{i}", context_id="cam", timestamp=i, rois=[box("car" if i % 2 else "bus")])
        for i in range(count)
    ]


SETTABLE = {
    *("name", "version", "source_version", "filters", "created_by"),
    *("order", "seed", "limit", "clip_length", "status", "completed_by", "completed_at"),
}


class TaskFactory(DjangoModelFactory[AnnotationTask]):
    """A task made by `task_create` over every frame of `version` (four street frames by default).

    Traits: `random` (random order, seed 1), `completed` (completed by its creator through
    `task_complete`), `on_published` (its source version is Published, so it works on a Draft
    child).
    """

    class Meta:
        model = AnnotationTask
        skip_postgeneration_save = True

    class Params:
        random = factory.Trait(order=AnnotationTask.Order.RANDOM, seed=1)
        completed = factory.Trait(
            status=AnnotationTask.Status.COMPLETED,
            completed_by=factory.SelfAttribute("created_by"),
            completed_at=factory.LazyFunction(timezone.now),
        )
        on_published = factory.Trait(version__published=True)

    name = factory.Sequence(lambda n: f"task {n}")
    version = factory.SubFactory(VersionFactory, frames=factory.LazyFunction(street_frames))
    source_version = factory.SelfAttribute("version")
    filters = factory.LazyFunction(list)
    order = AnnotationTask.Order.SEQUENTIAL
    seed = None
    limit = None
    clip_length = 0
    created_by = factory.SubFactory(ManagerFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The service sets the rest (counts, cursor, the Draft child); a field given here would be
        # silently dropped, so it is refused.
        unknown = set(kwargs) - SETTABLE
        if unknown:
            raise TypeError(f"TaskFactory cannot set {', '.join(sorted(unknown))}.")
        if kwargs["source_version"] != kwargs["version"]:
            raise TypeError("task_create picks the version worked on; give only version=.")
        completed = kwargs.get("status") == AnnotationTask.Status.COMPLETED
        if kwargs.get("completed_by") and not completed:
            raise TypeError("completed_by= needs completed=True.")
        iteration = {field: kwargs[field] for field in ("order", "seed", "limit", "clip_length")}
        task = task_create(
            name=kwargs["name"],
            version=kwargs["version"],
            filters=kwargs["filters"],
            iteration=iteration,
            user=kwargs["created_by"],
        )
        if completed:
            task = task_complete(task=task, user=kwargs["completed_by"])
        return task


def make_task(version, user, name: str = "Label cars", *, iteration=None, **fields):
    """A task over `version` created by `user`; `iteration` is the service's dict."""
    return TaskFactory(version=version, created_by=user, name=name, **(iteration or {}), **fields)
