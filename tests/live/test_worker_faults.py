"""Real worker processes killed or cancelled in the middle of an upload: nothing half-done stays.

Each test starts gunicorn and workers of the suite's queue (`manage.py db_worker`, or `manage.py
rqworker` when REDIS_URL is set) on a database of its own (see site.py) and drives them over HTTP,
as a user would. The upload is a 1280x720 video of 900 frames, seconds of decoding, so the kill or
cancel lands while the worker is writing frames.
"""

import time

import pytest

from .site import STALE_SECONDS, Api, Site, wait_for

pytestmark = pytest.mark.live

LONG_FRAMES = 900
SHORT_FRAMES = 30
ENDED = {"succeeded", "failed", "cancelled"}


def decoding(api: Api, job_id: int, site: Site) -> dict | None:
    """The job once it runs and has decoded some frames (so some files are written)."""
    job = api.job(job_id)
    assert job["status"] not in ENDED, f"the job ended early: {job}\n{site.logs()}"
    return job if job["status"] == "running" and job["progress"]["done"] >= 20 else None


def ended(api: Api, job_id: int) -> dict | None:
    job = api.job(job_id)
    return job if job["status"] in ENDED else None


def upload_succeeds(api: Api, site: Site, version: int, video: bytes) -> dict:
    """A short video uploaded and imported to the end: the worker (still) works."""
    job = api.upload(version, [("after.mp4", video)])
    finished = wait_for(lambda: ended(api, job["id"]), seconds=60, what="the short upload")
    assert finished["status"] == "succeeded", f"{finished}\n{site.logs()}"
    assert finished["result"]["created"] == SHORT_FRAMES
    return finished


def test_a_killed_worker_keeps_nothing_and_its_job_fails_after_the_heartbeat_timeout(
    site, long_video, short_video
):
    api = site.server()
    version = api.new_version("killed worker")
    worker = site.worker()
    job = api.upload(version, [("street.mp4", long_video)])
    wait_for(lambda: decoding(api, job["id"], site), seconds=60, what="the worker to decode")
    written = site.media_files()
    assert any(name.startswith(f"frames/{version}/") for name in written), written
    assert any(name.startswith("incoming/") for name in written), written

    horses = worker.kill()
    killed = time.monotonic()
    assert horses or worker.kind == "db", "rqworker had no work horse to kill"
    now = api.job(job["id"])
    assert now["status"] == "running"  # its heartbeat is not old yet
    assert now["progress"]["done"] < LONG_FRAMES
    assert api.version(version)["frame_count"] == 0
    assert api.frames(version) == []

    failed = wait_for(
        lambda: ended(api, job["id"]), seconds=STALE_SECONDS + 30, every=0.25, what="stale"
    )
    stale_after = time.monotonic() - killed
    assert failed["status"] == "failed", failed
    assert "worker running this job stopped" in failed["message"], failed["message"]
    assert site.media_files() == []  # the staged video and the frames written so far
    assert api.version(version)["frame_count"] == 0
    print(f"killed after {now['progress']['done']} frames; failed {stale_after:.1f} s later")

    # The site recovers: a new worker runs a new upload to the end.
    site.worker()
    upload_succeeds(api, site, version, short_video)
    assert api.version(version)["frame_count"] == SHORT_FRAMES
    assert not [name for name in site.media_files() if name.startswith("incoming/")]
    assert not site.tracebacks(), site.logs()


def test_a_running_upload_cancelled_stops_at_once_and_keeps_nothing(site, long_video, short_video):
    api = site.server()
    version = api.new_version("cancelled while running")
    site.worker()
    job = api.upload(version, [("street.mp4", long_video)])
    wait_for(lambda: decoding(api, job["id"], site), seconds=60, what="the worker to decode")

    sent = time.monotonic()
    asked = api.json("POST", f"/api/jobs/{job['id']}/cancel/")
    assert asked["status"] == "running"  # it stops at its next step
    cancelled = wait_for(lambda: ended(api, job["id"]), seconds=30, every=0.05, what="cancel")
    took = time.monotonic() - sent
    assert cancelled["status"] == "cancelled", f"{cancelled}\n{site.logs()}"
    assert cancelled["progress"]["done"] < LONG_FRAMES
    assert took < 3, f"the cancel took {took:.1f} s"
    assert api.version(version)["frame_count"] == 0
    # The staged copy goes right after the status is written.
    wait_for(lambda: not site.media_files(), seconds=5, what=f"no files: {site.media_files()}")
    print(f"cancelled after {cancelled['progress']['done']} frames, {took:.2f} s after asking")

    upload_succeeds(api, site, version, short_video)  # the same worker goes on
    assert not site.tracebacks(), site.logs()


def test_a_queued_upload_cancelled_never_runs(site, short_video):
    api = site.server()
    cancelled_version = api.new_version("cancelled while queued")
    job = api.upload(cancelled_version, [("queued.mp4", short_video)])
    assert job["status"] == "queued"  # no worker runs yet
    answer = api.json("POST", f"/api/jobs/{job['id']}/cancel/")
    assert answer["status"] == "cancelled"
    assert site.media_files() == []

    site.worker()  # takes the cancelled job's task first, then this one
    upload_succeeds(api, site, api.new_version("queued after it"), short_video)
    after = api.job(job["id"])
    assert after["status"] == "cancelled"
    assert after["started_at"] is None
    assert after["progress"]["done"] == 0
    assert api.version(cancelled_version)["frame_count"] == 0
    assert not site.tracebacks(), site.logs()
