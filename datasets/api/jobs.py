"""Jobs: the long work a user started (all jobs for Managers), its progress, cancelling it, and
the file an export wrote."""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from config.api import ANY_USER, ApiViewSet, ErrorSerializer
from config.errors import ConflictError
from config.storage import local_path
from datasets.jobs import job_cancel, jobs_fail_stale
from datasets.models import Job
from datasets.selectors import jobs_visible_to

# What an export's download is, by its file's extension.
CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".zip": "application/zip",
}


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(source="progress_total", allow_null=True)
    unit = serializers.CharField(source="progress_unit")


class JobSerializer(serializers.ModelSerializer):
    progress = ProgressSerializer(source="*")
    created_by = serializers.CharField(source="created_by.username", default=None)
    errors = serializers.ListField(
        child=serializers.DictField(),
        help_text="What was wrong, where: {line|index, field, message}.",
    )
    result = serializers.DictField(
        allow_null=True,
        help_text="When it succeeded: an upload's {created, frames}; an export's {download, "
        "file_name, report: {frames, written, converted, skipped, images, images_missing}}.",
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "title",
            "version",
            "created_by",
            "progress",
            "message",
            "errors",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobEnvelopeSerializer(serializers.Serializer):
    job = JobSerializer()


@extend_schema_view(
    list=extend_schema(summary="Your jobs, newest first (a Manager sees everyone's)"),
    retrieve=extend_schema(summary="One job: status, progress, errors, result"),
)
class JobViewSet(ApiViewSet):
    serializer_class = JobSerializer
    action_permissions = {
        "list": ANY_USER,
        "retrieve": ANY_USER,
        "cancel": ANY_USER,
        "download": ANY_USER,
    }

    def get_queryset(self):
        jobs_fail_stale()  # a job whose worker died reads as failed, not forever running
        return jobs_visible_to(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JobSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(JobSerializer(self.get_object()).data)

    @extend_schema(
        summary="Cancel a queued or running job",
        description="A queued job never starts; a running one stops within a second of work and "
        "writes nothing. 409 `job_not_active` once it has ended.",
        request=None,
        responses={200: JobSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        job = job_cancel(job=self.get_object(), user=request.user)
        return Response(JobSerializer(job).data)

    @extend_schema(
        summary="Download the file an export job wrote",
        description="Your own job's, or anyone's for a Manager. The file streams with a "
        "Content-Disposition naming it (`.jsonl`, `.json` or `.zip`); with S3 storage the answer "
        "is a redirect (302) to a short-lived presigned URL that gives the same. 409 "
        "`job_not_succeeded` until the job has succeeded; 404 for a job that is no export.",
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
            for content_type in sorted(set(CONTENT_TYPES.values()))
        }
        | {
            302: OpenApiResponse(description="S3 storage: the presigned URL of the file."),
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk):
        job = self.get_object()
        stored = job.params.get("file") if job.kind == Job.Kind.EXPORT else None
        if not stored:
            raise NotFound(f"Job {job.pk} wrote no file to download; export jobs do.")
        if job.status != Job.Status.SUCCEEDED:
            raise ConflictError(
                "Job %(id)s is %(status)s; its file can be downloaded once it has succeeded.",
                code="job_not_succeeded",
                params={"id": job.pk, "status": job.get_status_display().lower()},
            )
        return _file_response(stored, (job.result or {}).get("file_name") or stored)

    def perform_content_negotiation(self, request, force=False):
        # A download is a file whatever the client accepts: no 406 for `Accept: application/zip`.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )


def _file_response(stored: str, name: str):
    name = PurePosixPath(name).name
    content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix, "application/octet-stream")
    gone = NotFound(
        f"The export's file is gone: exports are kept {settings.EXPORT_KEEP_DAYS} days. "
        "Export again."
    )
    if not default_storage.exists(stored):
        raise gone
    path = local_path(stored)
    if path is None:  # object storage: the client fetches the file from it
        url = default_storage.url(
            stored,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, name),
                "ResponseContentType": content_type,
            },
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        file = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:  # removed since the check above
        raise gone from None
    return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
