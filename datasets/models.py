from django.conf import settings
from django.db import models
from django.urls import reverse


class Dataset(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("datasets:dataset_detail", args=[self.pk])


class Version(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    # Kept by the frame services so lists never count membership rows.
    frame_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["dataset", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "name"], name="datasets_version_unique_name_in_dataset"
            ),
        ]
        permissions = [("publish_version", "Can publish a version")]

    def __str__(self) -> str:
        return f"{self.dataset.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("datasets:version_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Job(models.Model):
    """Long work done by a background worker, as its user sees it: progress, errors, result.

    The Tasks API runs the work (`*.tasks`); this row is the part users read, cancel and wait on.
    """

    class Kind(models.TextChoices):
        UPLOAD = "upload", "Upload"
        VIDEO = "video", "Video"
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        MEDIA_CLEANUP = "media_cleanup", "Media cleanup"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=16, choices=Kind)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    title = models.CharField(max_length=300)
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    progress_unit = models.CharField(max_length=16, blank=True)
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    # What the task needs (staged file names, options); never shown to users.
    params = models.JSONField(default=dict, blank=True)
    # Storage folders the job writes; removed when it fails, is cancelled or its worker dies.
    scratch = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["version", "-created_at"], name="datasets_job_version"),
            models.Index(fields=["created_by", "-created_at"], name="datasets_job_user"),
            # Whole, not partial: SQLite cannot match a partial index's condition to a query
            # whose status is a bound parameter, and read every job on each stale-job check.
            models.Index(fields=["status", "heartbeat_at"], name="datasets_job_active"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
