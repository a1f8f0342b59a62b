"""S3 media storage against a real S3 API (moto's server on loopback): uploads store originals and
thumbnails as objects, images are presigned redirects a plain HTTP client follows, failed uploads
and deletes leave nothing behind, and frames may reference objects already in a bucket."""

import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from PIL import Image

from datasets.models import Job
from frames.media import thumb_name
from frames.models import Frame
from tests.datasets.factories import VersionFactory, publish
from tests.frames.media_files import image_bytes
from tests.frames.media_files import upload as file
from tests.s3 import fetch, make_bucket

from .helpers import delete_frame, image_url, stored_name, upload, with_thumbs

pytestmark = pytest.mark.django_db

BIG = image_bytes(size=(600, 300))
SMALL = image_bytes("JPEG", size=(40, 30))


@pytest.fixture
def version(db):
    return VersionFactory(frames=[])


@pytest.fixture
def uploaded(s3, manager_client, jobs, version):
    """Two images uploaded through the API into `version`, stored in the test's bucket."""
    job = upload(manager_client, jobs, version, [file("big.png", BIG), file("small.jpg", SMALL)])
    assert job.status == Job.Status.SUCCEEDED, (job.message, job.errors)
    return version


def test_an_upload_stores_originals_and_thumbnails_as_objects(s3, uploaded):
    big, small = stored_name(uploaded, "big"), stored_name(uploaded, "small")
    assert s3.names() == with_thumbs(big, small)  # nothing left under incoming/
    assert (s3.read(big), s3.read(small)) == (BIG, SMALL)
    thumbnail = Image.open(io.BytesIO(s3.read(thumb_name(big))))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (256, 128))


@pytest.mark.parametrize("thumbnail", [False, True])
def test_images_are_presigned_redirects_a_plain_client_follows(
    s3, uploaded, manager_client, thumbnail
):
    frame = Frame.objects.in_version(uploaded).get(key="big")
    response = manager_client.get(image_url(frame, thumbnail=thumbnail))
    assert response.status_code == 302
    assert response.url.startswith(f"{s3.endpoint}/{s3.name}/frames/")
    assert "X-Amz-Signature=" in response.url
    assert response["Cache-Control"] == "private, max-age=150"  # half the URL's 300 s
    name = stored_name(uploaded, "big")
    assert fetch(response.url) == (200, s3.read(thumb_name(name) if thumbnail else name))


def test_an_annotator_gets_the_redirect_too(s3, uploaded, annotator_client):
    frame = Frame.objects.in_version(uploaded).get(key="small")
    response = annotator_client.get(image_url(frame))
    assert response.status_code == 302
    assert fetch(response.url) == (200, SMALL)


@pytest.mark.parametrize("thumbnail", [False, True])
def test_an_anonymous_request_gets_no_presigned_url(s3, uploaded, thumbnail):
    frame = Frame.objects.in_version(uploaded).get(key="big")
    response = Client().get(image_url(frame, thumbnail=thumbnail))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert s3.endpoint not in response.url


def test_a_user_without_the_view_permission_gets_no_presigned_url(s3, uploaded):
    client = Client()
    client.force_login(User.objects.create_user("nobody"))
    frame = Frame.objects.in_version(uploaded).get(key="big")
    assert client.get(image_url(frame)).status_code == 403


def test_a_failed_upload_leaves_no_object(s3, manager_client, jobs, version):
    fake = file("fake.jpg", b"not an image")
    job = upload(manager_client, jobs, version, [file("a.png", BIG), fake, file("b.jpg", SMALL)])
    assert job.status == Job.Status.FAILED
    assert "fake.jpg" in job.message + str(job.errors)
    assert not Frame.objects.exists()
    assert s3.names() == []  # neither the staged files nor the frames already written


def test_deleting_a_frame_removes_its_object_and_thumbnail(s3, uploaded, manager_client, jobs):
    small = stored_name(uploaded, "small")
    delete_frame(manager_client, jobs, uploaded, "big")
    assert s3.names() == with_thumbs(small)
    cleanup = Job.objects.get(kind=Job.Kind.MEDIA_CLEANUP)
    assert (cleanup.status, cleanup.result["removed"]) == (Job.Status.SUCCEEDED, 2)


