"""Writes that are rules for frames, one module per concern; import them from here.

- `bulk`: bulk import, `frames_bulk_create` and `BulkImportError`; `frames_annotations_add`
  (annotations added to existing frames, e.g. a COCO import) and its `annotations_added` signal,
  which the annotations app's history receives.
- `rows`: the rows both imports and writes insert (field lists, value builders,
  `insert_annotations`).
- `writes`: a frame write: `lock_frame`, `check_revision`, `frame_write` (`FrameWrite`),
  copy-on-write, locked annotations and the change recorded.
- `patches`: a save naming the annotations it changes and removes, `frame_patch` (`Edit`).
- `forks`: version copies, `version_fork`.

Who may save a frame is a task rule: `annotations.services.frame_save` checks it and calls
`frame_write`. Deleting a dataset checks tasks too: `annotations.services.dataset_delete`.
"""

from .bulk import (
    MAX_BULK_ERRORS,
    AnnotationsAdded,
    BulkImportError,
    FrameChange,
    annotations_added,
    frames_annotations_add,
    frames_bulk_create,
)
from .forks import version_fork
from .patches import Edit, frame_patch
from .writes import FrameWrite, check_revision, frame_write, lock_frame

__all__ = [
    "MAX_BULK_ERRORS",
    "AnnotationsAdded",
    "BulkImportError",
    "Edit",
    "FrameChange",
    "FrameWrite",
    "annotations_added",
    "check_revision",
    "frame_patch",
    "frame_write",
    "frames_annotations_add",
    "frames_bulk_create",
    "lock_frame",
    "version_fork",
]
