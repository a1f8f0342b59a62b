"""The annotation editor page (the canvas app loads and saves through the REST API)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import AnnotationTask


@require_GET
def task_annotate(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(AnnotationTask.objects.select_related("version__dataset"), pk=pk)
    return render(request, "annotations/editor.html", {"task": task})