def test_a_file_a_fork_still_uses_stays_when_the_fork_deletes_its_copy(
    s3, uploaded, manager_client, jobs
):
    big = stored_name(uploaded, "big")
    fork = VersionFactory(parent=publish(uploaded))
    revision = manager_client.get(f"/api/versions/{fork.pk}/frames/big/").json()["revision"]
    saved = manager_client.patch(
        f"/api/versions/{fork.pk}/frames/big/",
        {"revision": revision, "meta": {"checked": True}},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert Frame.objects.filter(uri=f"media:{big}").count() == 2  # the copy-on-write copy
    before = s3.names()
    delete_frame(manager_client, jobs, fork, "big")
    delete_frame(manager_client, jobs, fork, "small")  # a row the fork shares with its parent
    assert Frame.objects.filter(uri=f"media:{big}").count() == 1
    assert s3.names() == before
    frame = Frame.objects.in_version(uploaded).get(key="big")
    assert fetch(manager_client.get(image_url(frame)).url) == (200, BIG)


def test_deleting_a_dataset_removes_its_versions_folders(s3, uploaded, manager_client, jobs):
    fork = VersionFactory(parent=publish(uploaded))
    job = upload(manager_client, jobs, fork, [file("third.png", BIG)])
    assert job.status == Job.Status.SUCCEEDED
    assert {key.split("/")[1] for key in s3.names()} == {str(uploaded.pk), str(fork.pk)}
    with jobs.queued():
        response = manager_client.delete(f"/api/datasets/{uploaded.dataset_id}/")
    assert response.status_code == 204, response.content
    jobs.run()
    assert s3.names() == []


def test_deleting_a_dataset_keeps_a_file_another_dataset_references(
    s3, uploaded, manager_client, jobs
):
    small = stored_name(uploaded, "small")
    other = VersionFactory(frames=[])
    imported = manager_client.post(
        f"/api/versions/{other.pk}/frames/",
        [{"id": "borrowed", "source": {"uri": f"media:{small}", "width": 40, "height": 30}}],
        content_type="application/json",
    )
    assert imported.status_code == 201, imported.content
    with jobs.queued():
        manager_client.delete(f"/api/datasets/{uploaded.dataset_id}/")
    jobs.run()
    assert s3.names() == with_thumbs(small)


# Frames that reference objects already in a bucket: s3://bucket/key, never copied.


def import_frames(client, version, uri: str):
    return client.post(
        f"/api/versions/{version.pk}/frames/",
        [{"id": "cat", "source": {"uri": uri, "width": 40, "height": 30}}],
        content_type="application/json",
    )


@pytest.fixture
def read_bucket(s3, settings):
    """A second bucket this server may read (S3_READ_BUCKETS), holding `cats/cat.jpg`."""
    name = make_bucket(s3.client, "hl-read")
    s3.client.put_object(Bucket=name, Key="cats/cat.jpg", Body=SMALL)
    settings.S3_READ_BUCKETS = [name]
    yield name
    s3.client.delete_object(Bucket=name, Key="cats/cat.jpg")
    s3.client.delete_bucket(Bucket=name)


@pytest.mark.parametrize("thumbnail", [False, True])
def test_an_s3_uri_in_a_read_bucket_is_served_as_a_presigned_redirect(
    s3, read_bucket, manager_client, version, thumbnail
):
    response = import_frames(manager_client, version, f"s3://{read_bucket}/cats/cat.jpg")
    assert response.status_code == 201, response.content
    frame = Frame.objects.in_version(version).get()
    redirect = manager_client.get(image_url(frame, thumbnail=thumbnail))
    assert redirect.status_code == 302
    assert redirect.url.startswith(f"{s3.endpoint}/{read_bucket}/cats/cat.jpg?")
    assert fetch(redirect.url) == (200, SMALL)
    assert s3.names() == []  # referenced, not copied


def test_an_s3_uri_in_the_media_bucket_is_accepted(s3, manager_client, version):
    s3.put("outside/dog.jpg", SMALL)
    response = import_frames(manager_client, version, f"s3://{s3.name}/outside/dog.jpg")
    assert response.status_code == 201, response.content
    frame = Frame.objects.in_version(version).get()
    assert fetch(manager_client.get(image_url(frame)).url) == (200, SMALL)


def test_an_s3_uri_in_another_bucket_is_400_naming_source_uri(s3, manager_client, version):
    response = import_frames(manager_client, version, "s3://someone-elses/cat.jpg")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "source.uri")
    assert "someone-elses" in error["message"]
    assert not Frame.objects.exists()


def test_an_s3_uri_without_s3_storage_is_400(manager_client, version):
    response = import_frames(manager_client, version, "s3://media/cat.jpg")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "source.uri"
    assert "S3 storage" in error["message"]


def test_a_bucket_no_longer_read_is_not_found(s3, read_bucket, manager_client, version, settings):
    import_frames(manager_client, version, f"s3://{read_bucket}/cats/cat.jpg")
    settings.S3_READ_BUCKETS = []
    frame = Frame.objects.in_version(version).get()
    assert manager_client.get(image_url(frame)).status_code == 404


def test_deleting_an_s3_frame_never_deletes_the_object(
    s3, read_bucket, manager_client, jobs, version
):
    import_frames(manager_client, version, f"s3://{read_bucket}/cats/cat.jpg")
    delete_frame(manager_client, jobs, version, "cat")
    assert s3.client.get_object(Bucket=read_bucket, Key="cats/cat.jpg")["Body"].read() == SMALL
