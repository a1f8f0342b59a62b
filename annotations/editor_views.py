"""The annotation editor page: the canvas app loads and saves through the REST API."""

import math
import random

import numpy as np
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from frames.masks import encode

from .models import AnnotationTask
from .selectors import items_done_by

BENCH_POLYGONS = 1000
BENCH_VERTICES = 20
BENCH_MAX_POINTS = 200_000
BENCH_WIDTH, BENCH_HEIGHT = 4000, 3000
BENCH_MAX_SIDE = 8000
BENCH_MAX_MASKS = 200
BENCH_MAX_SOURCES = 9


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
# The sources' images: one plain colour each (%23 is "#" in a data: URL).
BENCH_FILLS = [
    "30475e",
    "5e4730",
    "305e47",
    "47305e",
    "5e3047",
    "475e30",
    "3a3a3a",
    "60605a",
    "2a5060",
]


def bench_polygon(rng: random.Random, vertices: int, width: int, height: int) -> list[list[float]]:
    cx, cy = rng.uniform(60, width - 60), rng.uniform(60, height - 60)
    radius = rng.uniform(10, 40)
    return [
        [
            round(cx + radius * rng.uniform(0.7, 1) * math.cos(2 * math.pi * i / vertices), 2),
            round(cy + radius * rng.uniform(0.7, 1) * math.sin(2 * math.pi * i / vertices), 2),
        ]
        for i in range(vertices)
    ]


def bench_mask(rng: random.Random, width: int, height: int) -> tuple[dict, list[list[int]]]:
    """A random blob (a few overlapping discs): its COCO RLE, as the API sends a mask, and box."""
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    scale = min(width, height)
    cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
    for _ in range(rng.randint(2, 5)):
        r = rng.uniform(0.02, 0.1) * scale
        x = cx + rng.uniform(-1.5, 1.5) * r
        y = cy + rng.uniform(-1.5, 1.5) * r
        x0, x1 = max(0, int(x - r)), min(width, int(x + r) + 1)
        y0, y1 = max(0, int(y - r)), min(height, int(y + r) + 1)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        pixels[y0:y1, x0:x1] |= (xx + 0.5 - x) ** 2 + (yy + 0.5 - y) ** 2 <= r * r
    ys, xs = np.nonzero(pixels)
    points = [[int(xs.min()), int(ys.min())], [int(xs.max()) + 1, int(ys.max()) + 1]]
    return encode(pixels), points


def bench_image(width: int, height: int, fill: str) -> str:
    return (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'"
        f" viewBox='0 0 {width} {height}' width='{width}' height='{height}'>"
        f"<rect width='{width}' height='{height}' fill='%23{fill}'/></svg>"
    )


def bench_frame(
    polygons: int,
    vertices: int,
    *,
    masks: int = 0,
    width: int = 4000,
    height: int = 3000,
    sources: int = 1,
) -> dict:
    """A frame of `sources` sources of `width` x `height` (a FrameGroup when more than one) with
    `polygons` random polygons and `masks` random blobs (drawn under the polygons) dealt over
    the sources in turn, as the API would send it."""
    rng = random.Random(7)
    ids = ["default"] if sources == 1 else [f"cam{number + 1}" for number in range(sources)]

    def roi(index: int, **shape) -> dict:
        return {
            "id": f"{shape['type'][0]}{index}",
            "labels": [BENCH_LABELS[index % len(BENCH_LABELS)]],
            "confidence": 1.0,
            "meta": {},
            "color": BENCH_COLORS[index % len(BENCH_COLORS)],
            "locked": False,
            "source": ids[index % len(ids)],
            **shape,
        }

    rois = [
        roi(index, type="polygon", points=bench_polygon(rng, vertices, width, height))
        for index in range(polygons)
    ]
    for index in range(masks):
        rle, points = bench_mask(rng, width, height)
        rois.append(roi(index, type="mask", mask=rle, points=points))
    frame_sources = [
        {
            "id": source_id,
            "uri": f"bench-{source_id}.svg",
            "width": width,
            "height": height,
            "meta": {},
            "image_url": bench_image(width, height, BENCH_FILLS[number % len(BENCH_FILLS)]),
        }
        for number, source_id in enumerate(ids)
    ]
    first = frame_sources[0]
    return {
        "id": "bench",
        "context_id": "",
        "timestamp": 0,
        "source": {key: first[key] for key in ("uri", "width", "height")},
        "sources": frame_sources,
        "image_url": first["image_url"],
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
    masks = _bounded(request.GET.get("masks"), 0, BENCH_MAX_MASKS)
    width = max(16, _bounded(request.GET.get("width"), BENCH_WIDTH, BENCH_MAX_SIDE))
    height = max(16, _bounded(request.GET.get("height"), BENCH_HEIGHT, BENCH_MAX_SIDE))
    sources = max(1, _bounded(request.GET.get("sources"), 1, BENCH_MAX_SOURCES))
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
    name = f"Benchmark: {polygons} polygons × {vertices} vertices, {masks} masks"
    if sources > 1:
        name += f", {sources} sources"
    task = {"name": name, "frame_count": 1}
    frame = bench_frame(
        polygons, vertices, masks=masks, width=width, height=height, sources=sources
    )
    context = {"config": config, "task": task, "frame": frame}
    return render(request, "annotations/editor_bench.html", context)
