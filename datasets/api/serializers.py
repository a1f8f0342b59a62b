"""Datasets and versions as JSON. Read and write serializers are separate; services hold the rules."""

from rest_framework import serializers

from config.converters import MAX_ID
from datasets.models import Dataset, Version


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Version
        fields = ["id", "name", "status"]


class DatasetSerializer(serializers.ModelSerializer):
    versions = VersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "name",
            "description",
            "versions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DatasetInputSerializer(serializers.Serializer):
    # Blank names reach the service, which words the error; the length is the column's.
    name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True)


class DatasetUpdateSerializer(DatasetInputSerializer):
    name = serializers.CharField(
        max_length=200, allow_blank=True, trim_whitespace=False, required=False
    )


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Version
        fields = [
            "id",
            "dataset",
            "parent",
            "name",
            "description",
            "status",
            "frame_count",
            "created_by",
            "created_at",
            "updated_at",
            "published_at",
            "published_by",
        ]
        read_only_fields = fields


class VersionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True)


class VersionFilterSerializer(serializers.Serializer):
    # Bounded as the column: a bigger number overflowed it in SQL (a 500).
    dataset = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this dataset's versions."
    )


class PublishSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False,
        help_text="Publish even though an Active task works on the version (else 409 "
        "`version_in_use`).",
    )


class DatasetDeleteSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False,
        help_text="Delete even though an Active task works on one of its versions (else 409 "
        "`dataset_in_use`); the tasks go with it.",
    )


class ForkSerializer(serializers.Serializer):
    name = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="The new Draft child's name."
    )
