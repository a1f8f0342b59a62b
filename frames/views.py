"""Frame images for users who may view frames: the original and its thumbnail.

Every answer comes after the login and permission check; an image URL stays `/frames/<pk>/image/`
whatever the storage, so pages and the API never change. Where the bytes come from:
- `media:<name>` in local storage: streamed by Django (`FileResponse`).
- `media:<name>` in S3 storage (django-storages' S3 backend with `querystring_auth`): a redirect to
  `storage.url(name)`, a presigned URL valid S3_URL_SECONDS, so the bucket stays private and no
  web worker carries the bytes.
- `s3://bucket/key` (an object imported by reference, in a bucket this server reads): a redirect
  to a presigned GET made with the storage's own boto3 client.
- an http(s) URL: a redirect to it.
The thumbnail is the one the import stored beside the file (`thumb_name`); a file that has none
(placed in the storage by hand, or an `s3://` object) serves its original. No request decodes an
image.
"""

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from config.storage import local_path

from .imports import readable_buckets, s3_location
from .media import media_name, thumb_name
from .models import Frame
from .sources import frame_sources, source_of

# A frame row never changes its URI (edits copy rows, never repoint them), so browsers may keep it.
CACHE_CONTROL = "private, max-age=86400"


def _is_url(uri: str) -> bool:
    return uri.startswith("http://") or uri.startswith("https://")


def _presigned(url: str) -> HttpResponse:
    response = redirect(url)
    # Reusing the redirect while its URL is still valid lets the browser reuse the cached image
    # too (every new presigned URL is a new cache entry).
    response["Cache-Control"] = f"private, max-age={settings.S3_URL_SECONDS // 2}"
    return response


def _stream(path: str) -> HttpResponse:
    response = FileResponse(open(path, "rb"))  # noqa: SIM115 (FileResponse closes it)
    response["Cache-Control"] = CACHE_CONTROL
    # Media paths come from imports; should one be something else than an image, keep it inert.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _serve_stored(name: str, *, thumbnail: bool) -> HttpResponse:
    if thumbnail and default_storage.exists(thumb_name(name)):
        name = thumb_name(name)
    path = local_path(name)
    if path is None:
        # No HEAD request for an original: the bucket answers 404 itself for a missing object.
        return _presigned(default_storage.url(name))
    if not default_storage.exists(name):
        raise Http404("This frame's image is not in the media storage.")
    return _stream(path)


def _serve_s3_object(uri: str) -> HttpResponse:
    location = s3_location(uri)
    if location is None or location[0] not in readable_buckets():
        raise Http404("This frame's image is in a bucket this server does not read.")
    connection = getattr(default_storage, "connection", None)  # the S3 backend's boto3 resource
    if connection is None:  # S3_BUCKET is set but the media storage is not S3: a configuration slip
        raise Http404("This server's media storage is not S3.")
    bucket, key = location
    url = connection.meta.client.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key},
        ExpiresIn=settings.S3_URL_SECONDS,
    )
    return _presigned(url)


def _serve(uri: str, *, thumbnail: bool) -> HttpResponse:
    if _is_url(uri):
        return redirect(uri)
    if s3_location(uri) is not None:
        return _serve_s3_object(uri)
    name = media_name(uri)
    if name is None:
        raise Http404("This frame's image is not in the media storage.")
    return _serve_stored(name, thumbnail=thumbnail)


@require_GET
@permission_required("frames.view_frame", raise_exception=True)
def frame_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The frame's image: its first source's, or `?source=<id>`'s of a FrameGroup."""
    frame = get_object_or_404(Frame.objects.only("uri", "width", "height", "sources"), pk=pk)
    wanted = request.GET.get("source")
    if wanted is None:
        return _serve(frame.uri, thumbnail=False)
    source = source_of(frame_sources(frame), wanted)
    if source is None:
        raise Http404("This frame has no such source.")
    return _serve(source["uri"], thumbnail=False)


@require_GET
@permission_required("frames.view_frame", raise_exception=True)
def frame_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    frame = get_object_or_404(Frame.objects.only("uri"), pk=pk)
    return _serve(frame.uri, thumbnail=True)
