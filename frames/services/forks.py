"""Version copies: a fork sees its Published parent's frames without copying a frame row."""

from django.db import transaction

from config.errors import ConflictError
from config.upkeep import upkeep_after_commit
from datasets.models import Version
from datasets.services import check_version_name, lock_version, save_named
from frames.labels import copy_label_counts
from frames.models import VersionFrame
from frames.sql import copy_memberships


@transaction.atomic
def version_fork(*, version: Version, name: str, user=None) -> Version:
    """A Draft child of a Published version that sees the same frames; no frame row is copied."""
    version = lock_version(version, draft=False)
    if not version.is_published:
        raise ConflictError(
            "Version “%(name)s” is a Draft; only Published versions can be forked. Publish it first.",
            code="version_draft",
            params={"name": version.name},
        )
    child = Version(
        dataset=version.dataset,
        parent=version,
        created_by=user,
        name=check_version_name(dataset=version.dataset, name=name),
        frame_count=version.frame_count,
    )
    save_named(child)
    copy_memberships(source_id=version.pk, target_id=child.pk)
    copy_label_counts(source_id=version.pk, target_id=child.pk)
    upkeep_after_commit({VersionFrame: child.frame_count})
    return child
