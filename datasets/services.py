"""Writes that are rules for datasets and versions. Frame copying lives in `frames.services`."""

from django.db import IntegrityError, transaction

from config.errors import ConflictError, ValidationError, clean_name, refuse_nul

from .models import Dataset, Version
from .sql import lock_version_row

FROZEN = (
    "Version “%(name)s” is Published, so it is read-only; fork it or annotate it through a task."
)
ROOT_VERSION_NAME = "v1"


def ensure_draft(version: Version) -> None:
    if version.is_published:
        raise ConflictError(FROZEN, code="version_published", params={"name": version.name})


def lock_version(version: Version, *, draft: bool = True, shared: bool = False) -> Version:
    """The version row, locked for this transaction; refused when Published unless `draft=False`.

    Every write to a version or its frames takes this lock first, so a publish and a write never
    interleave. Frame saves take it `shared`: saves of one version run side by side (each frame
    has its own lock), while a publish, an import or a fork waits for them and they for it.
    """
    locked = lock_version_row(version.pk, shared=shared)
    if locked is None:
        raise Version.DoesNotExist(f"No version {version.pk}.")
    if draft:
        ensure_draft(locked)
    return locked


def _name_error(message: str, code: str, **params) -> ValidationError:
    return ValidationError({"name": ValidationError(message, code=code, params=params)})


def _check_dataset_name(name: str, *, exclude: Dataset | None = None) -> str:
    name = clean_name(name, what="dataset")
    taken = Dataset.objects.filter(name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise _name_error("A dataset named “%(name)s” exists already.", "unique", name=name)
    return name


MAX_DESCRIPTION_LENGTH = 5000


def check_description(description: str) -> str:
    if not isinstance(description, str):
        raise ValidationError(
            {"description": ValidationError("A description is text.", code="invalid")}
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {
                "description": ValidationError(
                    "A description has at most %(limit)s characters.",
                    code="max_length",
                    params={"limit": f"{MAX_DESCRIPTION_LENGTH:,}"},
                )
            }
        )
    refuse_nul(description, "description")
    return description


def save_named(instance) -> None:
    """Save, turning a unique-name race lost to a concurrent request into a clear conflict."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ConflictError("That name was just taken; choose another.", code="unique") from error


@transaction.atomic
def dataset_create(*, name: str, description: str = "", user=None) -> Dataset:
    """A new dataset starts with one empty Draft root version."""
    dataset = Dataset(
        name=_check_dataset_name(name),
        description=check_description(description),
        created_by=user,
    )
    save_named(dataset)
    Version.objects.create(dataset=dataset, name=ROOT_VERSION_NAME, created_by=user)
    return dataset


@transaction.atomic
def dataset_update(
    *, dataset: Dataset, name: str | None = None, description: str | None = None
) -> Dataset:
    if name is not None:
        dataset.name = _check_dataset_name(name, exclude=dataset)
    if description is not None:
        dataset.description = check_description(description)
    save_named(dataset)
    return dataset


def unique_version_name(*, dataset: Dataset, name: str) -> str:
    """`name`, or `name (2)`, `name (3)`… when the dataset has it already."""
    taken = set(
        Version.objects.filter(dataset=dataset, name__startswith=name).values_list(
            "name", flat=True
        )
    )
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def check_version_name(*, dataset: Dataset, name: str) -> str:
    name = clean_name(name, what="version")
    if Version.objects.filter(dataset=dataset, name=name).exists():
        raise ValidationError(
            {
                "name": ValidationError(
                    "Dataset “%(dataset)s” has a version “%(name)s” already.",
                    code="unique",
                    params={"dataset": dataset.name, "name": name},
                )
            }
        )
    return name


@transaction.atomic
def version_update(
    *, version: Version, name: str | None = None, description: str | None = None
) -> Version:
    version = lock_version(version)
    if name is not None and name != version.name:
        version.name = check_version_name(dataset=version.dataset, name=name)
    if description is not None:
        version.description = check_description(description)
    save_named(version)
    return version
