"""Admin for datasets, versions and jobs. Every save and action goes through the services, so the
admin cannot bypass the Published freeze; jobs are read-only (workers write them)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.models import AnnotationTask
from annotations.services import dataset_delete, version_publish
from config.admin import ServiceErrorsMixin
from config.errors import error_message
from frames.services import version_fork

from .models import Dataset, Job, Version
from .services import (
    check_version_name,
    dataset_create,
    dataset_update,
    ensure_draft,
    unique_version_name,
    version_update,
)


class VersionInline(admin.TabularInline):
    model = Version
    fields = ["name", "status", "parent", "frame_count", "created_at", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "description", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [VersionInline]

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:
            dataset_update(dataset=obj, name=data["name"], description=data["description"])
        else:
            created = dataset_create(
                name=data["name"], description=data["description"], user=request.user
            )
            obj.pk = created.pk
            obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        # `dataset_delete` removes the versions and frames; the admin's collector would trip on
        # the version tree (parents are protected) and on versions it may not delete itself.
        # The page names the Active tasks that go too, so confirming it is the service's `force`.
        datasets = list(objs)
        active = AnnotationTask.objects.active().filter(version__dataset__in=datasets)
        counts = {
            Dataset._meta.verbose_name_plural: len(datasets),
            Version._meta.verbose_name_plural: Version.objects.filter(dataset__in=datasets).count(),
        }
        if active_count := active.count():
            counts["active annotation tasks"] = active_count
        to_delete = [str(dataset) for dataset in datasets] + [
            f"Active annotation task: {task.name}" for task in active.order_by("name")[:20]
        ]
        return to_delete, counts, set(), []

    def delete_model(self, request, obj) -> None:
        dataset_delete(dataset=obj, user=request.user, force=True)

    def delete_queryset(self, request, queryset) -> None:
        for dataset in queryset:
            dataset_delete(dataset=dataset, user=request.user, force=True)


class VersionAdminForm(forms.ModelForm):
    class Meta:
        model = Version
        fields = ["name", "description"]

    def clean(self):
        data = super().clean()
        current = Version.objects.get(pk=self.instance.pk)
        ensure_draft(current)
        if "name" in data and data["name"] != current.name:
            data["name"] = check_version_name(dataset=self.instance.dataset, name=data["name"])
        return data


@admin.register(Version)
class VersionAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ["name", "dataset", "status", "frame_count", "parent", "created_at"]
    list_filter = ["status", "dataset"]
    list_select_related = ["dataset", "parent"]
    search_fields = ["name", "dataset__name"]
    fields = [
        "dataset",
        "name",
        "description",
        "status",
        "parent",
        "frame_count",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
    ]
    readonly_fields = [field for field in fields if field not in ("name", "description")]
    actions = ["publish", "fork"]

    def has_add_permission(self, request) -> bool:
        # Versions come from creating a dataset or forking a Published version.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("datasets.publish_version")

    def has_fork_permission(self, request) -> bool:
        return request.user.has_perm("datasets.add_version")

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        version_update(version=obj, name=data["name"], description=data["description"])

    @admin.action(description="Publish selected Draft versions", permissions=["publish"])
    def publish(self, request, queryset) -> None:
        for version in queryset.select_related("dataset"):
            try:
                version_publish(version=version, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{version}: {_message(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{version}: Published.", messages.SUCCESS)

    @admin.action(description="Fork selected Published versions", permissions=["fork"])
    def fork(self, request, queryset) -> None:
        for version in queryset.select_related("dataset"):
            name = unique_version_name(dataset=version.dataset, name=f"{version.name} fork")
            try:
                child = version_fork(version=version, name=name, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{version}: {_message(error)}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{version}: forked as “{child.name}”.", messages.SUCCESS
                )


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "title", "version", "created_by", "created_at", "progress"]
    list_display_links = ["title"]
    list_filter = ["kind", "status"]
    list_select_related = ["version__dataset", "created_by"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    # `params` is the task's own input (staged file names), never shown.
    fields = [
        "title",
        "kind",
        "status",
        "version",
        "created_by",
        "progress",
        "message",
        "errors",
        "result",
        "cancel_requested",
        "task_id",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, job: Job) -> str:
        unit = f" {job.progress_unit}" if job.progress_unit else ""
        if job.progress_total is None:
            return f"{job.progress_done}{unit}"
        return f"{job.progress_done} / {job.progress_total}{unit} ({job.percent} %)"


def _message(error: Exception) -> str:
    return error_message(error) if isinstance(error, ValidationError) else str(error)
