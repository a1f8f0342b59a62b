"""Jobs: the long work a user started (all jobs for Managers), its progress, and cancelling it."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import ANY_USER, ApiViewSet, ErrorSerializer
from datasets.jobs import job_cancel, jobs_fail_stale
from datasets.models import Job
from datasets.selectors import jobs_visible_to


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
        allow_null=True, help_text="When it succeeded: an upload's {created, frames}."
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
    action_permissions = {"list": ANY_USER, "retrieve": ANY_USER, "cancel": ANY_USER}

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
