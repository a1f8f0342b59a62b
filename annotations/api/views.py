"""Annotation tasks, their filter preview, and the work queue (next, items, done)."""

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django_htmx.http import trigger_client_event
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from annotations.models import AnnotationTask
from annotations.selectors import (
    handed_item_as_dict,
    task_item_get,
    task_items_page,
    task_list,
)
from annotations.services import (
    task_complete,
    task_create,
    task_delete,
    task_item_assign,
    task_item_done,
    task_item_release,
    task_item_skip,
    task_next,
    task_preview,
)
from config.api import (
    VERSION_PARAMETER,
    ApiViewSet,
    ErrorSerializer,
    JSONParser,
    VersionScopedViewSet,
    validated,
)
from config.htmx import toast
from frames.api.serializers import FrameSerializer
from frames.selectors import frames_by_keys

from .serializers import (
    AssignSerializer,
    PreviewInputSerializer,
    PreviewSerializer,
    TaskCreateSerializer,
    TaskFilterSerializer,
    TaskItemSerializer,
    TaskSerializer,
    WorkItemSerializer,
)

TASK_PARAMETER = OpenApiParameter("task_pk", int, OpenApiParameter.PATH, description="Task id.")
POSITION_PARAMETER = OpenApiParameter(
    "position", int, OpenApiParameter.PATH, description="Item position, from 0."
)


class TaskItemSequence:
    """A task's items as a sliceable sequence, so the standard paginator pages them."""

    def __init__(self, task: AnnotationTask):
        self.task = task

    def count(self) -> int:
        return self.task.item_count

    def __getitem__(self, window: slice) -> list[dict]:
        return task_items_page(task=self.task, start=window.start, stop=window.stop)


@extend_schema_view(
    create=extend_schema(
        summary="Preview a task's filters: how many frames, and the first keys in task order",
        parameters=[VERSION_PARAMETER],
        request=PreviewInputSerializer,
        responses={200: PreviewSerializer},
    )
)
class TaskPreviewViewSet(VersionScopedViewSet):
    # As the create page's live count: previewing is part of creating a task.
    action_permissions = {"create": "annotations.add_annotationtask"}

    def create(self, request, version_pk):
        data = validated(PreviewInputSerializer, request.data)
        preview = task_preview(version=self.version, **data)
        return Response(PreviewSerializer(preview).data)


