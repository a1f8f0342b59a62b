"""A frame's history: its recorded saves, and a Manager's restore of an earlier revision.

History is kept by (version, key) in `annotations.models.FrameRevision`; a version's frame shows
its own saves and those of the Published ancestors it was forked from, under the same key.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations.selectors import frame_history
from annotations.services import frame_restore
from config.api import VERSION_PARAMETER, VersionScopedViewSet, validated
from config.errors import ConflictError
from datasets.models import Version
from frames.models import Frame
from frames.selectors import frame_get, keys_taken

from .serializers import FrameConflictSerializer, FrameSerializer

FRAME_KEY_PARAMETER = OpenApiParameter(
    "frame_key", str, OpenApiParameter.PATH, description="The frame key (URL-encoded)."
)
REVISION_PARAMETER = OpenApiParameter(
    "revision", int, OpenApiParameter.PATH, description="The revision to put back."
)


class AnnotationChangeSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField(), help_text="Annotation ids.")
    changed = serializers.ListField(child=serializers.CharField(), help_text="Annotation ids.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="Annotation ids.")


class ChangeSerializer(serializers.Serializer):
    rois = AnnotationChangeSerializer(required=False, help_text="When the save sent ROIs.")
    frame_labels = AnnotationChangeSerializer(
        required=False, help_text="When the save sent frame labels."
    )
    meta = serializers.BooleanField(
        required=False, help_text="When the save sent meta: whether it differed."
    )
    restored = serializers.IntegerField(
        required=False, help_text="A restore: the revision it put back."
    )
    imported = serializers.BooleanField(
        required=False, help_text="Revision 1 as imported, recorded at the frame's first save."
    )

    def get_fields(self):
        # An annotation import names its format under "import", a Python keyword.
        fields = super().get_fields()
        fields["import"] = serializers.CharField(
            required=False, help_text="An annotation import: its format (coco, yolo, voc)."
        )
        return fields


class RevisionSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    user = serializers.CharField(
        source="user.username", default=None, allow_null=True, help_text="Username; null: import."
    )
    at = serializers.DateTimeField()
    change = ChangeSerializer()


class RestoreSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=0,
        help_text="The frame's current revision as you loaded it; a newer one answers 409.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="A frame's recorded saves, oldest first",
        description="Each save with its `revision`, `user`, `at` and `change` (ids of ROIs and "
        "frame labels added, changed, removed; whether meta changed). A fork shows the saves of "
        "the versions it was forked from too. Saves before history was kept are not listed.",
        parameters=[VERSION_PARAMETER, FRAME_KEY_PARAMETER],
        responses=RevisionSerializer(many=True),
    ),
    restore=extend_schema(
        summary="Put an earlier revision of a frame back (Managers)",
        description="A new save, recorded in the history, with the ROIs, frame labels and meta "
        "of that revision; it may change locked ROIs. Send the frame's current `revision`: 409 "
        "`stale_revision` (with `current`) when someone saved since; 404 for a revision not "
        "recorded; 409 `version_published` on a Published version.",
        parameters=[VERSION_PARAMETER, FRAME_KEY_PARAMETER, REVISION_PARAMETER],
        request=RestoreSerializer,
        responses={200: FrameSerializer, 409: FrameConflictSerializer},
    ),
)
class FrameHistoryViewSet(VersionScopedViewSet):
    lookup_field = "revision"
    lookup_value_regex = "[0-9]+"
    pagination_class = None
    serializer_class = RevisionSerializer
    action_permissions = {
        "list": "frames.view_frame",
        "restore": "frames.change_any_frame",
    }

    def list(self, request, version_pk, frame_key):
        if not keys_taken(version=self.version, keys=[frame_key]):
            raise Frame.DoesNotExist(f"Version “{self.version.name}” has no frame “{frame_key}”.")
        history = frame_history(version=self.version, key=frame_key)
        return Response(RevisionSerializer(history, many=True).data)

    @action(detail=True, methods=["post"])
    def restore(self, request, version_pk, frame_key, revision):
        revision_now = validated(RestoreSerializer, request.data)["revision"]
        try:
            frame = frame_restore(
                version=Version(pk=int(version_pk)),
                key=frame_key,
                revision=revision_now,
                to_revision=int(revision),
                user=request.user,
            )
        except ConflictError as error:
            if error.current is not None:
                error.current = FrameSerializer(frame_get(version=self.version, key=frame_key)).data
            raise
        return Response(FrameSerializer(frame).data)
