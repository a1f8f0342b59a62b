"""The annotation editor page: the canvas app loads and saves through the REST API."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from .models import AnnotationTask
from .selectors import items_done_by

BENCH_POLYGONS = 1000
BENCH_VERTICES = 20


def _tasks_url() -> str:
    try:
        return reverse("annotations:task_list")
    except NoReverseMatch:
        return "/tasks/"


def read_only_reason(task: AnnotationTask, user) -> str:
    """Why the editor opens read-only for this user, or "" when it may edit."""
    if not task.is_active:
        return f"Read-only: task “{task.name}” is Completed."
    if task.version.is_published:
        return (
            f"Read-only: version “{task.version.name}” is Published. "
            "Annotate it through a new task, which works on a Draft child."
        )
    if not user.has_perm("frames.change_frame"):
        return (
            "Read-only: you may look at frames but not change them (no “change frame” permission)."
        )
    return ""


def editor_config(task: AnnotationTask, user) -> dict:
    can_work = user.has_perm("annotations.work_annotationtask")
    return {
        "task": task.pk,
        "version": task.version_id,
        "api": reverse("api_schema").removesuffix("schema/"),
        "tasksUrl": _tasks_url(),
        "user": {"id": user.pk, "username": user.get_username()},
        "readOnly": read_only_reason(task, user),
        # Completed tasks, and users who may not take work, browse items by position.
        "taskCompleted": not task.is_active or not can_work,
        "itemCount": task.item_count,
        "clipLength": task.clip_length,
        "donePositions": list(
            items_done_by(task=task, user=user).values_list("position", flat=True)[:1000]
        ),
    }


@require_GET
@permission_required("annotations.view_annotationtask", raise_exception=True)
def task_annotate(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(AnnotationTask.objects.select_related("version__dataset"), pk=pk)
    return render(
        request,
        "annotations/editor.html",
        {"task": task, "config": editor_config(task, request.user)},
    )


@require_GET
@login_not_required
def editor_bench(request: HttpRequest) -> HttpResponse:
    """The editor on a generated frame, no data and no API: `bench_editor` measures it."""
    config = {
        "task": 0,
        "version": 0,
        "api": "",
        "tasksUrl": _tasks_url(),
        "user": {"id": 0, "username": "bench"},
        "readOnly": "",
        "taskCompleted": False,
        "itemCount": 1,
        "clipLength": 0,
        "donePositions": [],
        "bench": {"polygons": BENCH_POLYGONS, "vertices": BENCH_VERTICES},
    }
    task = {"name": f"Benchmark: {BENCH_POLYGONS} polygons × {BENCH_VERTICES} vertices"}
    return render(request, "annotations/editor_bench.html", {"config": config, "task": task})
