"""Reads of tasks: the card list, a task's items (stream rows merged with hand-out rows)."""

from django.db.models import QuerySet

from .models import AnnotationTask, TaskChunk, TaskItem
from .services import CHUNK_SIZE

ORDERINGS = {"recent": ("-created_at", "-pk"), "name": ("name", "pk")}


def task_list(
    *, user, status: str | None = None, dataset=None, mine: bool = False, ordering: str = "recent"
) -> QuerySet[AnnotationTask]:
    tasks = AnnotationTask.objects.select_related(
        "version__dataset", "source_version", "created_by"
    )
    if status:
        tasks = tasks.filter(status=status)
    if dataset:
        tasks = tasks.filter(version__dataset=dataset)
    if mine:
        tasks = tasks.filter(created_by=user)
    return tasks.order_by(*ORDERINGS.get(ordering, ORDERINGS["recent"]))


def _item_dict(position: int, frames: list[str], handed: TaskItem | None) -> dict:
    return {
        "position": position,
        "frames": frames,
        "status": handed.status if handed else TaskItem.Status.TODO.value,
        "claimed_by": handed.claimed_by.username if handed and handed.claimed_by else None,
        "done_by": handed.done_by.username if handed and handed.done_by else None,
    }


def handed_item_as_dict(item: TaskItem) -> dict:
    return _item_dict(item.position, item.frames, item)


def task_items_page(*, task: AnnotationTask, start: int, stop: int) -> list[dict]:
    """Items `start…stop-1` of the stream, in two queries whatever the page size."""
    stop = min(stop, task.item_count)
    if start >= stop:
        return []
    chunks = dict(
        TaskChunk.objects.filter(
            task=task, index__gte=start // CHUNK_SIZE, index__lte=(stop - 1) // CHUNK_SIZE
        ).values_list("index", "items")
    )
    handed = {
        item.position: item
        for item in TaskItem.objects.filter(
            task=task, position__gte=start, position__lt=stop
        ).select_related("claimed_by", "done_by")
    }
    return [
        _item_dict(
            position, chunks[position // CHUNK_SIZE][position % CHUNK_SIZE], handed.get(position)
        )
        for position in range(start, stop)
    ]


def task_item_get(*, task: AnnotationTask, position: int) -> dict:
    items = task_items_page(task=task, start=position, stop=position + 1) if position >= 0 else []
    if not items:
        raise TaskItem.DoesNotExist(f"Task “{task.name}” has no item {position}.")
    return items[0]


def items_done_by(*, task: AnnotationTask, user) -> QuerySet[TaskItem]:
    """What this user finished, newest first: the editor's Previous."""
    return TaskItem.objects.filter(task=task, done_by=user).order_by("-done_at", "-position")


def claimed_count(task: AnnotationTask) -> int:
    return TaskItem.objects.filter(task=task, status=TaskItem.Status.CLAIMED).count()


def task_workers(task: AnnotationTask) -> list[str]:
    """Usernames of everyone who claimed or finished an item of the task."""
    rows = (
        TaskItem.objects.filter(task=task)
        .values_list("claimed_by__username", "done_by__username")
        .distinct()
    )
    return sorted({name for pair in rows for name in pair if name})
