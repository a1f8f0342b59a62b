"""The checks every annotations service shares: permissions, the Active-task lock."""

from django.core.exceptions import PermissionDenied

from annotations.models import AnnotationTask
from config.errors import ConflictError

COMPLETED = "Task “%(name)s” is completed, so it is read-only."
IN_USE = "Version “%(version)s” is used by active task(s) %(tasks)s. Confirm to %(action)s anyway."

SAVE_ANY = "frames.change_any_frame"
MANAGE_ITEMS = "annotations.change_annotationtask"


class NotYourItem(PermissionDenied):
    """A 403 with the API code `not_your_item`: the frame or item is not the caller's to change."""

    code = "not_your_item"


def require(user, permission: str, action: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {action}.")


def lock_active(task: AnnotationTask) -> AnnotationTask:
    """The task row, locked; 409 `task_completed` when it is no longer Active."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    if not task.is_active:
        raise ConflictError(COMPLETED, code="task_completed", params={"name": task.name})
    return task
