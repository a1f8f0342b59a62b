"""Frame images for users who may view frames: the original and a cached thumbnail.

Files in local storage are streamed by Django (`FileResponse`), after the login check. With S3-style
storage (django-storages' S3 backend with `querystring_auth`), `storage.path()` raises
`NotImplementedError` and the view redirects to `storage.url(name)`, a presigned URL valid for
minutes, so the bucket stays private. A frame whose URI is an http(s) URL redirects to it. Either
way an image URL stays `/frames/<pk>/image/`, so pages and the API never change.
"""

import hashlib

from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from .media import media_name, thumbnail_bytes
from .models import Frame

# A frame row never changes its URI (edits copy rows, never repoint them), so browsers may keep it.
CACHE_CONTROL = "private, max-age=86400"


def _is_url(uri: str) -> bool:
    return uri.startswith("http://") or uri.startswith("https://")


def _stored_name(uri: str) -> str:
    name = media_name(uri)
    if name is None or not default_storage.exists(name):
        raise Http404("This frame's image is not in the media storage.")
    return name


def _serve(name: str) -> HttpResponse:
    try:
        path = default_storage.path(name)
    except NotImplementedError:  # remote storage: its URL is a presigned one
        return redirect(default_storage.url(name))
    response = FileResponse(open(path, "rb"))  # noqa: SIM115 (FileResponse closes it)
    response["Cache-Control"] = CACHE_CONTROL
    # Media paths come from imports; should one be something else than an image, keep it inert.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@permission_required("frames.view_frame", raise_exception=True)
def frame_image(request: HttpRequest, pk: int) -> HttpResponse:
    frame = get_object_or_404(Frame.objects.only("uri"), pk=pk)
    if _is_url(frame.uri):
        return redirect(frame.uri)
    return _serve(_stored_name(frame.uri))


def _thumbnail(name: str) -> str:
    """The thumbnail's storage name, made once; frames sharing an image share its thumbnail."""
    thumb = f"thumbs/{hashlib.sha256(name.encode()).hexdigest()[:32]}.jpg"
    if default_storage.exists(thumb):
        return thumb
    try:
        with default_storage.open(name) as file:
            data = thumbnail_bytes(file)
    except Exception as error:  # Pillow's many errors: a file that is not a readable image
        raise Http404("This frame's image cannot be read.") from error
    saved = default_storage.save(thumb, ContentFile(data))
    if saved != thumb:  # another request made it meanwhile
        default_storage.delete(saved)
    return thumb


@require_GET
@permission_required("frames.view_frame", raise_exception=True)
def frame_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    frame = get_object_or_404(Frame.objects.only("uri"), pk=pk)
    if _is_url(frame.uri):
        return redirect(frame.uri)
    return _serve(_thumbnail(_stored_name(frame.uri)))
