"""The work queue: `next` hands out items, `done` finishes them; skip, release and assign."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.models import CHUNK_SIZE, AnnotationTask, TaskItem, TaskItemSkip, lease_start
from annotations.sql import TaskNotActive, advance_cursor, claim_position, finish_own, take_held
from config.errors import ConflictError, ValidationError

from .checks import COMPLETED, MANAGE_ITEMS, NotYourItem, lock_active, require


@transaction.atomic
def task_next(*, task: AnnotationTask, user) -> TaskItem | None:
    """The user's unfinished item, else the first free one in stream order; None when none is left.

    A held item (the user's own, or one whose lease expired) is taken with SKIP LOCKED, so a slow
    finisher never blocks the queue; new positions come from the task's cursor.
    """
    require(user, "annotations.work_annotationtask", "work on annotation tasks")
    now = timezone.now()
    held = take_held(task, user, now=now, lease_start=lease_start(now))
    if held is not None:
        return held
    position = advance_cursor(task)
    if position is None:
        lock_active(task)  # a Completed task says so; an Active one is exhausted
        return None
    return claim_position(
        task, position, user, now=now, chunk=position // CHUNK_SIZE, offset=position % CHUNK_SIZE
    )


@transaction.atomic
def task_item_done(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """Only the claimer (or a Manager) finishes an item; its frames count towards progress once."""
    require(user, "annotations.work_annotationtask", "work on annotation tasks")
    try:
        item = finish_own(task, position, user, now=timezone.now())
    except TaskNotActive:
        raise ConflictError(COMPLETED, code="task_completed", params={"name": task.name}) from None
    if item is not None:
        return item
    # Not the caller's own claimed item: find out why, under a lock.
    item = _locked_item(task, position)
    if item is None:
        raise _not_handed_out(lock_active(task), position)
    if item.status == TaskItem.Status.DONE:
        lock_active(task)
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


def _locked_item(task: AnnotationTask, position: int) -> TaskItem | None:
    return (
        TaskItem.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .filter(task_id=task.pk, position=position)
        .first()
    )


def _not_handed_out(task: AnnotationTask, position: int) -> ConflictError:
    return ConflictError(
        "Item %(position)s of task “%(name)s” has not been handed out; call next first.",
        code="item_not_claimed",
        params={"position": position, "name": task.name},
    )


def _lock_item(task: AnnotationTask, position: int) -> TaskItem:
    """The handed-out item, locked, of an Active task; 409 when the task or item says no."""
    task = lock_active(task)
    item = _locked_item(task, position)
    if item is None:
        raise _not_handed_out(task, position)
    item.task = task
    return item


def _back_to_queue(item: TaskItem) -> None:
    item.status, item.claimed_by, item.claimed_at = TaskItem.Status.TODO, None, None
    item.save(update_fields=["status", "claimed_by", "claimed_at"])


@transaction.atomic
def task_item_skip(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """The caller's held item goes back to the queue for others; `next` never gives it them again."""
    require(user, "annotations.work_annotationtask", "work on annotation tasks")
    item = _lock_item(task, position)
    if item.status != TaskItem.Status.CLAIMED or item.claimed_by_id != user.pk:
        raise NotYourItem(f"Item {position} is not yours to skip; only the item you hold is.")
    _back_to_queue(item)
    TaskItemSkip.objects.get_or_create(item=item, user=user)
    return item


@transaction.atomic
def task_item_release(*, task: AnnotationTask, position: int, user) -> TaskItem:
    """A Manager takes a held item from its holder: it goes back to the queue for anyone."""
    require(user, MANAGE_ITEMS, "release task items")
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
    require(user, MANAGE_ITEMS, "assign task items")
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
