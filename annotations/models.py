"""Annotation tasks: which frames, in what order, and who works on which item.

The stream of items is stored compactly (`TaskChunk`: up to 1,000 items of frame keys each); a
`TaskItem` row exists only once an item has been handed out, so creating a task over a million
frames writes a thousand rows, not a million.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse

from datasets.models import Version


class FilterMode(models.TextChoices):
    """Which frames a task filter starts from (stored in `AnnotationTask.filters`)."""

    ALL = "all", "All frames"
    EMPTY = "empty", "Empty frames"
    BY_LABEL = "by_label", "By label"


class AnnotationTaskQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=AnnotationTask.Status.ACTIVE)


class AnnotationTask(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"

    class Order(models.TextChoices):
        SEQUENTIAL = "sequential", "Sequential"
        RANDOM = "random", "Random"

    name = models.CharField(max_length=200)
    source_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="tasks")
    filters = models.JSONField(default=list, blank=True)
    order = models.CharField(max_length=16, choices=Order, default=Order.SEQUENTIAL)
    seed = models.BigIntegerField(null=True, blank=True)
    limit = models.PositiveIntegerField(null=True, blank=True)
    clip_length = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE)
    matched_count = models.PositiveIntegerField(default=0)
    frame_count = models.PositiveIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    # Frames of done items; kept in the same transaction as `done`, so cards read it directly.
    done_count = models.PositiveIntegerField(default=0)
    # The first position never handed out; everything before it has a TaskItem row.
    cursor = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = AnnotationTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("complete_annotationtask", "Can complete an annotation task"),
            ("work_annotationtask", "Can take and finish items of an annotation task"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="annotations_task_recent")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("annotations:task_annotate", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def progress_percent(self) -> int:
        return round(100 * self.done_count / self.frame_count) if self.frame_count else 0


# Items per TaskChunk row.
CHUNK_SIZE = 1000


def lease_start(now):
    """Claims made before this moment have expired."""
    return now - timedelta(seconds=settings.TASK_LEASE_SECONDS)


class TaskChunk(models.Model):
    """Items `index * CHUNK_SIZE …` of a task's stream; each item is a list of frame keys."""

    task = models.ForeignKey(AnnotationTask, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    items = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "index"], name="annotations_taskchunk_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.index}"


class TaskItem(models.Model):
    """An item that has been handed out: who holds it, and whether it is done."""

    class Status(models.TextChoices):
        TODO = "todo", "To do"
        CLAIMED = "claimed", "Claimed"
        DONE = "done", "Done"

    task = models.ForeignKey(AnnotationTask, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    frames = models.JSONField()
    status = models.CharField(max_length=16, choices=Status, default=Status.CLAIMED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "position"], name="annotations_taskitem_unique_position"
            )
        ]
        indexes = [
            models.Index(fields=["task", "status", "claimed_at"], name="annotations_item_lease"),
            models.Index(fields=["task", "claimed_by", "status"], name="annotations_item_user"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.position}"


class TaskItemSkip(models.Model):
    """A user skipped this item: `next` never hands it to them again (a Manager may assign it)."""

    item = models.ForeignKey(TaskItem, on_delete=models.CASCADE, related_name="skips")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="annotations_taskitemskip_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} skipped by {self.user_id}"


class FrameRevisionQuerySet(models.QuerySet):
    def of_frame(self, version_ids: list[int], key: str):
        return self.filter(version_id__in=version_ids, key=key)


class FrameRevision(models.Model):
    """One accepted save of a frame: who, when, the revision it made, what changed.

    Keyed by (version, key), not by frame row: a Draft's copy-on-write copy keeps the revision
    number of the row it copied, so a version's history of a frame is its own rows plus those of
    its ancestors (Published, so finished) under the same key, in revision order.
    `state` holds the parts the save wrote (`rois`, `frame_labels`, `meta`, in the API's shape),
    so any revision can be put back; the first save of a frame also records revision 1 (the
    import) with its whole state, `user` None.
    """

    # No database-level foreign keys here: an import records a revision for every frame it
    # changes, and checking two constraints per row at commit took ~2 s of a 100,000-frame
    # import. The ORM still cascades (version) and nulls (user) on delete. The unique
    # constraint below serves lookups by version, the (task, user) index lookups by task.
    version = models.ForeignKey(
        Version, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    key = models.CharField(max_length=255)
    revision = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField()
    # The task whose item the save went through (None: a Manager's save outside tasks).
    task = models.ForeignKey(
        AnnotationTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    change = models.JSONField(default=dict)
    state = models.JSONField(default=dict)

    objects = FrameRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key", "revision"], name="annotations_framerevision_unique"
            )
        ]
        indexes = [models.Index(fields=["task", "user"], name="annotations_revision_task")]

    def __str__(self) -> str:
        return f"{self.version_id}:{self.key}@{self.revision}"
