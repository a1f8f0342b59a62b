"""The REST API: one router; each app adds its viewsets in its `api/` package."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from annotations.api.exports import VersionExportViewSet
from annotations.api.views import TaskItemViewSet, TaskPreviewViewSet, TaskViewSet
from config.views import TokenView
from datasets.api.jobs import JobViewSet
from datasets.api.views import DatasetViewSet, VersionViewSet
from frames.api.history import FrameHistoryViewSet
from frames.api.views import (
    FrameImportViewSet,
    FrameUploadViewSet,
    FrameViewSet,
    VersionLabelViewSet,
)

VERSION = r"versions/(?P<version_pk>[0-9]+)"
READ = ["get", "head"]  # the Swagger page's OPTIONS would crash its HTML renderer

router = SimpleRouter()
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("versions", VersionViewSet, basename="version")
# Before the frames: a frame key may hold slashes, so ".../frames/<key>/history/" would else be
# read as the frame "<key>/history".
router.register(
    rf"{VERSION}/frames/(?P<frame_key>.+)/history", FrameHistoryViewSet, basename="frame-history"
)
router.register(f"{VERSION}/frames", FrameViewSet, basename="version-frame")
router.register(f"{VERSION}/uploads", FrameUploadViewSet, basename="version-upload")
router.register(f"{VERSION}/imports", FrameImportViewSet, basename="version-import")
router.register(f"{VERSION}/exports", VersionExportViewSet, basename="version-export")
router.register(f"{VERSION}/labels", VersionLabelViewSet, basename="version-label")
router.register(f"{VERSION}/preview", TaskPreviewViewSet, basename="version-preview")
router.register("jobs", JobViewSet, basename="job")
router.register("tasks", TaskViewSet, basename="task")
router.register(r"tasks/(?P<task_pk>[0-9]+)/items", TaskItemViewSet, basename="task-item")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(http_method_names=READ), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api_schema", http_method_names=READ),
        name="api_docs",
    ),
    *router.urls,
]
