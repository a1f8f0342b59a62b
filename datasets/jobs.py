"""Jobs: long work done by a background worker, and what its user sees of it.

A service makes a `Job` row and enqueues a task (Django's Tasks API) after its transaction commits;
the task calls `job_run`, which marks the row running, hands the work a `JobRun` for progress and
cancellation, and records how it ended. While it runs, a thread writes its progress and a
heartbeat; a running job whose heartbeat stops (its worker was killed) is failed by
`jobs_fail_stale`, and the folders it was writing are removed.

Work that writes frames does it in one transaction and marks the job succeeded in that same
transaction (`JobRun.succeed`), so a job is never half-applied: either its rows and its
"succeeded" commit together, or neither does.
"""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from config.errors import ConflictError
from config.storage import delete_folder

from .models import Job, Version

logger = logging.getLogger(__name__)

# How often a running job's progress and heartbeat are written and its cancel flag read.
PROGRESS_SECONDS = 0.5
MAX_JOB_ERRORS = 100
NOT_ACTIVE = "Job %(id)s has already ended (%(status)s)."


class JobCancelled(Exception):
    """Raised inside the work when its user asked to cancel."""


def job_create(
    *,
    kind: str,
    title: str,
    user,
    version: Version | None = None,
    params: dict | None = None,
    scratch: list[str] | None = None,
    total: int | None = None,
    unit: str = "",
) -> Job:
    return Job.objects.create(
        kind=kind,
        title=title[:300],
        created_by=user if user is not None and user.is_authenticated else None,
        version=version,
        params=params or {},
        scratch=scratch or [],
        progress_total=total,
        progress_unit=unit,
    )


def job_enqueue(job: Job, task) -> None:
    """Queue `task(job.pk)` once the caller's transaction commits (a worker must find the row)."""

    def send() -> None:
        try:
            result = task.enqueue(job.pk)
        except Exception as error:  # the queue is down: say so on the job, never leave it queued
            logger.exception("Could not queue job %s", job.pk)
            _end(job.pk, Job.Status.FAILED, f"The job could not be queued: {error}")
            return
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(send)


def job_cancel(*, job: Job, user) -> Job:
    """A queued job never starts; a running one stops at its next progress step, writing nothing."""
    if not (user.has_perm("datasets.change_job") or job.created_by_id == user.pk):
        raise PermissionDenied("You may cancel only your own jobs.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            raise ConflictError(
                NOT_ACTIVE,
                code="job_not_active",
                params={"id": job.pk, "status": job.get_status_display().lower()},
            )
        if job.status == Job.Status.QUEUED:
            job.status = Job.Status.CANCELLED
            job.message = "Cancelled before it started; nothing was written."
            job.finished_at = timezone.now()
        job.cancel_requested = True
        job.save(update_fields=["status", "message", "finished_at", "cancel_requested"])
    if job.status == Job.Status.CANCELLED:
        _remove_scratch(job)
    return job


def jobs_fail_stale() -> int:
    """Running jobs whose worker stopped sending heartbeats end failed; their folders go."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    running = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    stale = list(running.order_by())  # by the index, not sorted by the model's ordering
    for job in stale:
        ended = _end(
            job.pk,
            Job.Status.FAILED,
            "The worker running this job stopped (killed or crashed) "
            f"{settings.JOB_STALE_SECONDS} s or more ago; nothing it did was kept. Start it again.",
            only_if=Job.Status.RUNNING,
        )
        if ended:
            _remove_scratch(job)
    return len(stale)


class JobRun:
    """What the work sees of its job: report progress, notice cancellation, succeed.

    Progress is only noted here; a thread with its own database connection writes it (with a
    heartbeat) every PROGRESS_SECONDS and reads back whether the user cancelled. So the work's own
    long transaction never holds the job row, and a page sees progress while that transaction runs.
    """

    def __init__(self, job: Job):
        self.job = job
        self.done = job.progress_done
        self.total = job.progress_total
        self.unit = job.progress_unit
        self.message = ""
        self.succeeded = False
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, daemon=True, name=f"job-{job.pk}")

    def __enter__(self) -> "JobRun":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def progress(
        self,
        done: int,
        total: int | None = None,
        *,
        unit: str | None = None,
        message: str | None = None,
    ) -> None:
        """Note how far the work is. Raises `JobCancelled` once the user has cancelled."""
        self.done = done
        if total is not None:
            self.total = total
        if unit is not None:
            self.unit = unit
        if message is not None:
            self.message = message
        if self.cancelled.is_set():
            raise JobCancelled

    def succeed(self, result: dict, message: str = "") -> None:
        """Record success; inside the work's own transaction when it writes rows, so both commit
        together. Refused (`JobCancelled`) when the user cancelled meanwhile, and refused when the
        job was given up for dead, so its rows never outlive the files removed with it."""
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=self.job.pk)
            if job.cancel_requested:
                raise JobCancelled
            if job.status != Job.Status.RUNNING:
                raise RuntimeError(f"Job {job.pk} is {job.status}, no longer running.")
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.SUCCEEDED,
                result=result,
                message=message,
                progress_done=self.total if self.total is not None else self.done,
                progress_total=self.total,
                progress_unit=self.unit,
                finished_at=timezone.now(),
            )
        self.succeeded = True

    def _report(self) -> None:
        try:
            while not self._stop.wait(PROGRESS_SECONDS):
                self._write()
        finally:
            connection.close()

    def _write(self) -> None:
        try:
            Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
                progress_done=self.done,
                progress_total=self.total,
                progress_unit=self.unit,
                message=self.message,
                heartbeat_at=timezone.now(),
            )
            if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
                self.cancelled.set()
        except DatabaseError:  # a busy database: the next round tries again
            logger.debug("Progress of job %s not written", self.job.pk, exc_info=True)


def job_run(job_id: int, work: Callable[[JobRun], dict | None]) -> str:
    """Run `work` for the job, unless it was cancelled or already taken; returns the final status.

    `work` returns the job's result (or calls `run.succeed` itself); a `ValidationError` fails the
    job with its messages as `errors`, `JobCancelled` cancels it, anything else fails it and is
    logged. Failed and cancelled jobs lose the folders listed in `scratch`.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    job = Job.objects.filter(pk=job_id).first()
    if not claimed or job is None:
        return job.status if job else "missing"
    with JobRun(job) as run:
        try:
            result = work(run)
            if not run.succeeded:
                run.succeed(result or {}, run.message)
        except JobCancelled:
            _end(job_id, Job.Status.CANCELLED, "Cancelled; nothing was written.")
        except ValidationError as error:
            errors = getattr(error, "errors", None) or [{"message": m} for m in error.messages]
            _end(job_id, Job.Status.FAILED, error.messages[0], errors=errors[:MAX_JOB_ERRORS])
        except Exception as error:
            logger.exception("Job %s failed", job_id)
            _end(job_id, Job.Status.FAILED, f"The job failed unexpectedly: {error}")
    status = Job.objects.values_list("status", flat=True).get(pk=job_id)
    if status != Job.Status.SUCCEEDED:
        _remove_scratch(job)
    return status


def _end(job_id: int, status: str, message: str, *, errors=None, only_if=None) -> int:
    jobs = Job.objects.filter(pk=job_id)
    if only_if:
        jobs = jobs.filter(status=only_if)
    fields = {"status": status, "message": message, "finished_at": timezone.now()}
    if errors is not None:
        fields["errors"] = errors
    return jobs.update(**fields)


def _remove_scratch(job: Job) -> None:
    for folder in job.scratch:
        delete_folder(folder)
