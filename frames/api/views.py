"""Frames of a version: list and bulk import, one frame, uploads, the labels in use."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annotations.services import frame_save, frames_delete
from config.api import (
    VERSION_PARAMETER,
    ErrorSerializer,
    VersionScopedViewSet,
    drop_parsed_body,
    validated,
)
from config.bulk import gc_paused
from config.errors import ConflictError
from config.pagination import CountedRows
from datasets.api.jobs import JobEnvelopeSerializer, JobSerializer
from datasets.models import Version
from frames.imports import frames_import_json, import_start
from frames.lucene import compile_frame_query
from frames.models import Frame
from frames.selectors import frame_get, version_labels, with_annotations
from frames.uploads import upload_start

from .serializers import (
    BulkCreatedSerializer,
    FrameConflictSerializer,
    FrameDeleteSerializer,
    FrameFilterSerializer,
    FrameInputSerializer,
    FramePatchSerializer,
    FrameSerializer,
    ImportSerializer,
    UploadSerializer,
)

MAX_BULK_FRAMES = 10_000
KEY_PARAMETER = OpenApiParameter(
    "key", str, OpenApiParameter.PATH, description="The frame key (URL-encoded)."
)


@extend_schema_view(
    list=extend_schema(
        summary="Frames of a version",
        parameters=[VERSION_PARAMETER, FrameFilterSerializer],
        responses=FrameSerializer(many=True),
    ),
    create=extend_schema(
        summary="Import frames with their annotations (at most 10,000; all or none)",
        description="A failing frame answers 400 with `errors`: "
        '[{"index", "field", "message"}], and nothing is created.',
        parameters=[VERSION_PARAMETER],
        request=FrameInputSerializer(many=True),
        responses={201: BulkCreatedSerializer, 409: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="One frame",
        parameters=[VERSION_PARAMETER, KEY_PARAMETER],
        responses=FrameSerializer,
    ),
    partial_update=extend_schema(
        summary="Replace a frame's ROIs, frame labels or meta",
        description="Send the `revision` you loaded. Managers save any frame of a Draft; "
        "Annotators only frames of an item they hold (claimed, lease running) or finished in an "
        "Active task on the version, else 403 `not_your_item`. A save renews the lease of the "
        "caller's item and is recorded in the frame's history. 409 `stale_revision` (with "
        "`current`, the frame as it is now) when someone saved since; 409 `roi_locked` when a "
        "ROI locked in the stored revision would change or go (only unlocking it is allowed); "
        "409 `version_published` on a Published version; 400 naming the field "
        "(`rois[2].points`) for bad input. A failed request changes nothing.",
        parameters=[VERSION_PARAMETER, KEY_PARAMETER],
        request=FramePatchSerializer,
        responses={200: FrameSerializer, 409: FrameConflictSerializer},
    ),
    destroy=extend_schema(
        summary="Remove a frame from a Draft version",
        parameters=[VERSION_PARAMETER, KEY_PARAMETER, FrameDeleteSerializer],
        responses={204: None, 409: ErrorSerializer},
    ),
)
class FrameViewSet(VersionScopedViewSet):
    lookup_field = "key"
    lookup_value_regex = ".+"  # keys may hold slashes (sent as %2F)
    serializer_class = FrameSerializer
    body_limits = {"create": "API_MAX_BULK_BODY_BYTES"}  # a bulk import's bigger bodies
    action_permissions = {
        "list": "frames.view_frame",
        "retrieve": "frames.view_frame",
        "create": "frames.add_frame",
        "partial_update": "frames.change_frame",
        "destroy": "frames.delete_frame",
    }

    def list(self, request, version_pk):
        params = validated(FrameFilterSerializer, request.query_params)
        frames = (
            Frame.objects.filter(memberships__version=self.version)
            .select_related("updated_by")
            .order_by("memberships__key")
        )
        if "context_id" in params:
            frames = frames.filter(context_id=params["context_id"])
        if params.get("q"):
            frames = frames.filter(compile_frame_query(params["q"]))
        if "context_id" not in params and not params.get("q"):
            # Counting a big version's memberships takes long; the version keeps the number.
            frames = CountedRows(frames, self.version.frame_count)
        page = with_annotations(self.paginate_queryset(frames))
        return self.get_paginated_response(FrameSerializer(page, many=True).data)

    def create(self, request, version_pk):
        # A 10,000-frame body is a million objects. Collection stays paused while they live and
        # resumes once they are gone, so no collection walks them (~0.1 s a batch).
        with gc_paused():
            try:
                created = self._import(request.data)
            finally:
                drop_parsed_body(request)
        return Response({"created": created}, status=status.HTTP_201_CREATED)

    def _import(self, frames) -> int:
        if not isinstance(frames, list):
            raise ValidationError("Send a JSON list of frames.", code="not_a_list")
        if len(frames) > MAX_BULK_FRAMES:
            raise ValidationError(
                f"At most {MAX_BULK_FRAMES:,} frames per request; got {len(frames):,}. "
                "Send them in batches.",
                code="too_many_frames",
            )
        return len(frames_import_json(version=self.version, frames=frames))

    def retrieve(self, request, version_pk, key):
        return Response(FrameSerializer(self.get_frame(key)).data)

    def partial_update(self, request, version_pk, key):
        changes = validated(FramePatchSerializer, request.data)
        # The save reads and locks the version itself (404 when missing): no lookup first.
        version = Version(pk=int(version_pk))
        try:
            frame = frame_save(version=version, key=key, user=request.user, **changes)
        except ConflictError as error:
            if error.current is not None:  # the same shape as a GET, image URL included
                error.current = FrameSerializer(self.get_frame(key)).data
            raise
        return Response(FrameSerializer(frame).data)

    def destroy(self, request, version_pk, key):
        force = validated(FrameDeleteSerializer, request.query_params)["force"]
        self.get_frame(key)
        frames_delete(version=self.version, keys=[key], user=request.user, force=force)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_frame(self, key: str) -> Frame:
        return frame_get(version=self.version, key=key)  # 404 when the version has no such key


@extend_schema_view(
    create=extend_schema(
        summary="Upload images and videos as new frames (all or none), in a job",
        description="Answers 202 with the queued job at once. The job checks and decodes every "
        "file, makes thumbnails and adds the frames all or none; when it has `succeeded`, its "
        "`result` is `{created, frames}`, else `errors` name each bad file. "
        "Follow it at `/api/jobs/{id}/`.",
        parameters=[VERSION_PARAMETER],
        request={"multipart/form-data": UploadSerializer},
        responses={202: JobEnvelopeSerializer, 409: ErrorSerializer},
    )
)
class FrameUploadViewSet(VersionScopedViewSet):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = UploadSerializer
    action_permissions = {"create": "frames.add_frame"}

    def create(self, request, version_pk):
        job = upload_start(
            version=self.version,
            user=request.user,
            files=request.FILES.getlist("files"),
            context_id=request.data.get("context_id") or None,
        )
        return Response({"job": JobSerializer(job).data}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    create=extend_schema(
        summary="Import frames or annotations from a file (all or none), in a job",
        description="`format=hyperlabel`: one frame a line, in the shape of the bulk import "
        "(`POST …/frames/`), with no limit on the count; `errors` name the line and field. "
        "`coco` (a JSON file, or a zip with the JSON and images), `yolo` and `voc` (zips): each "
        "image is matched to a frame by the frame's key (the file name's stem, or the key "
        "Hyperlabel's COCO export gives) or by file name (the last part of the frame's image "
        "path), and its annotations are added to that frame; an unmatched image in the archive "
        "becomes a new frame; anything else is skipped with its reason. Answers 202 with the "
        "queued job. When it has `succeeded`, its `result` is the report `{frames_created, "
        "frames_matched, rois_created, frame_labels_created, skipped: [{file, index, reason}], "
        "skipped_count}`; when it failed, `errors` name the file and annotation (`{file, index, "
        "field, message}`) and nothing was written.",
        parameters=[VERSION_PARAMETER],
        request={"multipart/form-data": ImportSerializer},
        responses={202: JobEnvelopeSerializer, 409: ErrorSerializer},
    )
)
class FrameImportViewSet(VersionScopedViewSet):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportSerializer
    action_permissions = {"create": "frames.add_frame"}

    def create(self, request, version_pk):
        data = validated(ImportSerializer, request.data)
        job = import_start(
            version=self.version, user=request.user, file=data["file"], format=data["format"]
        )
        return Response({"job": JobSerializer(job).data}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="Labels used in a version, sorted",
        description="Every label of the version's ROIs and frame labels, once each, in one "
        "list (not paginated).",
        parameters=[VERSION_PARAMETER],
        responses={200: serializers.ListSerializer(child=serializers.CharField())},
    )
)
class VersionLabelViewSet(VersionScopedViewSet):
    pagination_class = None
    action_permissions = {"list": "frames.view_frame"}

    def list(self, request, version_pk):
        return Response(version_labels(version=self.version))
