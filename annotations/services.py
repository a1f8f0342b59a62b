"""Annotation task rules: create (forking a Published version), hand out work, complete, delete.

Publishing a version and deleting frames live here too, because they check tasks: a version an
Active task works on is published or thinned only when the caller insists (`force`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.bulk import allocate_ids, gc_paused, insert_rows
from config.errors import ConflictError, ValidationError
from config.sql import chunked
from datasets.models import Version
from datasets.services import lock_version, unique_version_name
from frames.models import Frame, VersionFrame
from frames.services import frame_write, lock_frame, version_fork
from frames.sql import delete_annotations

from .filters import clean_filters, filters_as_json, filters_q
from .iteration import Iteration, clean_iteration, items_from, sequential_keys
from .models import (
    CHUNK_SIZE,
    AnnotationTask,
    FrameRevision,
    TaskChunk,
    TaskItem,
    TaskItemSkip,
)
from .selectors import frame_revision_state
from .sql import (
    TaskNotActive,
    advance_cursor,
    claim_position,
    finish_own,
    hold_for_save,
    insert_revisions,
    take_held,
    tune_for_big_reads,
)

PREVIEW_KEYS = 20
COMPLETED = "Task “%(name)s” is completed, so it is read-only."
IN_USE = "Version “%(version)s” is used by active task(s) %(tasks)s. Confirm to %(action)s anyway."


SAVE_ANY = "frames.change_any_frame"
MANAGE_ITEMS = "annotations.change_annotationtask"


class NotYourItem(PermissionDenied):
    """A 403 with the API code `not_your_item`: the frame or item is not the caller's to change."""

    code = "not_your_item"


