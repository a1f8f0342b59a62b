"""The annotation editor page: the canvas app loads and saves through the REST API."""

import math
import random

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from .models import AnnotationTask
from .selectors import items_done_by

BENCH_POLYGONS = 1000
BENCH_VERTICES = 20
BENCH_MAX_POINTS = 200_000


def _bounded(value: str | None, default: int, most: int = 20_000) -> int:
    return min(int(value), most) if value and value.isdigit() else default


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
        # Managers save any frame and restore revisions; others only the items they hold.
        "canSaveAny": user.has_perm("frames.change_any_frame"),
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


BENCH_LABELS = ["car", "person", "bus", "truck", "bike", "dog", "cat", "sign", "tree", "light"]
BENCH_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4"]


def bench_polygon(rng: random.Random, vertices: int) -> list[list[float]]:
    cx, cy = rng.uniform(60, 3940), rng.uniform(60, 2940)
    radius = rng.uniform(10, 40)
    return [
        [
            round(cx + radius * rng.uniform(0.7, 1) * math.cos(2 * math.pi * i / vertices), 2),
            round(cy + radius * rng.uniform(0.7, 1) * math.sin(2 * math.pi * i / vertices), 2),
        ]
        for i in range(vertices)
    ]


def bench_frame(polygons: int, vertices: int) -> dict:
    """A 4000x3000 frame with `polygons` random polygons, as the API would send it."""
    rng = random.Random(7)
    rois = [
        {
            "id": f"p{index}",
            "type": "polygon",
            "labels": [BENCH_LABELS[index % len(BENCH_LABELS)]],
            "points": bench_polygon(rng, vertices),
            "confidence": 1.0,
            "meta": {},
            "color": BENCH_COLORS[index % len(BENCH_COLORS)],
            "locked": False,
        }
        for index in range(polygons)
    ]
    svg = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 3'>"
        "<rect width='4' height='3' fill='%2330475e'/></svg>"
    )
    return {
        "id": "bench",
        "context_id": "",
        "timestamp": 0,
        "source": {"uri": "bench.svg", "width": 4000, "height": 3000},
        "image_url": svg,
        "meta": {},
        "revision": 1,
        "rois": rois,
        "frame_labels": [],
    }


@require_GET
def editor_bench(request: HttpRequest) -> HttpResponse:
    """The editor on a generated frame, without data or API: `bench_editor` measures it.

    A development tool: it exists only with DEBUG on.
    """
    if not settings.DEBUG:
        raise Http404("The editor benchmark page exists only with DEBUG on.")
    vertices = max(3, _bounded(request.GET.get("vertices"), BENCH_VERTICES))
    # At most BENCH_MAX_POINTS points, so no request can make the server build gigabytes.
    polygons = min(
        _bounded(request.GET.get("polygons"), BENCH_POLYGONS), BENCH_MAX_POINTS // vertices
    )
    config = {
        "task": 0,
        "version": 0,
        "api": reverse("api_schema").removesuffix("schema/"),
        "tasksUrl": _tasks_url(),
        "user": {"id": 0, "username": "bench"},
        "readOnly": "",
        "canSaveAny": True,
        "taskCompleted": False,
        "itemCount": 1,
        "clipLength": 0,
        "donePositions": [],
    }
    task = {"name": f"Benchmark: {polygons} polygons × {vertices} vertices", "frame_count": 1}
    context = {"config": config, "task": task, "frame": bench_frame(polygons, vertices)}
    return render(request, "annotations/editor_bench.html", context)
