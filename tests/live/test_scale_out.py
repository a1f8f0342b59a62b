"""Scale-out: two gunicorn processes and two RQ workers share PostgreSQL, Redis and S3.

The S3 API is moto's server on a loopback port, in this process. Two clients upload at once, each
through its own server: a 300-frame video to one version, 200 images to another, and follow their
jobs through the other server (no server keeps state). Every job must succeed; each version then
has exactly its frames, each once; and every frame's image, asked of either server, redirects to a
presigned URL that the bucket answers with the image (the uploaded bytes, for images).
"""

import threading
import time
import traceback

import pytest

from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server, s3_client

from .site import Api, Site, backend, fetch, session_cookie, uses_postgresql, wait_for
from .videos import jpeg_images, write_video

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (uses_postgresql() and backend() == "rq"),
        reason="scale-out needs PostgreSQL and Redis (run with DATABASE_URL=postgres://… and "
        "REDIS_URL set; SQLite has one writer and the database queue is not the one to scale)",
    ),
]

BUCKET = "hl-live"
VIDEO_FRAMES = 300
IMAGES = 200
ENDED = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def bucket():
    """moto's S3 on a free loopback port with an empty bucket; (the processes' env, a client)."""
    with moto_server() as endpoint:
        client = s3_client(endpoint)
        client.create_bucket(Bucket=BUCKET)
        env = {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }
        yield env, client


@pytest.fixture
def scaled_site(live_database, tmp_path, bucket):
    site = Site(live_database, tmp_path, s3=bucket[0])
    yield site
    site.close()


def object_names(client, prefix: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def rq_workers() -> int:
    import django_rq
    from rq import Worker

    return Worker.count(queue=django_rq.get_queue("default"))


def upload_and_follow(api: Api, follower: Api, version: int, files, results: dict, name: str):
    """One client: upload through one server, poll the job through the other until it ends."""
    try:
        job = api.upload(version, files)

        def ended():
            polled = follower.job(job["id"])
            return polled if polled["status"] in ENDED else None

        results[name] = wait_for(ended, seconds=240, every=0.25, what=f"the {name} job")
    except Exception:
        results[name] = traceback.format_exc()
    finally:
        api.close()
        follower.close()


def image_problems(frames: list[dict], ports: list[int], cookie: str, expected: dict) -> list:
    """Each frame's image through a server (in turn), then the presigned URL it redirects to."""
    problems = []
    for index, frame in enumerate(frames):
        url = f"http://127.0.0.1:{ports[index % len(ports)]}{frame['image_url']}"
        status, headers, _ = fetch(url, {"Cookie": cookie})
        location = headers.get("Location", "")
        if status != 302 or not location.startswith("http://127.0.0.1:"):
            problems.append(f"{frame['id']}: {status} {location}")
            continue
        status, _, data = fetch(location)
        wanted = expected.get(frame["id"])
        if status != 200 or not data.startswith(b"\xff\xd8") or wanted not in (None, data):
            problems.append(f"{frame['id']}: the bucket answered {status}, {len(data)} bytes")
    return problems


def test_two_servers_and_two_workers_import_two_uploads_at_once(scaled_site, bucket, tmp_path):
    site, client = scaled_site, bucket[1]
    first, second = site.server(), site.server()
    workers = [site.worker(), site.worker()]
    wait_for(lambda: rq_workers() == 2, seconds=60, what="two RQ workers")
    video_version = first.new_version("scale-out video")
    images_version = second.new_version("scale-out images")
    video = write_video(tmp_path / "drive.mp4", frames=VIDEO_FRAMES).read_bytes()
    images = {f"shot-{n:03d}": data for n, data in enumerate(jpeg_images(IMAGES))}

    results: dict = {}
    began = time.monotonic()
    clients = [
        threading.Thread(
            target=upload_and_follow,
            args=(first.another(), second.another(), video_version, [("drive.mp4", video)]),
            kwargs={"results": results, "name": "video"},
        ),
        threading.Thread(
            target=upload_and_follow,
            args=(
                second.another(),
                first.another(),
                images_version,
                [(f"{key}.jpg", data) for key, data in images.items()],
            ),
            kwargs={"results": results, "name": "images"},
        ),
    ]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=300)
    jobs_took = time.monotonic() - began

    for name, count in (("video", VIDEO_FRAMES), ("images", IMAGES)):
        job = results.get(name)
        assert isinstance(job, dict), f"{name}: {job}\n{site.logs()}"
        assert job["status"] == "succeeded", f"{job}\n{site.logs()}"
        assert job["result"]["created"] == count
    for version, name, count in (
        (video_version, "video", VIDEO_FRAMES),
        (images_version, "images", IMAGES),
    ):
        frames = first.frames(version)
        keys = [frame["id"] for frame in frames]
        assert len(keys) == count == len(set(keys)), f"{name}: {len(keys)} frames"
        assert set(keys) == set(results[name]["result"]["frames"])
        assert first.version(version)["frame_count"] == count
        stored = object_names(client, f"frames/{version}/")
        assert len(stored) == 2 * count, f"{name}: {len(stored)} objects (originals, thumbnails)"
    assert set(keys) == set(images)
    # The staged uploads go right after the job succeeds (one DELETE a file).
    wait_for(lambda: not object_names(client, "incoming/"), seconds=60, what="no staged files")

    began = time.monotonic()
    cookie = session_cookie(first.port)
    ports = [first.port, second.port]
    video_frames = first.frames(video_version)
    problems = image_problems(video_frames, ports, cookie, {})
    problems += image_problems(first.frames(images_version), ports, cookie, images)
    assert not problems, problems[:20]
    print(f"both jobs ended {jobs_took:.1f} s after the uploads began; ", end="")
    print(f"{VIDEO_FRAMES + IMAGES} images read in {time.monotonic() - began:.1f} s")

    ran = [worker.log.read_text().count("Job OK") for worker in workers]
    assert sorted(ran) == [1, 1], f"jobs each worker ran: {ran}"
    assert not site.tracebacks(), site.logs()