@extend_schema_view(
    list=extend_schema(summary="Annotation tasks", parameters=[TaskFilterSerializer]),
    create=extend_schema(
        summary="Create a task over the frames its filters select",
        description="On a Published version the task works on a new Draft child named after it. "
        "400 `no_frames` when the filters select nothing, `invalid_filters`, `invalid_query` or "
        "`invalid_iteration` for bad settings.",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer},
    ),
    retrieve=extend_schema(summary="One task"),
    destroy=extend_schema(summary="Delete a task and its queue; the version and annotations stay"),
)
class TaskViewSet(ApiViewSet):
    serializer_class = TaskSerializer
    action_permissions = {
        "list": "annotations.view_annotationtask",
        "retrieve": "annotations.view_annotationtask",
        "create": "annotations.add_annotationtask",
        "destroy": "annotations.delete_annotationtask",
        "complete": "annotations.complete_annotationtask",
        "next": "annotations.work_annotationtask",
    }

    def get_queryset(self):
        return AnnotationTask.objects.select_related("version")

    def list(self, request):
        params = validated(TaskFilterSerializer, request.query_params)
        tasks = task_list(user=request.user, **params)
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(TaskSerializer(self.get_object()).data)

    def create(self, request):
        data = validated(TaskCreateSerializer, request.data)
        task = task_create(**data, user=request.user)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk):
        task_delete(task=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Complete a task: it hands out nothing more",
        request=None,
        responses={200: TaskSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk):
        task = task_complete(task=self.get_object(), user=request.user)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        summary="Your current item, or the next free one, with its frames",
        description="204 when no item is left; 409 `task_completed` on a Completed task.",
        request=None,
        responses={
            200: WorkItemSerializer,
            204: OpenApiResponse(description="Nothing left to hand out."),
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def next(self, request, pk):
        task = self.get_object()
        item = task_next(task=task, user=request.user)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        frames = frames_by_keys(version=task.version, keys=item.frames)
        return Response(
            {"position": item.position, "frames": FrameSerializer(frames, many=True).data}
        )


@extend_schema_view(
    list=extend_schema(summary="A task's items in order", parameters=[TASK_PARAMETER]),
    retrieve=extend_schema(summary="One item", parameters=[TASK_PARAMETER, POSITION_PARAMETER]),
)
class TaskItemViewSet(ApiViewSet):
    lookup_field = "position"
    lookup_value_regex = r"[0-9]+"
    serializer_class = TaskItemSerializer
    # Forms too: the task's Info page posts release and assign with htmx.
    parser_classes = [JSONParser, FormParser]
    action_permissions = {
        "list": "annotations.view_annotationtask",
        "retrieve": "annotations.view_annotationtask",
        "done": "annotations.work_annotationtask",
        "skip": "annotations.work_annotationtask",
        "release": "annotations.change_annotationtask",
        "assign": "annotations.change_annotationtask",
    }

    @cached_property
    def task(self) -> AnnotationTask:
        return get_object_or_404(AnnotationTask, pk=self.kwargs["task_pk"])

    def list(self, request, task_pk):
        page = self.paginate_queryset(TaskItemSequence(self.task))
        return self.get_paginated_response(TaskItemSerializer(page, many=True).data)

    def retrieve(self, request, task_pk, position):
        return Response(
            TaskItemSerializer(task_item_get(task=self.task, position=int(position))).data
        )

    @extend_schema(
        summary="Mark your item done",
        description="Only the claimer or a Manager; 409 `item_not_claimed` for an item not "
        "handed out yet, `task_completed` on a Completed task.",
        parameters=[TASK_PARAMETER, POSITION_PARAMETER],
        request=None,
        responses={200: TaskItemSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def done(self, request, task_pk, position):
        item = task_item_done(task=self.task, position=int(position), user=request.user)
        return Response(TaskItemSerializer(handed_item_as_dict(item)).data)

    def _changed(self, request, item, message: str) -> Response:
        response = Response(TaskItemSerializer(handed_item_as_dict(item)).data)
        if request.htmx:  # the Info page: refresh its holders, say so
            trigger_client_event(response, "task-items-changed", {})
            toast(response, message)
        return response

    @extend_schema(
        summary="Skip your item: it goes back to the queue, and never comes back to you",
        description="Only the item you hold: 403 `not_your_item` otherwise; 409 "
        "`item_not_claimed` for an item not handed out, `task_completed` on a Completed task.",
        parameters=[TASK_PARAMETER, POSITION_PARAMETER],
        request=None,
        responses={200: TaskItemSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def skip(self, request, task_pk, position):
        item = task_item_skip(task=self.task, position=int(position), user=request.user)
        return self._changed(request, item, f"Item {item.position + 1} skipped.")

    @extend_schema(
        summary="Release a held item back to the queue (Managers)",
        description="409 `item_not_held` when nobody holds it, `item_not_claimed` for an item "
        "not handed out, `task_completed` on a Completed task.",
        parameters=[TASK_PARAMETER, POSITION_PARAMETER],
        request=None,
        responses={200: TaskItemSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def release(self, request, task_pk, position):
        item = task_item_release(task=self.task, position=int(position), user=request.user)
        return self._changed(request, item, f"Item {item.position + 1} released to the queue.")

    @extend_schema(
        summary="Hand a handed-out item to a user (Managers)",
        description="`user` is a username of someone who may work on tasks (400 "
        "`unknown_user` / `cannot_work`); they hold it with a fresh lease, even if they skipped "
        "it. 409 `item_done` for a finished item, `item_not_claimed` for one not handed out.",
        parameters=[TASK_PARAMETER, POSITION_PARAMETER],
        request=AssignSerializer,
        responses={200: TaskItemSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, task_pk, position):
        username = validated(AssignSerializer, request.data)["user"]
        item = task_item_assign(
            task=self.task, position=int(position), username=username, user=request.user
        )
        return self._changed(request, item, f"Item {item.position + 1} assigned to {username}.")
