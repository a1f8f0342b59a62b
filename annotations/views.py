"""The task pages: the card list, the create form with its live frame count, Info, Complete, Delete.

Each page is also a plain Django page (no JavaScript needed); htmx asks for fragments of it.
Rules live in the task services; these views translate requests and pick what to render.
"""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from config.errors import ConflictError
from config.htmx import is_fragment_request, render_dialog, toast
from datasets.forms import ExportForm
from datasets.models import Dataset, Version
from datasets.selectors import jobs_visible_to
from datasets.services import unique_version_name

from . import page_selectors, selectors, services
from .exports import export_start
from .forms import TaskForm, TaskListFilterForm, rules_after
from .models import AnnotationTask

LIST = "annotations/task_list.html"
FORM = "annotations/task_form.html"
FILTER_FIELDS = "annotations/_filter_fields.html"
EXPORT = "annotations/task_export.html"


def _get_task(pk: int) -> AnnotationTask:
    related = ("version__dataset", "source_version", "created_by", "completed_by")
    return get_object_or_404(AnnotationTask.objects.select_related(*related), pk=pk)


# The list


def _cards_context(user, query: QueryDict) -> dict:
    filters = TaskListFilterForm(query).values()
    page = page_selectors.task_card_page(user=user, filters=filters, page=query.get("page"))
    shared = {
        name: value.pk if isinstance(value, Dataset) else value
        for name, value in filters.items()
        if value != TaskListFilterForm.DEFAULTS[name]
    }
    context = {"page": page, "filters": filters, "extra_params": urlencode(shared)}
    if not page.object_list:
        context["has_any_task"] = page_selectors.has_any_task()
    return context


@require_GET
@vary_on_headers("HX-Request")
@permission_required("annotations.view_annotationtask", raise_exception=True)
def task_list(request: HttpRequest) -> HttpResponse:
    context = _cards_context(request.user, request.GET)
    if is_fragment_request(request):
        return render(request, f"{LIST}#task-cards", context)
    context["datasets"] = Dataset.objects.order_by("name")
    return render(request, LIST, context)


def _cards_after_write(request: HttpRequest, message: str) -> HttpResponse:
    """htmx: the grid again for the list page the user is on, the dialog gone, a toast.
    Without htmx: back to the list with the message."""
    current = urlsplit(request.htmx.current_url_abs_path or "") if request.htmx else None
    if current is None or current.path != reverse("annotations:task_list"):
        messages.success(request, message)
        if request.htmx:
            return HttpResponseClientRedirect(reverse("annotations:task_list"))
        return redirect("annotations:task_list")
    context = _cards_context(request.user, QueryDict(current.query)) | {"close_dialog": True}
    return toast(render(request, f"{LIST}#task-cards", context), message)


# Create


def _form_response(request: HttpRequest, form: TaskForm, **context) -> HttpResponse:
    context = {"form": form, "show_errors": True, **context}
    if is_fragment_request(request) and request.method == "POST":
        return render(request, f"{FORM}#task-form", context)
    return render(request, FORM, context)


def _created_message(task: AnnotationTask) -> str:
    frames = f"{task.frame_count:,} frame{'s' if task.frame_count != 1 else ''}"
    message = f"Task “{task.name}” created with {frames}"
    if task.order == AnnotationTask.Order.RANDOM:
        message += f", random seed {task.seed}"
    if task.version_id != task.source_version_id:
        message += f"; it works on the new Draft “{task.version.name}”"
    return message + "."


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("annotations.add_annotationtask", raise_exception=True)
def task_create(request: HttpRequest) -> HttpResponse:
    versions = page_selectors.version_options()
    if request.method == "GET":
        form = TaskForm(versions=versions, initial={"version": request.GET.get("version")})
        return _form_response(request, form, show_errors=False)
    action = request.POST.get("rule_action", "")
    if action:  # add or remove a label row: the same form again, not checked yet
        data, focus = rules_after(request.POST, action)
        form = TaskForm(data, versions=versions)
        return _form_response(request, form, show_errors=False, focus_rule=focus)
    form = TaskForm(request.POST, versions=versions)
    if form.is_valid():
        try:
            task = services.task_create(
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
                filters=form.filters(),
                iteration=form.iteration(),
                user=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _created_message(task))
            url = reverse("annotations:task_list")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _form_response(request, form)


@require_POST
@permission_required("annotations.add_annotationtask", raise_exception=True)
def task_preview(request: HttpRequest) -> HttpResponse:
    """The live count: how many frames the form's filters and iteration would give a task."""
    form = TaskForm(request.POST, versions=page_selectors.version_options(), require_name=False)
    context = {"form": form, "preview": None, "fork_name": None, "show_errors": True}
    if form.is_valid() and form.cleaned_data["version"]:
        version = form.cleaned_data["version"]
        try:
            context["preview"] = services.task_preview(
                version=version,
                filters=form.filters(),
                iteration=form.iteration(),
                with_frames=False,
            )
        except ValidationError as error:  # e.g. query_too_slow: nothing to mark, say it here
            context["preview_error"] = error.messages[0]
            return render(request, f"{FORM}#preview-response", context)
        if version.is_published:
            name = form.cleaned_data["name"] or "the task's name"
            context["fork_name"] = unique_version_name(dataset=version.dataset, name=name)
    return render(request, f"{FORM}#preview-response", context)


