"""Annotation tasks and their work items as JSON.

The task services check filters and iteration (`annotations.filters.clean_filters`,
`annotations.iteration.clean_iteration`), naming each bad field; the filter and iteration
serializers below describe their shape and bounds for the schema, and the input fields hand the
JSON on as it is.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.filters import MAX_COUNT, MAX_FILTERS, MAX_RULES
from annotations.iteration import MAX_CLIP_LENGTH, MAX_LIMIT, MAX_SEED
from annotations.models import AnnotationTask, FilterMode, TaskItem
from config.converters import MAX_ID
from datasets.models import Version
from frames.api.serializers import FrameSerializer
from frames.validation import MAX_LABEL_LENGTH, MAX_LABELS

LUCENE_HELP = "At most 5,000 characters, 40 levels, 4 wildcards a term."


class RuleSerializer(serializers.Serializer):
    refuses_unknown_fields = True  # annotations.filters answers 400 for another field

    labels = serializers.ListField(
        child=serializers.CharField(max_length=MAX_LABEL_LENGTH),
        max_length=MAX_LABELS,
        required=False,
        help_text=f"The annotation carries all; at most {MAX_LABELS}.",
    )
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over the annotation: label, confidence, type, id, meta.<key> "
        "(`label:car AND confidence:[0.5 TO 1]`). " + LUCENE_HELP,
    )
    confidence = serializers.ListField(
        child=serializers.FloatField(allow_null=True, min_value=0, max_value=1),
        min_length=2,
        max_length=2,
        required=False,
        help_text="[min, max], inclusive, 0 to 1, min ≤ max; null: that end's default; "
        "default [0, 1].",
    )
    count = serializers.ListField(
        child=serializers.IntegerField(allow_null=True, min_value=0, max_value=MAX_COUNT),
        min_length=2,
        max_length=2,
        required=False,
        help_text="How many matching annotations, [min, max|null], min ≤ max; default [1, null].",
    )
    exclude = serializers.BooleanField(
        required=False, help_text="Holds when no annotation matches."
    )


class FilterSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=FilterMode.choices, default=FilterMode.ALL)
    rules = serializers.ListField(
        child=RuleSerializer(),
        max_length=MAX_RULES,
        required=False,
        help_text=f"Only with mode by_label; all must hold; at most {MAX_RULES}.",
    )
    frame_query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over the frame: id, context_id, timestamp, meta.<key>. " + LUCENE_HELP,
    )
    source_query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over the frame's sources (cameras of a FrameGroup): id, uri, width, "
        "height (pixels), meta.<key> (the source's meta), each also as sources.<field> "
        "(`sources.id:front AND sources.width:>=1920`). A frame matches when one of its sources "
        "matches the whole query; a frame of one source has the source `default`. Stored only "
        "when set. " + LUCENE_HELP,
    )


class IterationSerializer(serializers.Serializer):
    order = serializers.ChoiceField(
        choices=AnnotationTask.Order.choices, default=AnnotationTask.Order.SEQUENTIAL
    )
    seed = serializers.IntegerField(
        allow_null=True,
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text="0…2³²−1; generated for random when blank.",
    )
    limit = serializers.IntegerField(
        allow_null=True,
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text="Frames at most; null: all.",
    )
    clip_length = serializers.IntegerField(
        default=0,
        min_value=0,
        max_value=MAX_CLIP_LENGTH,
        help_text="Frames per item (same context_id); 0 or 1: one.",
    )


class JsonInputField(serializers.Field):
    """Any JSON, handed to the service as it is: the service checks it and names each field."""

    def __init__(self, *, max_items: int | None = None, **kwargs):
        self.max_items = max_items  # documented as maxItems (config.api.ApiSchema)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(serializers.ListField(child=FilterSerializer()))
class FiltersField(JsonInputField):
    pass


@extend_schema_field(IterationSerializer)
class IterationField(JsonInputField):
    pass


FILTERS_HELP = (
    "A frame is selected when any filter holds; an empty list selects every frame. "
    f"At most {MAX_FILTERS}."
)


class TaskSerializer(serializers.ModelSerializer):
    dataset = serializers.IntegerField(source="version.dataset_id", read_only=True)
    filters = FiltersField(read_only=True, max_items=MAX_FILTERS, help_text=FILTERS_HELP)
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
    filters = FiltersField(
        required=False, default=list, max_items=MAX_FILTERS, help_text=FILTERS_HELP
    )
    iteration = IterationField(required=False, default=dict)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnnotationTask.Status.values, required=False)
    # Bounded as the column: a bigger number overflowed it in SQL (a 500).
    dataset = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this dataset's tasks."
    )
    ordering = serializers.ChoiceField(choices=["recent", "name"], default="recent")
    mine = serializers.BooleanField(default=False, help_text="Only tasks I created.")


class PreviewInputSerializer(serializers.Serializer):
    filters = FiltersField(
        required=False, default=list, max_items=MAX_FILTERS, help_text=FILTERS_HELP
    )
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
