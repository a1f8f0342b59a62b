"""Dataset pages: the dataset list, a dataset's version tree, a version's frame grid and upload,
and the jobs (uploads, imports…) a version or a user has.

Writes that ask for a confirmation or a name (publish, fork) are pages of their own, shown in a
dialog when htmx loads them, so each also works without JavaScript. Views sit above every app's
services, so they call the frame import, the fork and the task-aware publish directly.

A jobs list polls itself (htmx, every second) while one of its jobs is queued or running, and
stops once none is: the response to a poll has no trigger left. Each poll names the jobs it saw
active (`watching`), so the response knows which ended since: it says so in a toast, and on a
version page a success swaps in the frame grid and the header with it, once.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from annotations import page_selectors as annotation_page_selectors
from annotations import services as annotation_services
from annotations.exports import export_start
from annotations.forms import rules_after
from config.errors import ConflictError, error_message
from config.htmx import is_fragment_request, navigate, render_dialog, toast
from frames import services as frame_services
from frames.imports import import_start
from frames.selectors import version_frame_page
from frames.uploads import upload_start

from . import jobs as job_services
from . import selectors, services
from .forms import (
    DatasetForm,
    ExportForm,
    ImportForm,
    UploadForm,
    VersionExportForm,
    VersionForkForm,
    VersionPublishForm,
    add_service_error,
)
from .models import Dataset, Job, Version

VERSION = "datasets/version_detail.html"
EXPORT = "datasets/version_export.html"
IMPORT = "datasets/version_import.html"
EXPORT_FIELDS = "datasets/_export_fields.html"
JOBS = "datasets/job_list.html"
JOBS_PER_PAGE = 25
WATCHED_ID = re.compile(r"[0-9]{1,19}")

# Datasets


def _dataset_list_page(request: HttpRequest, form: DatasetForm | None = None) -> HttpResponse:
    page = Paginator(selectors.dataset_list(), selectors.DATASETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "datasets/dataset_list.html"
    if is_fragment_request(request) and request.method == "GET":
        template += "#dataset-table"
    return render(request, template, {"page": page, "form": form or DatasetForm()})


@require_GET
@vary_on_headers("HX-Request")
@permission_required("datasets.view_dataset", raise_exception=True)
def dataset_list(request: HttpRequest) -> HttpResponse:
    return _dataset_list_page(request)


@require_POST
@permission_required("datasets.add_dataset", raise_exception=True)
def dataset_create(request: HttpRequest) -> HttpResponse:
    form = DatasetForm(request.POST)
    if form.is_valid():
        try:
            dataset = services.dataset_create(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Dataset “{dataset.name}” created with a Draft version.")
            return navigate(request, dataset.get_absolute_url())
    if is_fragment_request(request):
        return render(request, "datasets/dataset_list.html#dataset-create", {"form": form})
    return _dataset_list_page(request, form)


@require_GET
@permission_required("datasets.view_dataset", raise_exception=True)
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.select_related("created_by"), pk=pk)
    return render(
        request,
        "datasets/dataset_detail.html",
        {"dataset": dataset, "tree": selectors.version_tree(dataset=dataset)},
    )


# Versions


def _get_version(pk: int) -> Version:
    return get_object_or_404(
        Version.objects.select_related("dataset", "parent", "created_by", "published_by"), pk=pk
    )


def _frame_grid_context(version: Version, query: QueryDict | dict) -> dict:
    context_id = (query.get("context") or "").strip()
    page = version_frame_page(version=version, context_id=context_id, page=query.get("page") or 1)
    return {"version": version, "dataset": version.dataset, "page": page, "context_id": context_id}


def _version_jobs_context(version: Version) -> dict:
    """The version and its active and recent jobs; a job whose worker died reads as failed
    first."""
    job_services.jobs_fail_stale()
    jobs = selectors.version_jobs(version=version)
    return {
        "version": version,
        "jobs": jobs,
        "active_job_ids": [job.pk for job in jobs if job.is_active],
    }


def _version_page(
    request: HttpRequest, version: Version, *, form: UploadForm | None = None, status: int = 200
) -> HttpResponse:
    context = _frame_grid_context(version, request.GET)
    if is_fragment_request(request) and request.method == "GET":
        return render(request, f"{VERSION}#frame-grid", context, status=status)
    context |= _version_jobs_context(version)
    context["form"] = form or UploadForm(version=version)
    return render(request, VERSION, context, status=status)


@require_GET
@vary_on_headers("HX-Request")
@permission_required("datasets.view_version", raise_exception=True)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_page(request, _get_version(pk))


@require_POST
@permission_required("frames.add_frame", raise_exception=True)
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    version = _get_version(pk)
    form = UploadForm(request.POST, request.FILES, version=version)
    if form.is_valid():
        try:
            job = upload_start(
                version=version,
                user=request.user,
                files=form.cleaned_data["files"],
                context_id=form.cleaned_data["context_id"] or None,
            )
        except ValidationError as error:
            add_service_error(form, error, "files")
        else:
            form = UploadForm(version=version)  # empty again for the next files
            return _job_queued(request, version, job, part="upload-queued", form=form)
    if request.htmx:
        return render(request, f"{VERSION}#upload", {"version": version, "form": form})
    return _version_page(request, version, form=form)


@require_GET
@permission_required("datasets.view_version", raise_exception=True)
def version_jobs(request: HttpRequest, pk: int) -> HttpResponse:
    """The version page's jobs list, which polls this while a job runs."""
    version = _get_version(pk)
    if not is_fragment_request(request):
        return redirect(version)
    context = _version_jobs_context(version)
    ended = _ended_jobs(request, context["jobs"])
    if any(job.status == Job.Status.SUCCEEDED and job.kind != Job.Kind.EXPORT for job in ended):
        context |= _frame_grid_context(version, _current_query(request))
        context["refresh_frames"] = True
    return _toast_ended(request, render(request, f"{VERSION}#jobs-poll", context), ended)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("datasets.publish_version", raise_exception=True)
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _get_version(pk)
    form = VersionPublishForm(request.POST if request.method == "POST" else None)
    in_use = None
    if request.method == "POST" and form.is_valid():
        try:
            annotation_services.version_publish(
                version=version, user=request.user, force=form.cleaned_data["force"]
            )
        except ConflictError as error:
            if error.code == "version_in_use":
                in_use = error
            else:
                add_service_error(form, error)
        else:
            messages.success(request, f"Version “{version.name}” is Published and read-only now.")
            return navigate(request, version.dataset.get_absolute_url())
    context = {"version": version, "dataset": version.dataset, "form": form, "in_use": in_use}
    return render_dialog(request, "datasets/version_publish.html", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("datasets.add_version", raise_exception=True)
def version_fork(request: HttpRequest, pk: int) -> HttpResponse:
    version = _get_version(pk)
    suggested = {
        "name": services.unique_version_name(dataset=version.dataset, name=f"{version.name} fork")
    }
    form = VersionForkForm(
        request.POST if request.method == "POST" else None,
        initial=suggested,
        dataset=version.dataset,
    )
    if request.method == "POST" and form.is_valid():
        try:
            child = frame_services.version_fork(
                version=version, name=form.cleaned_data["name"], user=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Draft “{child.name}” forked from “{version.name}”.")
            return navigate(request, child.get_absolute_url())
    context = {"version": version, "dataset": version.dataset, "form": form}
    return render_dialog(request, "datasets/version_fork.html", context)


# Export and import: dialogs whose job then shows in the version page's Jobs list


def _job_queued(
    request: HttpRequest, version: Version, job: Job, *, part: str = "job-queued", **context
) -> HttpResponse:
    """htmx: the version page's `part` (the Jobs list with the new job, which starts polling;
    for an export or import also the dialog gone), a toast. Without htmx: back to the version
    page, which lists the job."""
    message = f"{job.title}: queued."
    if not request.htmx:
        messages.success(request, message)
        return redirect(version)
    context |= _version_jobs_context(version)
    return toast(render(request, f"{VERSION}#{part}", context), message)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("datasets.view_version", raise_exception=True)
def version_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Format, frames (the task form's filter) and images; `?part=images` is the images box for
    the chosen format (htmx asks for it when the format changes: COCO detection results cannot
    hold images). A `rule_action` button adds or removes a label rule: the dialog again, as
    typed, not checked yet."""
    version = _get_version(pk)
    if request.GET.get("part") == "images" and is_fragment_request(request):
        return render(request, f"{EXPORT_FIELDS}#export-images", {"form": ExportForm(request.GET)})
    if request.method == "GET":
        return _export_dialog(request, version, VersionExportForm(), show_errors=False)
    action = request.POST.get("rule_action", "")
    if action:
        data, focus = rules_after(request.POST, action)
        form = VersionExportForm(data)
        return _export_dialog(request, version, form, show_errors=False, focus_rule=focus)
    form = VersionExportForm(request.POST)
    if form.is_valid():
        try:
            job = export_start(version=version, user=request.user, **form.export_options())
        except ValidationError as error:  # a ConflictError too
            form.add_service_error(error)
        else:
            return _job_queued(request, version, job)
    return _export_dialog(request, version, form)


def _export_dialog(
    request: HttpRequest, version: Version, form: VersionExportForm, **context
) -> HttpResponse:
    context = {
        "version": version,
        "dataset": version.dataset,
        "form": form,
        "labels": annotation_page_selectors.version_labels(version),
        "export_url": reverse("datasets:version_export", args=[version.pk]),
        "show_errors": True,
        **context,
    }
    return render_dialog(request, EXPORT, context)


@require_POST
@permission_required("datasets.view_version", raise_exception=True)
def version_export_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The Export… dialog's live count: how many frames its filter selects (the task form's
    preview, without an iteration), and the filter's errors in place."""
    version = _get_version(pk)
    form = VersionExportForm(request.POST)
    context = {"version": version, "form": form, "show_errors": True, "is_count": True}
    if form.is_valid():
        try:
            context["preview"] = annotation_services.task_preview(
                version=version, filters=form.filters(), iteration={}, with_frames=False
            )
        except ValidationError as error:  # e.g. query_too_slow: nothing to mark, say it here
            context["preview_error"] = error.messages[0]
    return render(request, f"{EXPORT}#export-count-response", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@permission_required("frames.add_frame", raise_exception=True)
def version_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A file and its format into a Draft; errors the service finds at once show in the dialog,
    those the job finds in its row of the Jobs list."""
    version = _get_version(pk)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and version.is_draft and form.is_valid():
        try:
            job = import_start(
                version=version,
                user=request.user,
                file=form.cleaned_data["file"],
                format=form.cleaned_data["format"],
            )
        except ValidationError as error:  # a ConflictError too
            form.add_service_error(error)
        else:
            return _job_queued(request, version, job)
    context = {"version": version, "dataset": version.dataset, "form": form}
    return render_dialog(request, IMPORT, context)


# Jobs


def _ended_jobs(request: HttpRequest, jobs: list[Job]) -> list[Job]:
    """Jobs the poll's page showed as active (its `watching` ids) that have ended since."""
    parts = request.GET.get("watching", "").split(",")
    watching = {int(part) for part in parts if WATCHED_ID.fullmatch(part)}
    return [job for job in jobs if job.pk in watching and not job.is_active]


def _toast_ended(request: HttpRequest, response: HttpResponse, ended: list[Job]) -> HttpResponse:
    """Say how the user's own jobs ended (a Manager's page would otherwise toast everyone's)."""
    ended = [job for job in ended if job.created_by_id == request.user.pk]
    if not ended:
        return response
    job = ended[0]
    level = {Job.Status.SUCCEEDED: "success", Job.Status.FAILED: "error"}.get(job.status, "info")
    message = f"{job.title}: {job.message or job.get_status_display().lower()}"
    if len(ended) > 1:
        message += f" ({len(ended) - 1} more ended too)"
    return toast(response, message, level)


def _current_query(request: HttpRequest) -> dict:
    """The query of the page htmx sent this from (its filter and page number)."""
    url = request.htmx.current_url if request.htmx else None
    query = parse_qs(urlsplit(url or "").query)
    return {name: values[0] for name, values in query.items()}


def _job_list_context(request: HttpRequest, query: QueryDict | dict) -> dict:
    job_services.jobs_fail_stale()
    jobs = selectors.jobs_visible_to(request.user)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(query.get("page"))
    return {
        "page": page,
        "active_job_ids": [job.pk for job in page if job.is_active],
        "back": f"{reverse('datasets:job_list')}?page={page.number}",
    }


@require_GET
@vary_on_headers("HX-Request")
def job_list(request: HttpRequest) -> HttpResponse:
    """A Manager's view of everyone's jobs, anyone else's of their own; newest first."""
    context = _job_list_context(request, request.GET)
    if is_fragment_request(request):
        ended = _ended_jobs(request, list(context["page"]))
        return _toast_ended(request, render(request, f"{JOBS}#job-table", context), ended)
    return render(request, JOBS, context)


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel from a jobs list: the list again (htmx) or back to the page it was on."""
    job = get_object_or_404(Job.objects.select_related("version"), pk=pk)
    try:
        job = job_services.job_cancel(job=job, user=request.user)
    except ConflictError as error:
        level, message = messages.ERROR, error_message(error)
    else:
        level = messages.SUCCESS
        if job.status == Job.Status.CANCELLED:
            message = f"{job.title}: cancelled before it started."
        else:
            message = f"{job.title}: stopping at its next step; nothing it did is kept."
    if request.htmx:
        response = _jobs_list_after_cancel(request, job)
        return toast(response, message, messages.DEFAULT_TAGS[level])
    messages.add_message(request, level, message)
    return redirect(_back(request, job))


def _jobs_list_after_cancel(request: HttpRequest, job: Job) -> HttpResponse:
    if request.htmx.target == "version-jobs" and job.version is not None:
        return render(request, f"{VERSION}#version-jobs", _version_jobs_context(job.version))
    context = _job_list_context(request, _current_query(request))
    return render(request, f"{JOBS}#job-table", context)


def _back(request: HttpRequest, job: Job) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return job.version.get_absolute_url() if job.version else reverse("datasets:job_list")
