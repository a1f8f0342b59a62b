"""POST /api/versions/{id}/exports/: export a version, filtered frames or a task's, as a job."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.exports import EXPORT_FORMATS, export_start
from annotations.filters import MAX_FILTERS
from config.api import VERSION_PARAMETER, VersionScopedViewSet, validated
from config.converters import MAX_ID
from datasets.api.jobs import JobEnvelopeSerializer, JobSerializer

from .serializers import FILTERS_HELP, FiltersField


class ExportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=EXPORT_FORMATS,
        help_text="hyperlabel (JSON Lines), coco (instances JSON), coco-results (detections "
        "for COCOeval), yolo (Ultralytics zip), voc (Pascal VOC zip).",
    )
    filters = FiltersField(
        required=False,
        allow_null=True,
        max_items=MAX_FILTERS,
        help_text="Only the frames these filters select (as for tasks). " + FILTERS_HELP,
    )
    task = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only this task's frames, in the task's order; the task works on this version.",
    )
    include_images = serializers.BooleanField(
        default=False, help_text="Put the images in the download too (a zip)."
    )


@extend_schema_view(
    create=extend_schema(
        summary="Export frames and annotations to a file, as a job",
        description="Answers 202 with the job; when it has succeeded, its `result` is "
        "`{download, file_name, report}`: GET `download` for the file; `report` counts every "
        "shape written, converted or skipped (with the reason). The scope is the whole version, "
        "the frames `filters` select, or a `task`'s frames (not both).",
        parameters=[VERSION_PARAMETER],
        request=ExportSerializer,
        responses={202: JobEnvelopeSerializer},
    )
)
class VersionExportViewSet(VersionScopedViewSet):
    serializer_class = ExportSerializer
    # Exporting is reading: anyone who may see the version.
    action_permissions = {"create": "datasets.view_version"}

    def create(self, request, version_pk):
        data = validated(ExportSerializer, request.data)
        job = export_start(
            version=self.version,
            user=request.user,
            format=data["format"],
            filters=data.get("filters"),
            task=data.get("task"),
            include_images=data["include_images"],
        )
        return Response({"job": JobSerializer(job).data}, status=status.HTTP_202_ACCEPTED)
