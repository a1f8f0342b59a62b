"""Frames as JSON. `frame_as_dict` is the one representation; these classes add the schema.

Input is checked by the frame services (`frames.validation`), which name each bad field as
`rois[2].points`; the input serializers below describe it for the schema (per ROI type, with the
documented bounds) and check only the envelope. A frame PATCH runs on every save of the editor,
so its fields check only the JSON type (`JsonListField`, `JsonObjectField`): nested DRF
serializers over 5,000 ROIs would cost more than the save.
"""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from config.api import ErrorSerializer
from frames.imports import IMPORT_FORMATS
from frames.masks import MAX_RLE_RUNS
from frames.models import ROTATABLE_TYPES, SHAPE_TYPES, Frame, Roi
from frames.selectors import frame_as_dict
from frames.services import Edit
from frames.sources import source_image_url
from frames.validation import (
    MAX_ANNOTATIONS,
    MAX_CONTEXT_LENGTH,
    MAX_DIMENSION,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_LABELS,
    MAX_META_BYTES,
    MAX_META_DEPTH,
    MAX_POINTS,
    MAX_SOURCE_ID_LENGTH,
    MAX_SOURCES,
    MAX_TIMESTAMP,
    MAX_UID_LENGTH,
    MAX_URI_LENGTH,
    MIN_POINTS,
    MIN_TIMESTAMP,
)

PIXELS = (
    "Pixel coordinates of the source image: x from 0 (left edge) to width, y from 0 (top edge) "
    "to height, edges included. "
)
POINTS_HELP = (
    PIXELS + "A box or an ellipse is exactly two points, its box before rotation, stored as "
    "[[left, top], [right, bottom]]; a polygon has at least 3 points, a polyline (an open line) "
    "at least 2, keypoints at least 1; an ROI at most "
    f"{MAX_POINTS:,}. A mask's points are its bounding box, computed by the server "
    "(right and bottom are the pixel edges: last column + 1, last row + 1)."
)
ROTATION_HELP = (
    "Degrees, clockwise on the image (y points down), about the box's centre; stored in "
    "(-180, 180]. Boxes and ellipses only."
)
SOURCE_HELP = (
    "The id of the frame source the shape is drawn on; the frame's first source when not "
    "given. Its points lie in that source's pixels."
)
MASK_HELP = (
    "COCO RLE of the source's size: runs of 0s and 1s alternating, column by column "
    "(pycocotools' order). `counts` is the compressed string or, on input, a list of run "
    "lengths; it is stored and answered compressed. A mask with no pixel set is refused."
)
META_HELP = (
    f"Any JSON object: at most {MAX_META_BYTES:,} bytes as compact JSON, objects and lists "
    f"nested at most {MAX_META_DEPTH} deep (the object itself is level 1), no NUL in any text."
)
LABELS_HELP = (
    f"At least 1, at most {MAX_LABELS} labels of at most {MAX_LABEL_LENGTH} characters; "
    "duplicates are dropped."
)
ANNOTATIONS_HELP = f"A frame has at most {MAX_ANNOTATIONS:,} annotations (ROIs and frame labels)."
META_SCHEMA = {"type": "object", "additionalProperties": True}


@extend_schema_field(META_SCHEMA)
class JsonObjectField(serializers.Field):
    """A JSON object, passed on as it is (the service checks its size, depth and text)."""

    default_error_messages = {"invalid": "Expected a JSON object."}

    def to_internal_value(self, data):
        if type(data) is not dict:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class JsonListField(serializers.Field):
    """A JSON list, passed on as it is: the service checks every item, naming its place.

    `max_items` is documented (maxItems), not checked here: the service counts and words it.
    """

    default_error_messages = {"invalid": "Expected a list."}

    def __init__(self, *, max_items: int | None = None, **kwargs):
        self.max_items = max_items
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if type(data) is not list:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class PointField(serializers.ListField):
    def __init__(self, **kwargs):
        coordinate = serializers.FloatField(min_value=0)
        super().__init__(child=coordinate, min_length=2, max_length=2, **kwargs)


class AnnotationFieldsSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=MAX_UID_LENGTH,
        required=False,
        help_text="Stable within the frame, unique in it; generated if not given.",
    )
    labels = serializers.ListField(
        child=serializers.CharField(max_length=MAX_LABEL_LENGTH),
        min_length=1,
        max_length=MAX_LABELS,
        help_text=LABELS_HELP,
    )
    confidence = serializers.FloatField(min_value=0, max_value=1, default=1.0)
    meta = JsonObjectField(required=False, help_text=META_HELP)
    color = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$",
        required=False,
        help_text="#rrggbb; a stable colour per first label when not given.",
    )
    locked = serializers.BooleanField(
        default=False,
        help_text="A ROI locked in the stored revision can only be unlocked (409 `roi_locked`).",
    )


class MaskSerializer(serializers.Serializer):
    size = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DIMENSION),
        min_length=2,
        max_length=2,
        help_text="[height, width] of the shape's source, in pixels.",
    )
    counts = serializers.CharField(
        help_text=f"Compressed COCO RLE (a list of at most {MAX_RLE_RUNS:,} run lengths on input)."
    )


def _rotation_field(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=-360, max_value=360, help_text=ROTATION_HELP, **kwargs)


class RoiSerializer(AnnotationFieldsSerializer):
    """A ROI as the API answers it."""

    type = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in SHAPE_TYPES])
    points = serializers.ListField(
        child=PointField(), min_length=1, max_length=MAX_POINTS, help_text=POINTS_HELP
    )
    rotation = _rotation_field(required=False)
    mask = MaskSerializer(required=False, help_text=MASK_HELP)
    source = serializers.CharField(help_text=SOURCE_HELP)


def _points_field(kind: Roi.Type) -> serializers.ListField:
    if kind in ROTATABLE_TYPES:
        help_text = PIXELS + "Two corners of the box before rotation; stored as [[left, top], "
        help_text += "[right, bottom]]."
        return serializers.ListField(
            child=PointField(), min_length=2, max_length=2, help_text=help_text
        )
    if kind == Roi.Type.MASK:
        help_text = "Ignored on input: the server computes the mask's bounding box."
        return serializers.ListField(child=PointField(), required=False, help_text=help_text)
    help_text = f"{PIXELS}At least {MIN_POINTS[kind]}, at most {MAX_POINTS:,} [x, y] points."
    return serializers.ListField(
        child=PointField(), min_length=MIN_POINTS[kind], max_length=MAX_POINTS, help_text=help_text
    )


def _shape_input_serializer(kind: Roi.Type) -> type[serializers.Serializer]:
    """A ROI of one type as a client sends it (the schema's `oneOf` branch for that type)."""
    name = kind.name.title()
    type_field = extend_schema_field({"type": "string", "enum": [kind.value]})(
        type(f"{name}TypeField", (serializers.Field,), {})
    )
    attributes = {
        "__doc__": f"A {kind.label.lower()} ROI.",
        "__module__": __name__,
        "type": type_field(),
        "points": _points_field(kind),
        "source": serializers.CharField(
            max_length=MAX_SOURCE_ID_LENGTH, required=False, help_text=SOURCE_HELP
        ),
    }
    if kind in ROTATABLE_TYPES:
        attributes["rotation"] = _rotation_field(default=0)
    if kind == Roi.Type.MASK:
        attributes["mask"] = MaskSerializer(help_text=MASK_HELP)
    return type(f"{name}RoiSerializer", (AnnotationFieldsSerializer,), attributes)


ROI_INPUT = PolymorphicProxySerializer(
    component_name="RoiInput",
    serializers={kind.value: _shape_input_serializer(kind) for kind in SHAPE_TYPES},
    resource_type_field_name="type",
)


