"""Export files are kept EXPORT_KEEP_DAYS days; `media_gc` removes older ones and the download says
so."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from datasets.jobs import job_create
from datasets.models import Job

pytestmark = pytest.mark.django_db


def export_job(user, *, status=Job.Status.SUCCEEDED, finished_days_ago=None) -> Job:
    job = job_create(kind=Job.Kind.EXPORT, title="Export", user=user)
    stored = default_storage.save(f"exports/{job.pk}/data.json", ContentFile(b"[]"))
    finished = (
        timezone.now() - timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None
    )
    Job.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=finished,
        params={"file": stored},
        result={"download": f"/api/jobs/{job.pk}/download/", "file_name": "data.json"},
    )
    return Job.objects.get(pk=job.pk)


def test_media_gc_removes_exports_older_than_the_keep_days(manager, manager_api, settings):
    settings.EXPORT_KEEP_DAYS = 7
    old = export_job(manager, finished_days_ago=8)
    recent = export_job(manager, finished_days_ago=6)
    running = export_job(manager, status=Job.Status.RUNNING)
    default_storage.save("exports/999999/orphan.json", ContentFile(b"[]"))  # its job is gone
    out = StringIO()
    call_command("media_gc", "--older-than-minutes", "0", "-v", "2", stdout=out)
    assert f"removed exports/{old.pk}/ (an expired export)" in out.getvalue()
    assert "removed exports/999999/ (an expired export)" in out.getvalue()
    assert "2 expired export(s)" in out.getvalue()
    assert not default_storage.exists(old.params["file"])
    assert not default_storage.exists("exports/999999/orphan.json")
    assert default_storage.exists(recent.params["file"])
    assert default_storage.exists(running.params["file"])
    response = manager_api.get(f"/api/jobs/{old.pk}/download/")
    assert response.status_code == 404
    assert response.json()["message"] == (
        "The export's file is gone: exports are kept 7 days. Export again."
    )
    assert manager_api.get(f"/api/jobs/{recent.pk}/download/").status_code == 200


def test_a_dry_run_lists_expired_exports_and_keeps_them(manager, settings):
    settings.EXPORT_KEEP_DAYS = 1
    old = export_job(manager, finished_days_ago=2)
    out = StringIO()
    call_command("media_gc", "--older-than-minutes", "0", "--dry-run", stdout=out)
    assert f"would remove exports/{old.pk}/ (an expired export)" in out.getvalue()
    assert default_storage.exists(old.params["file"])
