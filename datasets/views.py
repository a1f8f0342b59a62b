"""Dataset pages: the dataset list, a dataset's version tree, a version's frame grid and upload.

Writes that ask for a confirmation or a name (publish, fork) are pages of their own, shown in a
dialog when htmx loads them, so each also works without JavaScript. Views sit above every app's
services, so they call the frame import, the fork and the task-aware publish directly.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from annotations import services as annotation_services
from config.errors import ConflictError
from config.htmx import is_fragment_request, navigate, render_dialog, toast
from frames import services as frame_services
from frames.selectors import version_frame_page
from frames.uploads import upload_start

from . import selectors, services
from .forms import DatasetForm, UploadForm, VersionForkForm, VersionPublishForm, add_service_error
from .models import Dataset, Version

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


def _version_page(
    request: HttpRequest, version: Version, *, form: UploadForm | None = None, status: int = 200
) -> HttpResponse:
    context_id = request.GET.get("context", "").strip()
    page = version_frame_page(
        version=version, context_id=context_id, page=request.GET.get("page", 1)
    )
    context = {
        "version": version,
        "dataset": version.dataset,
        "page": page,
        "context_id": context_id,
        "form": form or UploadForm(version=version),
    }
    template = "datasets/version_detail.html"
    if is_fragment_request(request) and request.method == "GET":
        template += "#frame-grid"
    return render(request, template, context, status=status)


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
            message = f"{job.title}: queued."
            if not request.htmx:
                messages.success(request, message)
                return redirect(version)
            context = {"version": version, "form": UploadForm(version=version)}
            response = render(request, "datasets/version_detail.html#upload", context)
            return toast(response, message)
    if request.htmx:
        return render(
            request, "datasets/version_detail.html#upload", {"version": version, "form": form}
        )
    return _version_page(request, version, form=form)


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