class FrameLabelSerializer(AnnotationFieldsSerializer):
    """A label on the whole frame: an annotation without geometry."""


@extend_schema_field(serializers.ListField(child=ROI_INPUT))
class RoisField(JsonListField):
    pass


@extend_schema_field(serializers.ListField(child=FrameLabelSerializer()))
class FrameLabelsField(JsonListField):
    pass


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class IdsField(JsonListField):
    def __init__(self, **kwargs):
        super().__init__(max_items=MAX_ANNOTATIONS, **kwargs)


class SourceShorthandSerializer(serializers.Serializer):
    """A frame's first source, the one-source shorthand older clients use."""

    uri = serializers.CharField(
        max_length=MAX_URI_LENGTH,
        help_text="An http(s) URL, or media:<path inside the media folder>.",
    )
    width = serializers.IntegerField(
        min_value=1, max_value=MAX_DIMENSION, help_text="Image width in pixels."
    )
    height = serializers.IntegerField(
        min_value=1, max_value=MAX_DIMENSION, help_text="Image height in pixels."
    )


class SourceSerializer(SourceShorthandSerializer):
    """One image of a frame: a camera of a FrameGroup, or the frame's only image."""

    id = serializers.CharField(
        max_length=MAX_SOURCE_ID_LENGTH, help_text="Unique in the frame; `default` for one source."
    )
    meta = JsonObjectField(required=False, help_text=META_HELP)


class SourceOutputSerializer(SourceSerializer):
    image_url = serializers.CharField(help_text="URL path of this source's image (login required).")


SOURCES_HELP = (
    f"The frame's images (at most {MAX_SOURCES}), e.g. the cameras of one moment; the first is "
    "the frame's `source`. Give `sources` or `source`, not both."
)


class FrameInputSerializer(serializers.Serializer):
    """One frame of a bulk import (documentation: the import service checks it)."""

    id = serializers.CharField(
        max_length=MAX_KEY_LENGTH,
        required=False,
        help_text="The frame key, unique in the version; generated if not given.",
    )
    context_id = serializers.CharField(
        max_length=MAX_CONTEXT_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The sequence or video the frame belongs to.",
    )
    timestamp = serializers.IntegerField(
        min_value=MIN_TIMESTAMP,
        max_value=MAX_TIMESTAMP,
        required=False,
        help_text="Milliseconds into the sequence.",
    )
    source = SourceShorthandSerializer(required=False, help_text="One source, id `default`.")
    sources = SourceSerializer(many=True, required=False, help_text=SOURCES_HELP)
    meta = JsonObjectField(required=False, help_text=META_HELP)
    rois = RoisField(required=False, max_items=MAX_ANNOTATIONS, help_text=ANNOTATIONS_HELP)
    frame_labels = FrameLabelsField(
        required=False, max_items=MAX_ANNOTATIONS, help_text=ANNOTATIONS_HELP
    )


class FrameSerializer(serializers.Serializer):
    """A frame with its annotations, as `frame_as_dict` writes it, plus its image's URL."""

    id = serializers.CharField(help_text="The frame key, the same in every version.")
    context_id = serializers.CharField()
    timestamp = serializers.IntegerField(help_text="Milliseconds into the sequence.")
    source = SourceShorthandSerializer(help_text="The first source (of `sources`).")
    sources = SourceOutputSerializer(many=True, help_text=SOURCES_HELP)
    meta = serializers.DictField()
    revision = serializers.IntegerField(help_text="Goes up on every change; PATCH sends it back.")
    rois = RoiSerializer(many=True, help_text=PIXELS)
    frame_labels = FrameLabelSerializer(many=True)
    updated_by = serializers.CharField(
        allow_null=True, help_text="Username of the last save; null until someone saves it."
    )
    updated_at = serializers.DateTimeField(help_text="When the frame was last written.")
    image_url = serializers.CharField(help_text="URL path of the image (login required).")

    def to_representation(self, instance: Frame) -> dict:
        data = frame_as_dict(instance)
        data["sources"] = [
            source | {"image_url": source_image_url(instance, source["id"])}
            for source in data["sources"]
        ]
        return data | {"image_url": instance.get_absolute_url()}