@require_GET
@permission_required("annotations.add_annotationtask", raise_exception=True)
def task_labels(request: HttpRequest) -> HttpResponse:
    """Suggestions for the label rows: the labels used in the chosen version."""
    pk = request.GET.get("version", "")
    version = Version.objects.filter(pk=pk).first() if pk.isdigit() else None
    labels = page_selectors.version_labels(version) if version else []
    return render(request, f"{FILTER_FIELDS}#labels", {"labels": labels})


# One task


@require_GET
@vary_on_headers("HX-Request")
@permission_required("annotations.view_annotationtask", raise_exception=True)
def task_info(request: HttpRequest, pk: int) -> HttpResponse:
    """The task's settings and progress, who holds which item (Managers release or assign it) and
    what each annotator did; `?part=holders` is the holders' fragment, refreshed after a change."""
    task = _get_task(pk)
    context = {
        "task": task,
        "holders": selectors.held_items(task),
        "can_manage": request.user.has_perm("annotations.change_annotationtask"),
    }
    if context["can_manage"]:
        context["assignable"] = page_selectors.assignable_usernames()
    if request.GET.get("part") == "holders" and is_fragment_request(request):
        return render(request, "annotations/task_info.html#holders", context)
    context["claimed"] = selectors.claimed_count(task)
    context["worker_counts"] = selectors.worker_counts(task)
    if is_fragment_request(request):
        context["is_modal"] = True
        return render(request, "annotations/task_info.html#dialog", context)
    return render(request, "annotations/task_info.html", context)


ACTIONS = {
    "complete": {
        "permission": "annotations.complete_annotationtask",
        "refused": "You do not have permission to complete annotation tasks.",
        "service": services.task_complete,
        "done": "Task “{name}” completed; it is listed under Completed now.",
    },
    "delete": {
        "permission": "annotations.delete_annotationtask",
        "refused": "You do not have permission to delete annotation tasks.",
        "service": services.task_delete,
        "done": "Task “{name}” deleted; its version and annotations stay.",
    },
}


def _task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the confirmation (a dialog for htmx); POST: do it, then show the list again."""
    spec = ACTIONS[action]
    task = _get_task(pk)
    context = {"task": task, "action": action, "error": None, "is_refused": False}
    status = 200
    try:
        if not request.user.has_perm(spec["permission"]):
            raise PermissionDenied(spec["refused"])
        if request.method == "POST":
            spec["service"](task=task, user=request.user)
            return _cards_after_write(request, spec["done"].format(name=task.name))
    except ConflictError as conflict:
        context["error"] = conflict.messages[0]
    except PermissionDenied as denied:
        context |= {"error": str(denied), "is_refused": True}
        status = 403
    return _confirm_response(request, context, status)


def _confirm_response(request: HttpRequest, context: dict, status: int) -> HttpResponse:
    template = "annotations/task_confirm.html"
    if not is_fragment_request(request):
        return render(request, template, context, status=status)
    response = render(request, f"{template}#dialog", context | {"is_modal": True}, status=status)
    if request.method == "POST":  # the form aimed at the grid; a refusal belongs in the dialog
        response = reswap(retarget(response, "#dialog-slot"), "innerHTML")
    return response


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(request, pk, "complete")


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(request, pk, "delete")


# Export


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("annotations.view_annotationtask", raise_exception=True)
def task_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The task's frames in the task's order, in a format, with or without their images.

    Once the job is queued the dialog follows it to its Download link (`?job=<id>` is its row,
    polled while it runs); without JavaScript the version page lists it. `?part=images` is the
    images box for the chosen format.
    """
    task = _get_task(pk)
    context = {"task": task, "export_url": reverse("annotations:task_export", args=[task.pk])}
    if is_fragment_request(request) and request.method == "GET":
        if request.GET.get("part") == "images":
            form = ExportForm(request.GET)
            return render(request, "datasets/_export_fields.html#export-images", {"form": form})
        if "job" in request.GET:
            return render(request, f"{EXPORT}#export-job", context | {"job": _own_job(request)})
    form = ExportForm(request.POST if request.method == "POST" else None)  # no frame filter
    if request.method == "POST" and form.is_valid():
        try:
            options = form.export_options()  # no filters: the task's frames
            job = export_start(version=task.version, user=request.user, task=task, **options)
        except ValidationError as error:  # a ConflictError too
            form.add_service_error(error)
        else:
            message = f"{job.title}: queued."
            if not is_fragment_request(request):
                messages.success(request, message)
                return redirect(task.version)
            context |= {"job": job, "is_modal": True}
            return toast(render(request, f"{EXPORT}#dialog", context), message)
    return render_dialog(request, EXPORT, context | {"form": form})


def _own_job(request: HttpRequest):
    """The job `?job=` names, if the user may see it (their own; a Manager's: anyone's)."""
    pk = request.GET.get("job", "")
    valid = pk.isdigit() and len(pk) < 19  # a bigint
    return get_object_or_404(jobs_visible_to(request.user), pk=int(pk) if valid else 0)
