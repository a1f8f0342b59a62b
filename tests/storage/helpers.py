"""Requests the storage tests make as a user would: uploads through the API, run as jobs."""

from django.urls import reverse

from datasets.models import Job, Version
from frames.media import media_name, thumb_name
from frames.models import Frame


def upload(client, jobs, version: Version, files: list) -> Job:
    """POST files to the version's uploads endpoint, then run the job it queued."""
    with jobs.queued():
        response = client.post(f"/api/versions/{version.pk}/uploads/", {"files": files})
    assert response.status_code == 202, response.content
    jobs.run()
    return Job.objects.get(pk=response.json()["job"]["id"])


def delete_frame(client, jobs, version: Version, key: str) -> None:
    with jobs.queued():
        response = client.delete(f"/api/versions/{version.pk}/frames/{key}/")
    assert response.status_code == 204, response.content
    jobs.run()


def stored_name(version: Version, key: str) -> str:
    """The storage name of a frame's original (a `media:` URI)."""
    name = media_name(Frame.objects.in_version(version).get(key=key).uri)
    assert name is not None
    return name


def with_thumbs(*names: str) -> list[str]:
    return sorted([*names, *(thumb_name(name) for name in names)])


def image_url(frame: Frame, *, thumbnail: bool = False) -> str:
    return reverse("frames:frame_thumb" if thumbnail else "frames:frame_image", args=[frame.pk])