class FrameConflictSerializer(ErrorSerializer):
    current = FrameSerializer(
        required=False, help_text="With `stale_revision`: the frame as it is now."
    )


class FramePatchSerializer(serializers.Serializer):
    """Replace any of the frame's ROIs, frame labels and meta; parts not given stay.

    Runs on every save: each part is checked for its JSON type only, and the frame service checks
    the rest (`frames.validation.clean_annotations`, `clean_meta`).
    """

    refuses_unknown_fields = True  # `validate` below; documented by config.api.ApiSchema

    revision = serializers.IntegerField(
        min_value=0, help_text="The revision you loaded; a newer one on the server answers 409."
    )
    rois = RoisField(
        required=False,
        max_items=MAX_ANNOTATIONS,
        help_text="Replaces every ROI. " + ANNOTATIONS_HELP,
    )
    frame_labels = FrameLabelsField(
        required=False,
        max_items=MAX_ANNOTATIONS,
        help_text="Replaces every frame label. " + ANNOTATIONS_HELP,
    )
    rois_changed = RoisField(
        required=False,
        max_items=MAX_ANNOTATIONS,
        help_text="ROIs to change (matched by `id`, keeping their place) or add (a new or no "
        "`id`); the others stay. Not with `rois`.",
    )
    rois_removed = IdsField(
        required=False, help_text="Ids of ROIs to remove; each must exist. Not with `rois`."
    )
    frame_labels_changed = FrameLabelsField(
        required=False,
        max_items=MAX_ANNOTATIONS,
        help_text="Frame labels to change or add, as `rois_changed`. Not with `frame_labels`.",
    )
    frame_labels_removed = IdsField(
        required=False, help_text="Ids of frame labels to remove. Not with `frame_labels`."
    )
    meta = JsonObjectField(required=False, help_text="Replaces the frame's meta. " + META_HELP)

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field(s) {', '.join(unknown)}; a frame PATCH takes revision, rois, "
                "frame_labels, meta, and rois_changed, rois_removed, frame_labels_changed, "
                "frame_labels_removed.",
                code="unknown_field",
            )
        edits = {}
        for part in ("rois", "frame_labels"):
            changed = attrs.pop(f"{part}_changed", None)
            removed = attrs.pop(f"{part}_removed", None)
            if changed is not None or removed is not None:
                edits[f"{part}_edit"] = Edit(changed=changed or [], removed=removed or [])
        return attrs | edits


class FrameFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Lucene over frame fields: id, context_id, timestamp, meta.<key> "
        "(`context_id:cam1 AND meta.weather:rain`).",
    )
    context_id = serializers.CharField(
        required=False, allow_blank=True, help_text="Only frames of this sequence."
    )


class BulkCreatedSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        help_text="Images (JPEG, PNG, WebP, BMP, TIFF, GIF) or videos (mp4, webm, avi, mov).",
    )
    context_id = serializers.CharField(
        required=False,
        max_length=MAX_CONTEXT_LENGTH,
        help_text="Sequence name for the images; default: one per upload.",
    )


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="`hyperlabel`: JSON Lines, one frame a line as in the bulk import. `coco`: "
        "COCO instances JSON, or a zip with it and the images. `yolo`, `voc`: a zip of the "
        "dataset's folder (labels/ or Annotations/, with or without images)."
    )
    format = serializers.ChoiceField(
        choices=IMPORT_FORMATS,
        default="hyperlabel",
        help_text="`hyperlabel` creates frames; `coco`, `yolo` and `voc` add annotations to the "
        "frames they match by key or file name, and create frames from the archive's images.",
    )


class FrameDeleteSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Delete even though an Active task works on the version."
    )
