"""Version-level rules that check tasks: a version (or dataset) an Active task works on is
published, thinned or deleted only when the caller insists (`force`)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.models import AnnotationTask, FrameRevision
from config.errors import ConflictError
from config.sql import chunked
from datasets.models import Dataset, Version
from datasets.services import lock_version
from frames.cleanup import media_cleanup_start
from frames.labels import labels_counted, uncount_labels
from frames.models import Frame, VersionFrame
from frames.sql import annotations_of_frames, delete_annotations

from .checks import IN_USE, require

DATASET_IN_USE = (
    "Dataset “%(dataset)s” has active task(s) %(tasks)s on its versions; deleting it deletes "
    "them too. Complete or delete them first, or confirm to delete the dataset anyway."
)


def _active_task_names(tasks) -> str:
    """The names of (at most 5 of) the Active tasks among `tasks`, quoted; "" when none."""
    names = tasks.active().values_list("name", flat=True)[:5]
    return ", ".join(f"“{name}”" for name in names)


def _check_not_in_use(version: Version, *, force: bool, action: str) -> None:
    if force:
        return
    names = _active_task_names(AnnotationTask.objects.filter(version=version))
    if names:
        raise ConflictError(
            IN_USE,
            code="version_in_use",
            params={
                "version": version.name,
                "tasks": names,
                "action": action,
            },
        )


@transaction.atomic
def version_publish(*, version: Version, user, force: bool = False) -> Version:
    """Publishing freezes a version forever; one an Active task works on only with `force`."""
    require(user, "datasets.publish_version", "publish versions")
    version = lock_version(version)  # no task can be created on it while we look
    _check_not_in_use(version, force=force, action="publish it")
    version.status = Version.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    return version


@transaction.atomic
def frames_delete(*, version: Version, keys: list[str], user, force: bool = False) -> int:
    """Remove frames from a Draft; rows a Published ancestor shares stay for it."""
    require(user, "frames.delete_frame", "delete frames")
    version = lock_version(version)
    _check_not_in_use(version, force=force, action="delete frames from it")
    removed, uris = 0, []
    for chunk in chunked(keys):
        memberships = VersionFrame.objects.of(version).under_keys(chunk)
        frame_ids = list(memberships.values_list("frame_id", flat=True))
        owned_rows = list(
            Frame.objects.filter(pk__in=frame_ids, version=version).values_list(
                "pk", "uri", "sources"
            )
        )
        owned = [pk for pk, _, _ in owned_rows]
        uris.extend(uri for _, uri, _ in owned_rows)
        uris.extend(source["uri"] for _, _, sources in owned_rows for source in sources[1:])
        memberships.delete()
        removed_labels = delete_annotations(owned, version_ids=[version.pk])
        shared = annotations_of_frames(sorted(set(frame_ids) - set(owned)))
        removed_labels.update(labels_counted(a for found in shared.values() for a in found))
        uncount_labels(version.pk, removed_labels)
        Frame.objects.filter(pk__in=owned).delete()
        # A key imported again later starts a new history.
        FrameRevision.objects.filter(version=version, key__in=chunk).delete()
        removed += len(frame_ids)
    Version.objects.filter(pk=version.pk).update(frame_count=F("frame_count") - removed)
    media_cleanup_start(uris=uris, user=user)
    return removed


@transaction.atomic
def dataset_delete(*, dataset: Dataset, user, force: bool = False) -> None:
    """The dataset, its versions, their memberships and every frame row they wrote; a dataset an
    Active task works on (through any of its versions) only with `force`."""
    require(user, "datasets.delete_dataset", "delete datasets")
    # Locked, so no import into one of them commits rows this delete cannot see, and no task is
    # created on one of them while we look (`task_create` locks its version).
    version_ids = list(
        Version.objects.select_for_update().filter(dataset=dataset).values_list("pk", flat=True)
    )
    if not force:
        names = _active_task_names(
            AnnotationTask.objects.filter(version_id__in=version_ids).order_by("name", "pk")
        )
        if names:
            raise ConflictError(
                DATASET_IN_USE,
                code="dataset_in_use",
                params={"dataset": dataset.name, "tasks": names},
            )
    memberships = VersionFrame.objects.filter(version_id__in=version_ids)
    # Every frame row stays a member of the version that wrote it, so memberships find them all.
    frame_ids = list(
        Frame.objects.filter(
            pk__in=memberships.values("frame_id"), version_id__in=version_ids
        ).values_list("pk", flat=True)
    )
    memberships.delete()
    delete_annotations(frame_ids, version_ids=version_ids)
    for chunk in chunked(frame_ids):
        Frame.objects.filter(pk__in=chunk).delete()
    Version.objects.filter(dataset=dataset).update(parent=None)
    dataset.delete()
    # Uploads into these versions wrote under their folders; files still used elsewhere stay.
    media_cleanup_start(folders=[f"frames/{pk}" for pk in version_ids], user=user)
