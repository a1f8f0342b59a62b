"""Frames as JSON. `frame_as_dict` is the one representation; these classes add the schema.

Input is checked by the frame services (`frames.validation`), which name each bad field as
`rois[2].points`; the input serializers below only describe it and check the envelope.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import ErrorSerializer
from frames.models import SHAPE_TYPES, Frame
from frames.selectors import frame_as_dict

PIXELS = (
    "Pixel coordinates of the source image: x from 0 (left edge) to width, y from 0 (top edge) "
    "to height, edges included. "
)
POINTS_HELP = (
    PIXELS + "A box is exactly two points, stored as [[left, top], [right, bottom]]; a polygon "
    "has at least 3 points; keypoints at least 1."
)


class AnnotationFieldsSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=64, required=False, help_text="Stable within the frame; generated if not given."
    )
    labels = serializers.ListField(child=serializers.CharField(max_length=255), min_length=1)
    confidence = serializers.FloatField(min_value=0, max_value=1, default=1.0)
    meta = serializers.DictField(required=False, help_text="Any JSON object.")
    color = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$",
        required=False,
        help_text="#rrggbb; a stable colour per first label when not given.",
    )
    locked = serializers.BooleanField(default=False)


class RoiSerializer(AnnotationFieldsSerializer):
    type = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in SHAPE_TYPES])
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text=POINTS_HELP,
    )


class FrameLabelSerializer(AnnotationFieldsSerializer):
    """A label on the whole frame: an annotation without geometry."""


class SourceSerializer(serializers.Serializer):
    uri = serializers.CharField(
        max_length=2048, help_text="An http(s) URL, or media:<path inside the media folder>."
    )
    width = serializers.IntegerField(min_value=1, help_text="Image width in pixels.")
    height = serializers.IntegerField(min_value=1, help_text="Image height in pixels.")


class FrameInputSerializer(serializers.Serializer):
    """One frame of a bulk import (documentation: the import service checks it)."""

    id = serializers.CharField(
        max_length=255, required=False, help_text="The frame key; generated if not given."
    )
    context_id = serializers.CharField(
        required=False, allow_blank=True, help_text="The sequence or video the frame belongs to."
    )
    timestamp = serializers.IntegerField(
        required=False, help_text="Milliseconds into the sequence."
    )
    source = SourceSerializer()
    meta = serializers.DictField(required=False)
    rois = RoiSerializer(many=True, required=False, help_text=PIXELS)
    frame_labels = FrameLabelSerializer(many=True, required=False)


class FrameSerializer(serializers.Serializer):
    """A frame with its annotations, as `frame_as_dict` writes it, plus its image's URL."""

    id = serializers.CharField(help_text="The frame key, the same in every version.")
    context_id = serializers.CharField()
    timestamp = serializers.IntegerField(help_text="Milliseconds into the sequence.")
    source = SourceSerializer()
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
        return frame_as_dict(instance) | {"image_url": instance.get_absolute_url()}


class FrameConflictSerializer(ErrorSerializer):
    current = FrameSerializer(
        required=False, help_text="With `stale_revision`: the frame as it is now."
    )


@extend_schema_field(RoiSerializer(many=True))
class RoisField(serializers.JSONField):
    pass


@extend_schema_field(FrameLabelSerializer(many=True))
class FrameLabelsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": True})
class MetaField(serializers.JSONField):
    pass


class FramePatchSerializer(serializers.Serializer):
    """Replace any of the frame's ROIs, frame labels and meta; parts not given stay."""

    revision = serializers.IntegerField(
        min_value=0, help_text="The revision you loaded; a newer one on the server answers 409."
    )
    rois = RoisField(required=False, help_text="Replaces every ROI. " + POINTS_HELP)
    frame_labels = FrameLabelsField(required=False, help_text="Replaces every frame label.")
    meta = MetaField(required=False, help_text="Replaces the frame's meta.")

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field(s) {', '.join(unknown)}; a frame PATCH takes "
                "revision, rois, frame_labels and meta.",
                code="unknown_field",
            )
        return attrs


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
        required=False, help_text="Sequence name for the images; default: one per upload."
    )


class UploadedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    frames = serializers.ListField(child=serializers.CharField(), help_text="The new frame keys.")


class FrameDeleteSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Delete even though an Active task works on the version."
    )
