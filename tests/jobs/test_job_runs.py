"""How a job runs: progress users can read while it works, cancelling, failures, dead workers."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from datasets.jobs import job_create, job_enqueue, jobs_fail_stale
from datasets.models import Job
from tests.job_runner import run_queued_jobs

from . import tasks


def start(task, user, **fields) -> Job:
    with transaction.atomic():
        job = job_create(kind=Job.Kind.IMPORT, title="Test job", user=user, **fields)
        job_enqueue(job, task)
    return job


@pytest.mark.django_db(transaction=True)
def test_progress_is_readable_while_the_job_works(manager):
    job = start(tasks.run_watch_progress, manager)
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["seen"] == {
        "progress_done": 5,
        "progress_total": 10,
        "progress_unit": "steps",
        "message": "Halfway",
    }
    assert job.started_at <= job.finished_at
    assert job.task_id


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_job_stops_within_a_second_of_work(manager):
    job = start(tasks.run_cancelled_midway, manager)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.message == "Cancelled; nothing was written."
    assert job.result is None
    # The flag is read twice a second; the bound leaves room for a loaded machine, and stays far
    # below the 20 s the job would take if the cancel were not seen.
    assert job.params["after_cancel"] < 2.0


@pytest.mark.django_db(transaction=True)
def test_a_validation_error_fails_the_job_with_its_messages_as_errors(manager):
    folder = "incoming/test-scratch"
    default_storage.save(f"{folder}/a.bin", ContentFile(b"x"))
    job = start(tasks.run_refused, manager, scratch=[folder])
    run_queued_jobs()
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.FAILED, "“b.png” is not an image.")
    assert job.errors == [{"message": "“b.png” is not an image."}]
    assert not default_storage.exists(f"{folder}/a.bin")


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_fails_the_job_and_says_so(manager, caplog):
    job = start(tasks.run_broken, manager)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "The job failed unexpectedly: division by zero"
    assert f"Job {job.pk} failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_job_cancelled_while_queued_never_runs(manager_api, manager):
    job = start(tasks.run_broken, manager)
    response = manager_api.post(f"/api/jobs/{job.pk}/cancel/")
    assert response.json()["status"] == "cancelled"
    assert run_queued_jobs() == 1  # the task runs, finds the job cancelled and does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.message == "Cancelled before it started; nothing was written."


@pytest.mark.django_db
def test_a_running_job_whose_heartbeat_stopped_fails_and_loses_its_folders(
    manager, manager_api, settings
):
    settings.JOB_STALE_SECONDS = 30
    folder = "frames/999/deadbeef"
    default_storage.save(f"{folder}/a.jpg", ContentFile(b"x"))
    old = timezone.now() - timedelta(seconds=31)
    dead = job_create(kind=Job.Kind.UPLOAD, title="Dead", user=manager, scratch=[folder])
    alive = job_create(kind=Job.Kind.UPLOAD, title="Alive", user=manager)
    Job.objects.filter(pk=dead.pk).update(status=Job.Status.RUNNING, heartbeat_at=old)
    Job.objects.filter(pk=alive.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now())
    body = manager_api.get(f"/api/jobs/{dead.pk}/").json()  # reading jobs notices dead workers
    assert body["status"] == "failed"
    assert "worker running this job stopped" in body["message"]
    assert not default_storage.exists(f"{folder}/a.jpg")
    assert Job.objects.get(pk=alive.pk).status == Job.Status.RUNNING
    assert jobs_fail_stale() == 0


@pytest.mark.django_db
def test_jobs_list_shows_annotators_their_own_and_managers_all(
    manager, annotator, manager_api, annotator_api
):
    mine = job_create(kind=Job.Kind.UPLOAD, title="Annotator's", user=annotator)
    theirs = job_create(kind=Job.Kind.UPLOAD, title="Manager's", user=manager)
    assert [j["id"] for j in annotator_api.get("/api/jobs/").json()["results"]] == [mine.pk]
    assert {j["id"] for j in manager_api.get("/api/jobs/").json()["results"]} == {
        mine.pk,
        theirs.pk,
    }
    assert annotator_api.get(f"/api/jobs/{theirs.pk}/").status_code == 404


@pytest.mark.django_db
def test_cancelling_is_for_the_owner_or_a_manager_and_only_while_active(
    manager, annotator, manager_api, annotator_api
):
    theirs = job_create(kind=Job.Kind.UPLOAD, title="Manager's", user=manager)
    mine = job_create(kind=Job.Kind.UPLOAD, title="Annotator's", user=annotator)
    assert annotator_api.post(f"/api/jobs/{theirs.pk}/cancel/").status_code == 404
    assert annotator_api.post(f"/api/jobs/{mine.pk}/cancel/").json()["status"] == "cancelled"
    again = manager_api.post(f"/api/jobs/{mine.pk}/cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "job_not_active")
    assert again.json()["message"] == f"Job {mine.pk} has already ended (cancelled)."


@pytest.mark.django_db
def test_the_jobs_list_reads_a_page_in_a_fixed_number_of_queries(
    manager, manager_api, django_assert_max_num_queries
):
    for n in range(30):
        job_create(kind=Job.Kind.UPLOAD, title=f"Job {n}", user=manager)
    with django_assert_max_num_queries(6):
        response = manager_api.get("/api/jobs/")
    assert response.json()["count"] == 30
