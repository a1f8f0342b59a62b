"""Frame images and thumbnails in local storage: login required, bytes served, URLs redirected,
thumbnails as stored at import (S3 storage: tests/storage/test_s3.py)."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from frames.models import Frame
from frames.uploads import frames_import_uploads
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data

from .media_files import image_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def frame(db) -> Frame:
    version = VersionFactory()
    frames_import_uploads(version=version, files=[upload("big.png", image_bytes(size=(600, 300)))])
    return Frame.objects.in_version(version).get()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["frames:frame_image", "frames:frame_thumb"])
def test_anonymous_user_is_sent_to_login(client, frame, name):
    response = client.get(reverse(name, args=[frame.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_image_is_served_to_a_logged_in_user(annotator_client, frame, media_root):
    response = annotator_client.get(reverse("frames:frame_image", args=[frame.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == next(media_root.rglob("big.png")).read_bytes()


def test_thumbnail_is_a_small_jpeg(annotator_client, frame):
    response = annotator_client.get(reverse("frames:frame_thumb", args=[frame.pk]))
    assert response.status_code == 200
    thumbnail = Image.open(io.BytesIO(body(response)))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (256, 128))


def test_thumbnail_is_the_one_stored_beside_the_original(annotator_client, frame, media_root):
    [thumb] = media_root.rglob(".thumbs/big.png.jpg")
    thumb.write_bytes(image_bytes("JPEG", size=(8, 8)))  # marks the stored copy
    response = annotator_client.get(reverse("frames:frame_thumb", args=[frame.pk]))
    assert body(response) == thumb.read_bytes()


def test_a_file_without_thumbnail_serves_its_original_and_writes_nothing(
    annotator_client, frame, media_root
):
    (media_root / "mine").mkdir()
    (media_root / "mine" / "own.png").write_bytes(image_bytes(size=(600, 300)))
    Frame.objects.filter(pk=frame.pk).update(uri="media:mine/own.png")
    before = stored_files(media_root)
    response = annotator_client.get(reverse("frames:frame_thumb", args=[frame.pk]))
    assert body(response) == (media_root / "mine" / "own.png").read_bytes()
    assert stored_files(media_root) == before  # no thumbnail made in a request


@pytest.mark.parametrize("name", ["frames:frame_image", "frames:frame_thumb"])
def test_url_sources_are_redirects(annotator_client, name):
    version = VersionFactory(frames=[frame_data("remote")])
    frame = Frame.objects.in_version(version).get()
    response = annotator_client.get(reverse(name, args=[frame.pk]))
    assert response.status_code == 302
    assert response.url == "https://example.com/remote.jpg"


@pytest.mark.parametrize(
    "uri", ["media:missing.png", "media:../secret.png", "file:///etc/passwd", "s3://media/a.png"]
)
def test_sources_outside_the_media_storage_are_not_found(annotator_client, frame, uri, tmp_path):
    (tmp_path / "secret.png").write_bytes(image_bytes())  # just outside MEDIA_ROOT
    Frame.objects.filter(pk=frame.pk).update(uri=uri)
    for name in ("frames:frame_image", "frames:frame_thumb"):
        assert annotator_client.get(reverse(name, args=[frame.pk])).status_code == 404


def test_unknown_frame_is_not_found(annotator_client):
    assert annotator_client.get(reverse("frames:frame_image", args=[999])).status_code == 404


@pytest.mark.parametrize("name", ["frames:frame_image", "frames:frame_thumb"])
def test_a_user_who_may_not_view_frames_gets_no_image(client, frame, name):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))
    assert client.get(reverse(name, args=[frame.pk])).status_code == 403
