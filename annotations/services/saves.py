"""Saves: who may write which frame, and the audit trail (`FrameRevision`) of every save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.models import FrameRevision, lease_start
from annotations.selectors import frame_revision_state
from annotations.sql import hold_for_save, insert_revisions
from config.upkeep import upkeep_after_commit
from datasets.models import Version
from datasets.services import lock_version
from frames.labels import count_labels
from frames.models import Frame
from frames.services import Edit, frame_patch, frame_write, lock_frame

from .checks import SAVE_ANY, NotYourItem, require

MIXED_EDITS = (
    "A save either replaces annotations whole (rois, frame_labels) or edits them by id "
    "(rois_changed, rois_removed, frame_labels_changed, frame_labels_removed), not both."
)


@transaction.atomic
def frame_save(
    *,
    version: Version,
    key: str,
    revision: int,
    user,
    rois=None,
    frame_labels=None,
    meta=None,
    rois_edit: Edit | None = None,
    frame_labels_edit: Edit | None = None,
) -> Frame:
    """Save a frame of a Draft: Managers any; others only one of an item they hold or finished.

    `rois`/`frame_labels` replace a part whole; `rois_edit`/`frame_labels_edit` change, add and
    remove single annotations by id (`frame_patch`), one or the other per part. An Annotator's
    frame must be in an item of an Active task on the version that they hold (claimed, lease
    running) or marked done; anything else is 403 `not_your_item`. The save renews the lease of
    the caller's item and is recorded (`FrameRevision`).
    """
    require(user, "frames.change_frame", "change frames")
    edits = rois_edit is not None or frame_labels_edit is not None
    if edits and (rois is not None or frame_labels is not None):
        raise ValidationError(MIXED_EDITS, code="mixed_edits")
    # The version lock makes a concurrent publish wait for this save (or this save see it);
    # shared, so that annotators of one version do not wait for each other's saves.
    version = lock_version(version, shared=True)
    now = timezone.now()
    task_id = hold_for_save(version.pk, key, user, now=now, lease_start=lease_start(now))
    if task_id is None and not user.has_perm(SAVE_ANY):
        raise NotYourItem(
            f"Frame “{key}” is not in an item you hold or finished in an Active task on version "
            f"“{version.name}”; take it with Next, or ask a Manager to assign it to you."
        )
    frame = lock_frame(version, key)
    given = {"version": version, "frame": frame, "revision": revision, "user": user, "meta": meta}
    if not edits:
        written = frame_write(**given, rois=rois, frame_labels=frame_labels)
    else:
        written = frame_patch(**given, rois=rois_edit, frame_labels=frame_labels_edit)
    _record(version, written, user=user, at=now, task_id=task_id)
    return written.frame


def _record(version: Version, written, *, user, at, task_id, change_extra=None) -> None:
    """Record the save in the history, then count its labels into the version's summary: last,
    so the summary rows it locks (shared by every save of the version) wait only for the commit."""
    frame = written.frame
    rows = []
    if written.before is not None:  # the first save: revision 1 (the import) is recorded too
        before = frame.revision - 1
        rows.append(
            (version.pk, frame.key, before, None, at, None, {"imported": True}, written.before)
        )
    change = written.change | (change_extra or {})
    rows.append(
        (version.pk, frame.key, frame.revision, user.pk, at, task_id, change, written.state)
    )
    insert_revisions(rows)
    count_labels(version.pk, written.labels)


def record_added_annotations(sender, *, version: Version, user, at, changes, **kwargs) -> None:
    """An import's added annotations, recorded like saves (`frames_annotations_add` sends them):
    a frame's first change also records revision 1 as imported. The rows are made as the COPY
    reads them, so building them overlaps the database's writing."""
    insert_revisions(_added_rows(version.pk, user.pk if user is not None else None, at, changes))
    upkeep_after_commit({FrameRevision: 2 * len(changes)})


def _added_rows(version_id: int, user_id: int | None, at, changes):
    imported = {"imported": True}
    for change in changes:
        if change.before is not None:
            yield (
                version_id,
                change.key,
                change.revision - 1,
                None,
                at,
                None,
                imported,
                change.before,
            )
        yield (
            version_id,
            change.key,
            change.revision,
            user_id,
            at,
            None,
            change.change,
            change.state,
        )


@transaction.atomic
def frame_restore(*, version: Version, key: str, revision: int, to_revision: int, user) -> Frame:
    """Put revision `to_revision` of a frame back, as a new recorded save; Managers only.

    `revision` is the one the caller sees (409 `stale_revision` when someone saved since). A
    restore may change locked annotations: it puts a whole earlier state back.
    """
    require(user, SAVE_ANY, "restore earlier revisions of frames")
    version = lock_version(version)
    frame = lock_frame(version, key)
    state = frame_revision_state(version=version, key=key, revision=to_revision)
    if state is None:
        raise FrameRevision.DoesNotExist(
            f"Frame “{key}” has no recorded revision {to_revision} in version “{version.name}”."
        )
    written = frame_write(
        version=version,
        frame=frame,
        revision=revision,
        user=user,
        rois=state.get("rois"),
        frame_labels=state.get("frame_labels"),
        meta=state.get("meta"),
        enforce_locks=False,
    )
    now = timezone.now()
    _record(
        version, written, user=user, at=now, task_id=None, change_extra={"restored": to_revision}
    )
    return written.frame
