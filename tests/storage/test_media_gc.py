"""`manage.py media_gc`: orphans in `frames/` and `incoming/` go, on the local disk and on S3;
files frames use, fresh files and the folders of queued or running jobs stay."""

import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from config.storage import walk
from datasets.models import Job
from tests.datasets.factories import VersionFactory
from tests.frames.media_files import image_bytes
from tests.frames.media_files import upload as file

from .helpers import stored_name, upload, with_thumbs

pytestmark = pytest.mark.django_db

ORPHANS = [
    "frames/999/gone/lost.png",
    "frames/999/gone/.thumbs/lost.png.jpg",
    "frames/999/gone/.thumbs/vanished.png.jpg",  # a thumbnail whose original went before
    "incoming/abandoned/00000",  # staged by an upload whose job row is gone
]
OUTSIDE = "mine/own.png"  # put there by hand; frames may reference it, media_gc never looks


@pytest.fixture(params=["local", "s3"])
def storage(request) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param


def managed_files() -> list[str]:
    return sorted([*walk("frames"), *walk("incoming")])


def save(*names: str) -> None:
    for name in names:
        assert default_storage.save(name, ContentFile(image_bytes())) == name


def media_gc(*args: str) -> str:
    out = io.StringIO()
    call_command("media_gc", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def used(storage, manager_client, jobs) -> list[str]:
    """An uploaded frame's original and thumbnail, plus the orphans and a file outside."""
    version = VersionFactory(frames=[])
    job = upload(manager_client, jobs, version, [file("kept.png", image_bytes())])
    assert job.status == Job.Status.SUCCEEDED
    save(*ORPHANS, OUTSIDE)
    return with_thumbs(stored_name(version, "kept"))


def test_orphans_go_and_used_files_stay(used):
    output = media_gc("--older-than-minutes", "0")
    assert managed_files() == used
    assert default_storage.exists(OUTSIDE)
    assert (
        "Checked 6 file(s) older than 0 minute(s): 4 unused, 0 expired export(s); removed 4 file(s)."
        in output
    )


def test_a_dry_run_lists_the_orphans_and_removes_nothing(used):
    before = managed_files()
    output = media_gc("--older-than-minutes", "0", "--dry-run")
    assert managed_files() == before
    assert [line.removeprefix("would remove ") for line in output.splitlines()[:-1]] == ORPHANS
    assert output.splitlines()[-1].endswith(
        "4 unused, 0 expired export(s); nothing removed (dry run)."
    )


def test_verbosity_2_names_what_went(used):
    output = media_gc("--older-than-minutes", "0", "--verbosity", "2")
    assert f"removed {ORPHANS[0]}" in output.splitlines()


def test_files_newer_than_the_grace_period_stay(used):
    media_gc()  # 60 minutes
    assert managed_files() == sorted([*used, *ORPHANS])


def test_the_folders_of_a_queued_upload_stay_and_its_job_still_succeeds(
    storage, manager_client, jobs
):
    version = VersionFactory(frames=[])
    with jobs.queued():
        response = manager_client.post(
            f"/api/versions/{version.pk}/uploads/", {"files": [file("late.png", image_bytes())]}
        )
    staged = managed_files()
    assert [name.split("/")[0] for name in staged] == ["incoming"]
    media_gc("--older-than-minutes", "0")
    assert managed_files() == staged
    jobs.run()
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert managed_files() == with_thumbs(stored_name(version, "late"))


def test_a_negative_grace_period_is_refused(db):
    with pytest.raises(CommandError, match="0 or more"):
        media_gc("--older-than-minutes", "-1")


# The local disk: the cutoff compares modification times; empty folders go too.


def test_an_orphan_older_than_the_grace_period_goes_and_its_folders_too(media_root, db):
    save("frames/7/old/old.png", "frames/7/new/new.png")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(media_root / "frames/7/old/old.png", (two_hours_ago, two_hours_ago))
    media_gc()
    assert managed_files() == ["frames/7/new/new.png"]
    assert not (media_root / "frames/7/old").exists()
