from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from .models import AnnotationTask, FrameRevision, TaskItem
from .services import task_complete


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TaskItem
    fields = ["position", "frames", "status", "claimed_by", "claimed_at", "done_by", "done_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = False
    # The newest hand-outs only: a big task's whole queue would be a page of thousands of rows.
    shown = 200

    def get_queryset(self, request):
        items = super().get_queryset(request).select_related("claimed_by", "done_by")
        newest = items.order_by("-position").values_list("pk", flat=True)[: self.shown]
        return items.filter(pk__in=list(newest)).order_by("position")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnnotationTask)
class AnnotationTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "version", "status", "progress", "order", "created_by", "created_at"]
    list_filter = ["status", "order", "version__dataset"]
    search_fields = ["name"]
    list_select_related = ["version__dataset", "created_by"]
    readonly_fields = [
        "name",
        "source_version",
        "version",
        "filters",
        "order",
        "seed",
        "limit",
        "clip_length",
        "status",
        "matched_count",
        "frame_count",
        "item_count",
        "done_count",
        "cursor",
        "created_by",
        "created_at",
        "completed_by",
        "completed_at",
    ]
    inlines = [TaskItemInline]
    actions = ["complete"]

    @admin.display(description="Progress")
    def progress(self, task: AnnotationTask) -> str:
        return f"{task.done_count} / {task.frame_count} frames ({task.progress_percent} %)"

    @admin.action(description="Complete the selected tasks", permissions=["complete"])
    def complete(self, request, queryset):
        done = 0
        for task in queryset:
            try:
                task_complete(task=task, user=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                messages.error(
                    request, f"{task.name}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
        if done:
            messages.success(request, f"Completed {done} task(s).")

    def has_complete_permission(self, request) -> bool:
        return request.user.has_perm("annotations.complete_annotationtask")


@admin.register(FrameRevision)
class FrameRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail of frame saves: read-only; a restore goes through the API or the editor."""

    list_display = ["key", "revision", "version", "user", "at", "task"]
    list_filter = ["version__dataset"]
    search_fields = ["key", "user__username"]
    list_select_related = ["version__dataset", "user", "task"]
    readonly_fields = ["version", "key", "revision", "user", "at", "task", "change", "state"]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False
