"""Annotation tasks and their work items as JSON. The task services check filters and iteration."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import AnnotationTask, FilterMode, TaskItem
from datasets.models import Version
from frames.api.serializers import FrameSerializer


class RuleSerializer(serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The annotation carries all."
    )
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over the annotation: label, confidence, type, id, meta.<key>.",
    )
    confidence = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        min_length=2,
        max_length=2,
        required=False,
        help_text="[min, max], inclusive; default [0, 1].",
    )
    count = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        min_length=2,
        max_length=2,
        required=False,
        help_text="How many matching annotations, [min, max|null]; default [1, null].",
    )
    exclude = serializers.BooleanField(
        required=False, help_text="Holds when no annotation matches."
    )


class FilterSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=FilterMode.choices, default=FilterMode.ALL)
    rules = RuleSerializer(many=True, required=False, help_text="Only with mode by_label; AND.")
    frame_query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over the frame: id, context_id, timestamp, meta.<key>.",
    )


class IterationSerializer(serializers.Serializer):
    order = serializers.ChoiceField(
        choices=AnnotationTask.Order.choices, default=AnnotationTask.Order.SEQUENTIAL
    )
    seed = serializers.IntegerField(
        allow_null=True, required=False, help_text="0…2³²−1; generated for random when blank."
    )
    limit = serializers.IntegerField(
        allow_null=True, required=False, min_value=1, help_text="Frames at most; null: all."
    )
    clip_length = serializers.IntegerField(
        default=0, min_value=0, help_text="Frames per item (same context_id); 0 or 1: one."
    )


@extend_schema_field(FilterSerializer(many=True))
class FiltersField(serializers.JSONField):
    pass


@extend_schema_field(IterationSerializer)
class IterationField(serializers.JSONField):
    pass


FILTERS_HELP = "A frame is selected when any filter holds; an empty list selects every frame."


class TaskSerializer(serializers.ModelSerializer):
    dataset = serializers.IntegerField(source="version.dataset_id", read_only=True)
    filters = FiltersField(read_only=True, help_text=FILTERS_HELP)
    iteration = IterationSerializer(
        source="*", read_only=True, help_text="With the seed actually used."
    )

    class Meta:
        model = AnnotationTask
        fields = [
            "id",
            "name",
            "dataset",
            "source_version",
            "version",
            "filters",
            "iteration",
            "status",
            "matched_count",
            "frame_count",
            "item_count",
            "done_count",
            "created_by",
            "created_at",
            "completed_by",
            "completed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "version": {
                "help_text": "Where annotations land: a new Draft child when the "
                "source version was Published."
            },
            "done_count": {"help_text": "Frames of done items."},
        }


class TaskCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    version = serializers.PrimaryKeyRelatedField(
        queryset=Version.objects.select_related("dataset"),
        help_text="The version to annotate; a Published one is forked first.",
    )
    filters = FiltersField(required=False, default=list, help_text=FILTERS_HELP)
    iteration = IterationField(required=False, default=dict)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnnotationTask.Status.values, required=False)
    dataset = serializers.IntegerField(required=False)
    ordering = serializers.ChoiceField(choices=["recent", "name"], default="recent")
    mine = serializers.BooleanField(default=False, help_text="Only tasks I created.")


class PreviewInputSerializer(serializers.Serializer):
    filters = FiltersField(required=False, default=list, help_text=FILTERS_HELP)
    iteration = IterationField(required=False, default=dict)


class PreviewSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Frames the filters select.")
    frame_count = serializers.IntegerField(help_text="Frames the task would hold (after limit).")
    frames = serializers.ListField(
        child=serializers.CharField(), help_text="The first 20 frame keys in task order."
    )


class TaskItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="From 0, in the task's order.")
    frames = serializers.ListField(child=serializers.CharField(), help_text="Frame keys.")
    status = serializers.ChoiceField(choices=TaskItem.Status.values)
    claimed_by = serializers.CharField(allow_null=True, help_text="Username.")
    done_by = serializers.CharField(allow_null=True, help_text="Username.")


class WorkItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    frames = FrameSerializer(many=True)


class AssignSerializer(serializers.Serializer):
    user = serializers.CharField(
        max_length=150, help_text="The username of the Annotator (or Manager) to hold the item."
    )
