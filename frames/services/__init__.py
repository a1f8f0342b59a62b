"""Writes that are rules for frames, one module per concern; import them from here.

- `bulk`: bulk import, `frames_bulk_create` and `BulkImportError`.
- `rows`: the rows both imports and writes insert (field lists, value builders,
  `insert_annotations`).
- `writes`: a frame write: `lock_frame`, `check_revision`, `frame_write` (`FrameWrite`),
  copy-on-write, locked annotations and the change recorded.
- `forks`: version copies, `version_fork`.

Who may save a frame is a task rule: `annotations.services.frame_save` checks it and calls
`frame_write`. Deleting a dataset checks tasks too: `annotations.services.dataset_delete`.
"""

from .bulk import MAX_BULK_ERRORS, BulkImportError, frames_bulk_create
from .forks import version_fork
from .writes import FrameWrite, check_revision, frame_write, lock_frame

__all__ = [
    "MAX_BULK_ERRORS",
    "BulkImportError",
    "FrameWrite",
    "check_revision",
    "frame_write",
    "frames_bulk_create",
    "lock_frame",
    "version_fork",
]
