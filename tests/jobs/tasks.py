"""Tasks the job tests run through the real queue: they exercise `job_run` without media."""

import threading
import time

from django.core.exceptions import ValidationError
from django_tasks import task

from datasets.jobs import job_cancel, job_run
from datasets.models import Job


def _watch_progress(run) -> dict:
    run.progress(5, 10, unit="steps", message="Halfway")
    time.sleep(1.2)  # the reporting thread writes twice a second
    seen = Job.objects.values("progress_done", "progress_total", "progress_unit", "message")
    return {"seen": seen.get(pk=run.job.pk)}


@task()
def run_watch_progress(job_id: int) -> str:
    return job_run(job_id, _watch_progress)


def _cancelled_midway(run) -> dict:
    def cancel() -> None:
        job_cancel(job=run.job, user=run.job.created_by)

    started = None
    for step in range(1000):
        if step == 3:
            started = time.monotonic()
            threading.Thread(target=cancel).start()
        run.progress(step, 1000)
        if started is not None:
            run.job.params["after_cancel"] = time.monotonic() - started
            Job.objects.filter(pk=run.job.pk).update(params=run.job.params)
        time.sleep(0.02)
    return {"finished": True}


@task()
def run_cancelled_midway(job_id: int) -> str:
    return job_run(job_id, _cancelled_midway)


def _refused(run) -> None:
    raise ValidationError("“b.png” is not an image.", code="not_an_image")


@task()
def run_refused(job_id: int) -> str:
    return job_run(job_id, _refused)


def _broken(run) -> None:
    raise ZeroDivisionError("division by zero")


@task()
def run_broken(job_id: int) -> str:
    return job_run(job_id, _broken)
