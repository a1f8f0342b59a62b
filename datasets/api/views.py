"""Datasets and versions. API views sit above every app's services and call them; no rule lives here."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations.services import dataset_delete, version_publish
from config.api import ApiViewSet, ErrorSerializer, validated
from datasets.models import Dataset, Version
from datasets.services import dataset_create, dataset_update, version_update
from frames.services import version_fork

from .serializers import (
    DatasetDeleteSerializer,
    DatasetInputSerializer,
    DatasetSerializer,
    DatasetUpdateSerializer,
    ForkSerializer,
    PublishSerializer,
    VersionFilterSerializer,
    VersionSerializer,
    VersionUpdateSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Datasets"),
    create=extend_schema(
        summary="Create a dataset (with its Draft root version)",
        request=DatasetInputSerializer,
        responses={201: DatasetSerializer},
    ),
    retrieve=extend_schema(summary="One dataset"),
    partial_update=extend_schema(
        summary="Rename or describe a dataset", request=DatasetUpdateSerializer
    ),
    destroy=extend_schema(
        summary="Delete a dataset, its versions, their frames and tasks",
        description="409 `dataset_in_use` when an Active task works on one of its versions, "
        "unless `force`.",
        parameters=[DatasetDeleteSerializer],
        responses={204: None, 409: ErrorSerializer},
    ),
)
class DatasetViewSet(ApiViewSet):
    queryset = Dataset.objects.prefetch_related(
        Prefetch("versions", queryset=Version.objects.only("id", "name", "status", "dataset_id"))
    ).order_by("name", "pk")
    serializer_class = DatasetSerializer
    action_permissions = {
        "list": "datasets.view_dataset",
        "retrieve": "datasets.view_dataset",
        "create": "datasets.add_dataset",
        "partial_update": "datasets.change_dataset",
        "destroy": "datasets.delete_dataset",
    }

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DatasetSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(DatasetSerializer(self.get_object()).data)

    def create(self, request):
        data = validated(DatasetInputSerializer, request.data)
        dataset = dataset_create(**data, user=request.user)
        return Response(
            DatasetSerializer(self.get_queryset().get(pk=dataset.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request, pk):
        data = validated(DatasetUpdateSerializer, request.data)
        dataset = dataset_update(dataset=self.get_object(), **data)
        return Response(DatasetSerializer(self.get_queryset().get(pk=dataset.pk)).data)

    def destroy(self, request, pk):
        force = validated(DatasetDeleteSerializer, request.query_params)["force"]
        dataset_delete(dataset=self.get_object(), user=request.user, force=force)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Versions", parameters=[VersionFilterSerializer]),
    retrieve=extend_schema(summary="One version"),
    partial_update=extend_schema(
        summary="Rename or describe a Draft version",
        request=VersionUpdateSerializer,
        responses={200: VersionSerializer, 409: ErrorSerializer},
    ),
)
class VersionViewSet(ApiViewSet):
    queryset = Version.objects.all()
    serializer_class = VersionSerializer
    action_permissions = {
        "list": "datasets.view_version",
        "retrieve": "datasets.view_version",
        "partial_update": "datasets.change_version",
        "publish": "datasets.publish_version",
        "fork": "datasets.add_version",
    }

    def list(self, request):
        params = validated(VersionFilterSerializer, request.query_params)
        versions = self.get_queryset()
        if "dataset" in params:
            versions = versions.filter(dataset=params["dataset"])
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(VersionSerializer(self.get_object()).data)

    def partial_update(self, request, pk):
        data = validated(VersionUpdateSerializer, request.data)
        version = version_update(version=self.get_object(), **data)
        return Response(VersionSerializer(version).data)

    @extend_schema(
        summary="Publish: the version becomes read-only for good",
        description="409 `version_in_use` when an Active task works on it, unless `force`; "
        "409 `version_published` when it is Published already.",
        request=PublishSerializer,
        responses={200: VersionSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk):
        force = validated(PublishSerializer, request.data)["force"]
        version = version_publish(version=self.get_object(), user=request.user, force=force)
        return Response(VersionSerializer(version).data)

    @extend_schema(
        summary="Fork a Published version into a new Draft child",
        description="The child sees the same frames; 409 `version_draft` for a Draft version.",
        request=ForkSerializer,
        responses={201: VersionSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def fork(self, request, pk):
        name = validated(ForkSerializer, request.data)["name"]
        child = version_fork(version=self.get_object(), name=name, user=request.user)
        return Response(VersionSerializer(child).data, status=status.HTTP_201_CREATED)
