"""Reads of tasks: the card list, a task's items (stream rows merged with hand-out rows), who
holds what, and the history of a frame's saves."""

from itertools import chain

from django.db.models import Count, QuerySet
from django.utils import timezone

from datasets.models import Version
from datasets.selectors import version_lineage

from .models import CHUNK_SIZE, AnnotationTask, FrameRevision, TaskChunk, TaskItem, lease_start

HOLDERS_SHOWN = 200

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


def held_items(task: AnnotationTask) -> list[TaskItem]:
    """The task's claimed items with their holders, by position (at most HOLDERS_SHOWN)."""
    expired_before = lease_start(timezone.now())
    items = list(
        TaskItem.objects.filter(task=task, status=TaskItem.Status.CLAIMED)
        .select_related("claimed_by")
        .order_by("position")[:HOLDERS_SHOWN]
    )
    for item in items:
        item.is_expired = item.claimed_at is not None and item.claimed_at < expired_before
    return items


def worker_counts(task: AnnotationTask) -> list[dict]:
    """Per user: items done and saves recorded in the task, by username (two queries)."""
    counts: dict[str, dict] = {}

    def row(name: str) -> dict:
        return counts.setdefault(name, {"username": name, "items_done": 0, "saves": 0})

    done = (
        TaskItem.objects.filter(task=task, status=TaskItem.Status.DONE, done_by__isnull=False)
        .values_list("done_by__username")
        .annotate(count=Count("id"))
    )
    for name, count in done:
        row(name)["items_done"] = count
    saves = (
        FrameRevision.objects.filter(task=task, user__isnull=False)
        .values_list("user__username")
        .annotate(count=Count("id"))
    )
    for name, count in saves:
        row(name)["saves"] = count
    return [counts[name] for name in sorted(counts)]


def frame_history(*, version: Version, key: str) -> list[FrameRevision]:
    """The recorded revisions of the version's frame `key`, oldest first, its ancestors' too."""
    return list(
        FrameRevision.objects.of_frame(version_lineage(version), key)
        .select_related("user")
        .order_by("revision")
    )


def frame_revision_state(*, version: Version, key: str, revision: int) -> dict | None:
    """The frame's rois, frame labels and meta as they were at `revision`; None if not recorded.

    Each recorded save holds the parts it wrote: whole (`rois`), or as the edit a save by id
    made (`rois_edit`: changed annotations and removed ids). A part comes from the latest save
    at or before `revision` that wrote it whole, with the later edits applied in order.
    """
    rows = (
        FrameRevision.objects.of_frame(version_lineage(version), key)
        .filter(revision__lte=revision)
        .order_by("-revision")
        .values_list("revision", "state")
        .iterator()
    )
    latest = next(rows, None)
    if latest is None or latest[0] != revision:
        return None
    state: dict = {}
    edits: dict[str, list[dict]] = {"rois": [], "frame_labels": []}
    for _, written in chain([latest], rows):
        for part in ("rois", "frame_labels", "meta"):
            if part in state:
                continue
            if part in written:
                state[part] = written[part]
            elif f"{part}_edit" in written:
                edits[part].append(written[f"{part}_edit"])
        if len(state) == 3:
            break
    for part, later in edits.items():
        for edit in reversed(later):  # oldest first
            state[part] = edited(state.get(part, []), edit)
    return state


def edited(annotations: list[dict], edit: dict) -> list[dict]:
    """API-shaped annotations after an edit by id: a changed one in its place, new ones after,
    removed ones gone."""
    changed = {a["id"]: a for a in edit["changed"]}
    removed = set(edit["removed"])
    kept = [changed.pop(a["id"], a) for a in annotations if a["id"] not in removed]
    return kept + list(changed.values())