def _require(user, permission: str, action: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {action}.")


def _lease_start(now):
    return now - timedelta(seconds=settings.TASK_LEASE_SECONDS)


@dataclass(frozen=True)
class Preview:
    matched: int
    frame_count: int
    frames: list[str]


def selected_frames(version: Version, filters) -> QuerySet[VersionFrame]:
    """The memberships of the frames the filters select."""
    return VersionFrame.objects.of(version).filter(filters_q(filters, version))


@transaction.atomic
def task_preview(*, version: Version, filters, iteration, with_frames: bool = True) -> Preview:
    """What a task would hold, without creating anything: the form's live count."""
    tune_for_big_reads()
    filters = clean_filters(filters)
    iteration = clean_iteration(iteration, generate_seed=False)
    condition = filters_q(filters, version)
    frames = VersionFrame.objects.of(version).filter(condition)
    matched = frames.count() if condition else version.frame_count
    frame_count = matched if iteration.limit is None else min(matched, iteration.limit)
    keys: list[str] = []
    if with_frames and matched:
        rows = sequential_keys(frames)
        if iteration.order == AnnotationTask.Order.SEQUENTIAL:
            rows = rows[:PREVIEW_KEYS]  # clips are consecutive slices: the first keys stay first
        items = items_from(rows, iteration)
        keys = [key for item in items for key in item][:PREVIEW_KEYS]
    return Preview(matched=matched, frame_count=frame_count, frames=keys)


def _stream(version: Version, filters, iteration: Iteration) -> tuple[int, list[list[str]]]:
    with gc_paused():  # a million rows and items: collection passes would double the time
        rows = list(sequential_keys(selected_frames(version, filters)))
        return len(rows), items_from(rows, iteration)


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": ValidationError("Give the task a name.", code="required")})
    if len(name) > 200:
        raise ValidationError(
            {"name": ValidationError("A name has at most 200 characters.", code="max_length")}
        )
    return name


@transaction.atomic
def task_create(*, name: str, version: Version, filters, iteration, user) -> AnnotationTask:
    """A task over the selected frames; on a Published version it works on a new Draft child."""
    _require(user, "annotations.add_annotationtask", "create annotation tasks")
    tune_for_big_reads()
    # Locked so a concurrent publish cannot slip between reading its status and the task's commit.
    version = lock_version(version, draft=False)
    name = _clean_name(name)
    filters = clean_filters(filters)
    iteration = clean_iteration(iteration)
    matched, items = _stream(version, filters, iteration)
    if not items:
        raise ValidationError(
            "The filters match no frame of version “%(version)s”; change them.",
            code="no_frames",
            params={"version": version.name},
        )
    target = version
    if version.is_published:
        child_name = unique_version_name(dataset=version.dataset, name=name)
        target = version_fork(version=version, name=child_name, user=user)
    task = AnnotationTask.objects.create(
        name=name,
        source_version=version,
        version=target,
        filters=filters_as_json(filters),
        order=iteration.order,
        seed=iteration.seed,
        limit=iteration.limit,
        clip_length=iteration.clip_length,
        matched_count=matched,
        frame_count=sum(map(len, items)),
        item_count=len(items),
        created_by=user,
    )
    _write_chunks(task, items)
    return task


def _write_chunks(task: AnnotationTask, items: list[list[str]]) -> None:
    """The stream as rows of CHUNK_SIZE items, by COPY with orjson on PostgreSQL.

    bulk_create sent a million items as quoted SQL literals: 4 s of escaping at 1M frames.
    """
    starts = range(0, len(items), CHUNK_SIZE)
    ids = allocate_ids(TaskChunk, len(starts))
    insert_rows(
        TaskChunk,
        ["id", "task_id", "index", "items"],
        (
            [chunk_id, task.pk, start // CHUNK_SIZE, items[start : start + CHUNK_SIZE]]
            for chunk_id, start in zip(ids, starts, strict=True)
        ),
    )


def _lock_active(task: AnnotationTask) -> AnnotationTask:
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    if not task.is_active:
        raise ConflictError(COMPLETED, code="task_completed", params={"name": task.name})
    return task


@transaction.atomic
def task_complete(*, task: AnnotationTask, user) -> AnnotationTask:
    """Completed tasks hand out nothing more and open read-only; their version stays Draft."""
    _require(user, "annotations.complete_annotationtask", "complete annotation tasks")
    task = _lock_active(task)
    task.status = AnnotationTask.Status.COMPLETED
    task.completed_by = user
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_by", "completed_at"])
    return task


@transaction.atomic
def task_delete(*, task: AnnotationTask, user) -> None:
    """The task and its queue go; the version and every annotation stay."""
    _require(user, "annotations.delete_annotationtask", "delete annotation tasks")
    task.delete()


@transaction.atomic
def task_next(*, task: AnnotationTask, user) -> TaskItem | None:
    """The user's unfinished item, else the first free one in stream order; None when none is left.

    A held item (the user's own, or one whose lease expired) is taken with SKIP LOCKED, so a slow
    finisher never blocks the queue; new positions come from the task's cursor.
    """
    _require(user, "annotations.work_annotationtask", "work on annotation tasks")
    now = timezone.now()
    held = take_held(task, user, now=now, lease_start=_lease_start(now))
    if held is not None:
        return held
    position = advance_cursor(task)
    if position is None:
        _lock_active(task)  # a Completed task says so; an Active one is exhausted
        return None
    return claim_position(
        task, position, user, now=now, chunk=position // CHUNK_SIZE, offset=position % CHUNK_SIZE
    )


@transaction.atomic
def task_item_done(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """Only the claimer (or a Manager) finishes an item; its frames count towards progress once."""
    _require(user, "annotations.work_annotationtask", "work on annotation tasks")
    try:
        item = finish_own(task, position, user, now=timezone.now())
    except TaskNotActive:
        raise ConflictError(COMPLETED, code="task_completed", params={"name": task.name}) from None
    if item is not None:
        return item
    # Not the caller's own claimed item: find out why, under a lock.
    item = (
        TaskItem.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .filter(task_id=task.pk, position=position)
        .first()
    )
    if item is None:
        task = _lock_active(task)
        raise ConflictError(
            "Item %(position)s of task “%(name)s” has not been handed out; call next first.",
            code="item_not_claimed",
            params={"position": position, "name": task.name},
        )
    if item.status == TaskItem.Status.DONE:
        _lock_active(task)
        return item
    if item.claimed_by_id != user.pk and not user.has_perm("annotations.complete_annotationtask"):
        raise PermissionDenied(
            f"Item {position} is claimed by someone else; only they or a Manager can finish it."
        )
    counted = AnnotationTask.objects.filter(pk=task.pk, status=AnnotationTask.Status.ACTIVE).update(
        done_count=F("done_count") + len(item.frames)
    )
    if not counted:
        raise ConflictError(COMPLETED, code="task_completed", params={"name": task.name})
    item.status, item.done_by, item.done_at = TaskItem.Status.DONE, user, timezone.now()
    item.save(update_fields=["status", "done_by", "done_at"])
    return item


def _check_not_in_use(version: Version, *, force: bool, action: str) -> None:
    if force:
        return
    names = list(
        AnnotationTask.objects.active().filter(version=version).values_list("name", flat=True)[:5]
    )
    if names:
        raise ConflictError(
            IN_USE,
            code="version_in_use",
            params={
                "version": version.name,
                "tasks": ", ".join(f"“{name}”" for name in names),
                "action": action,
            },
        )


@transaction.atomic
def version_publish(*, version: Version, user, force: bool = False) -> Version:
    """Publishing freezes a version forever; one an Active task works on only with `force`."""
    _require(user, "datasets.publish_version", "publish versions")
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
    _require(user, "frames.delete_frame", "delete frames")
    version = lock_version(version)
    _check_not_in_use(version, force=force, action="delete frames from it")
    removed = 0
    for chunk in chunked(keys):
        memberships = VersionFrame.objects.of(version).under_keys(chunk)
        frame_ids = list(memberships.values_list("frame_id", flat=True))
        owned = list(
            Frame.objects.filter(pk__in=frame_ids, version=version).values_list("pk", flat=True)
        )
        memberships.delete()
        delete_annotations(owned)
        Frame.objects.filter(pk__in=owned).delete()
        # A key imported again later starts a new history.
        FrameRevision.objects.filter(version=version, key__in=chunk).delete()
        removed += len(frame_ids)
    Version.objects.filter(pk=version.pk).update(frame_count=F("frame_count") - removed)
    return removed


# Saves: who may write which frame, and the audit trail


@transaction.atomic
def frame_save(
    *, version: Version, key: str, revision: int, user, rois=None, frame_labels=None, meta=None
) -> Frame:
    """Save a frame of a Draft: Managers any; others only one of an item they hold or finished.

    An Annotator's frame must be in an item of an Active task on the version that they hold
    (claimed, lease running) or marked done; anything else is 403 `not_your_item`. The save
    renews the lease of the caller's item and is recorded (`FrameRevision`).
    """
    _require(user, "frames.change_frame", "change frames")
    # The version lock makes a concurrent publish wait for this save (or this save see it).
    version = lock_version(version)
    now = timezone.now()
    held = hold_for_save(version.pk, key, user, now=now, lease_start=_lease_start(now))
    if held is None and not user.has_perm(SAVE_ANY):
        raise NotYourItem(
            f"Frame “{key}” is not in an item you hold or finished in an Active task on version "
            f"“{version.name}”; take it with Next, or ask a Manager to assign it to you."
        )
    frame = lock_frame(version, key)
    written = frame_write(
        version=version,
        frame=frame,
        revision=revision,
        user=user,
        rois=rois,
        frame_labels=frame_labels,
        meta=meta,
    )
    _record(version, written, user=user, at=now, task_id=held[1] if held else None)
    return written.frame


def _record(version: Version, written, *, user, at, task_id, change_extra=None) -> None:
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


@transaction.atomic
def frame_restore(*, version: Version, key: str, revision: int, to_revision: int, user) -> Frame:
    """Put revision `to_revision` of a frame back, as a new recorded save; Managers only.

    `revision` is the one the caller sees (409 `stale_revision` when someone saved since). A
    restore may change locked annotations: it puts a whole earlier state back.
    """
    _require(user, SAVE_ANY, "restore earlier revisions of frames")
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


# Items: skip, release, assign


def _lock_item(task: AnnotationTask, position: int) -> TaskItem:
    """The handed-out item, locked, of an Active task; 409 when the task or item says no."""
    task = _lock_active(task)
    item = (
        TaskItem.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .filter(task_id=task.pk, position=position)
        .first()
    )
    if item is None:
        raise ConflictError(
            "Item %(position)s of task “%(name)s” has not been handed out; call next first.",
            code="item_not_claimed",
            params={"position": position, "name": task.name},
        )
    item.task = task
    return item


def _back_to_queue(item: TaskItem) -> None:
    item.status, item.claimed_by, item.claimed_at = TaskItem.Status.TODO, None, None
    item.save(update_fields=["status", "claimed_by", "claimed_at"])


@transaction.atomic
def task_item_skip(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """The caller's held item goes back to the queue for others; `next` never gives it them again."""
    _require(user, "annotations.work_annotationtask", "work on annotation tasks")
    item = _lock_item(task, position)
    if item.status != TaskItem.Status.CLAIMED or item.claimed_by_id != user.pk:
        raise NotYourItem(f"Item {position} is not yours to skip; only the item you hold is.")
    _back_to_queue(item)
    TaskItemSkip.objects.get_or_create(item=item, user=user)
    return item


@transaction.atomic
def task_item_release(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """A Manager takes a held item from its holder: it goes back to the queue for anyone."""
    _require(user, MANAGE_ITEMS, "release task items")
    item = _lock_item(task, position)
    if item.status != TaskItem.Status.CLAIMED:
        raise ConflictError(
            "Item %(position)s is not held by anyone (it is %(status)s).",
            code="item_not_held",
            params={"position": position, "status": item.get_status_display().lower()},
        )
    _back_to_queue(item)
    return item


def _worker(username) -> object:
    users = get_user_model().objects
    worker = users.filter(username=username).first() if isinstance(username, str) else None
    if worker is None:
        raise ValidationError(
            {
                "user": ValidationError(
                    "No user “%(user)s”.", code="unknown_user", params={"user": username}
                )
            }
        )
    if not worker.is_active or not worker.has_perm("annotations.work_annotationtask"):
        raise ValidationError(
            {
                "user": ValidationError(
                    "%(user)s may not work on tasks (not an Annotator or Manager).",
                    code="cannot_work",
                    params={"user": username},
                )
            }
        )
    return worker


@transaction.atomic
def task_item_assign(*, task: AnnotationTask, position: int, username: str, user) -> TaskItem:
    """A Manager hands a handed-out, unfinished item to a user, with a fresh lease."""
    _require(user, MANAGE_ITEMS, "assign task items")
    worker = _worker(username)
    item = _lock_item(task, position)
    if item.status == TaskItem.Status.DONE:
        raise ConflictError(
            "Item %(position)s is done already; it cannot be assigned.",
            code="item_done",
            params={"position": position},
        )
    item.status, item.claimed_by, item.claimed_at = (
        TaskItem.Status.CLAIMED,
        worker,
        timezone.now(),
    )
    item.save(update_fields=["status", "claimed_by", "claimed_at"])
    # Assigned on purpose: an earlier skip of theirs no longer hides it from their `next`.
    TaskItemSkip.objects.filter(item=item, user=worker).delete()
    return item
