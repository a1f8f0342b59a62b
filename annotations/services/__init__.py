"""Annotation task rules, one module per concern; import the services from here.

- `tasks`: a task's lifecycle: `task_preview`, `task_create`, `task_complete`, `task_delete`.
- `queue`: the work queue: `task_next`, `task_item_done`, `task_item_skip`,
  `task_item_release`, `task_item_assign`.
- `versions`: version-level rules that check tasks: `version_publish`, `frames_delete`,
  `dataset_delete` (an Active task's version changes only with `force`).
- `saves`: who may save which frame, and the audit trail: `frame_save`, `frame_restore`.
- `checks`: what they share: permission checks, the lease, the Active-task lock, `NotYourItem`
  and the messages.
"""

from .checks import NotYourItem
from .queue import (
    task_item_assign,
    task_item_done,
    task_item_release,
    task_item_skip,
    task_next,
)
from .saves import frame_restore, frame_save
from .tasks import (
    PREVIEW_KEYS,
    Preview,
    selected_frames,
    task_complete,
    task_create,
    task_delete,
    task_preview,
)
from .versions import dataset_delete, frames_delete, version_publish

__all__ = [
    "PREVIEW_KEYS",
    "NotYourItem",
    "Preview",
    "dataset_delete",
    "frame_restore",
    "frame_save",
    "frames_delete",
    "selected_frames",
    "task_complete",
    "task_create",
    "task_delete",
    "task_item_assign",
    "task_item_done",
    "task_item_release",
    "task_item_skip",
    "task_next",
    "task_preview",
    "version_publish",
]
