"""A task's lifecycle: preview what it would hold, create it (forking a Published version),
complete it, delete it."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotations.filters import clean_filters, filters_as_json, filters_q
from annotations.iteration import Iteration, clean_iteration, items_from, sequential_keys
from annotations.models import CHUNK_SIZE, AnnotationTask, TaskChunk
from annotations.sql import QueryTooSlow, filter_deadline, read_transaction, tune_for_big_reads
from config.bulk import allocate_ids, gc_paused, insert_rows
from config.errors import ValidationError, clean_name
from datasets.models import Version
from datasets.services import lock_version, unique_version_name
from frames.models import VersionFrame
from frames.services import version_fork

from .checks import lock_active, require

PREVIEW_KEYS = 20
TOO_SLOW = (
    "The filters took longer than %(seconds)s s to run over version “%(version)s”, so they were "
    "stopped. Narrow them: fewer wildcards (* and ?) in Lucene queries, and a leading word "
    "before a wildcard; fewer labels or rules; or a frame query that selects fewer frames."
)


def _too_slow(version: Version) -> ValidationError:
    seconds = f"{settings.FILTER_STATEMENT_TIMEOUT_MS / 1000:g}"
    return ValidationError(
        TOO_SLOW, code="query_too_slow", params={"seconds": seconds, "version": version.name}
    )


@dataclass(frozen=True)
class Preview:
    matched: int
    frame_count: int
    frames: list[str]


def selected_frames(version: Version, filters) -> QuerySet[VersionFrame]:
    """The memberships of the frames the filters select."""
    return VersionFrame.objects.of(version).filter(filters_q(filters, version))


def task_preview(*, version: Version, filters, iteration, with_frames: bool = True) -> Preview:
    """What a task would hold, without creating anything: the form's live count.

    Reads only: a transaction only where the settings of `tune_for_big_reads` need one, so on
    SQLite a preview never takes (or waits for) the write lock.
    """
    with read_transaction():
        return _preview(version, filters, iteration, with_frames=with_frames)


def _preview(version: Version, filters, iteration, *, with_frames: bool) -> Preview:
    tune_for_big_reads()
    filters = clean_filters(filters)
    iteration = clean_iteration(iteration, generate_seed=False)
    try:
        with filter_deadline():
            condition = filters_q(filters, version)
            frames = VersionFrame.objects.of(version).filter(condition)
            matched = frames.count() if condition else version.frame_count
            keys: list[str] = []
            if with_frames and matched:
                rows = sequential_keys(frames)
                if iteration.order == AnnotationTask.Order.SEQUENTIAL:
                    rows = rows[:PREVIEW_KEYS]  # clips are consecutive: the first keys stay first
                items = items_from(rows, iteration)
                keys = [key for item in items for key in item][:PREVIEW_KEYS]
    except QueryTooSlow:
        raise _too_slow(version) from None
    frame_count = matched if iteration.limit is None else min(matched, iteration.limit)
    return Preview(matched=matched, frame_count=frame_count, frames=keys)


def _stream(version: Version, filters, iteration: Iteration) -> tuple[int, list[list[str]]]:
    with gc_paused():  # a million rows and items: collection passes would double the time
        rows = list(sequential_keys(selected_frames(version, filters)))
        return len(rows), items_from(rows, iteration)


@transaction.atomic
def task_create(*, name: str, version: Version, filters, iteration, user) -> AnnotationTask:
    """A task over the selected frames; on a Published version it works on a new Draft child."""
    require(user, "annotations.add_annotationtask", "create annotation tasks")
    tune_for_big_reads()
    # Locked so a concurrent publish cannot slip between reading its status and the task's commit.
    version = lock_version(version, draft=False)
    name = clean_name(name, what="task")
    filters = clean_filters(filters)
    iteration = clean_iteration(iteration)
    try:
        with filter_deadline():
            matched, items = _stream(version, filters, iteration)
    except QueryTooSlow:
        raise _too_slow(version) from None
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


@transaction.atomic
def task_complete(*, task: AnnotationTask, user) -> AnnotationTask:
    """Completed tasks hand out nothing more and open read-only; their version stays Draft."""
    require(user, "annotations.complete_annotationtask", "complete annotation tasks")
    task = lock_active(task)
    task.status = AnnotationTask.Status.COMPLETED
    task.completed_by = user
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_by", "completed_at"])
    return task


@transaction.atomic
def task_delete(*, task: AnnotationTask, user) -> None:
    """The task and its queue go; the version and every annotation stay.

    The task row is locked first, so a `next` or `done` on it (they lock or update that row)
    either commits before the delete reads the queue, or waits and then finds the task gone.
    """
    require(user, "annotations.delete_annotationtask", "delete annotation tasks")
    locked = AnnotationTask.objects.select_for_update().filter(pk=task.pk).first()
    if locked is not None:  # else a concurrent delete won: the task is gone either way
        locked.delete()
