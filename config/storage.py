"""Walking and removing folders of the media storage, alike on a local disk and in a bucket."""

import os
from collections.abc import Iterator
from contextlib import suppress

from django.core.files.storage import default_storage


def walk(folder: str) -> Iterator[str]:
    """The names of every file under `folder`, depth first; nothing when it does not exist."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from walk(f"{folder}/{sub}")


def delete_folder(folder: str) -> int:
    """Every file under `folder`, then the folder itself where there are folders; how many files."""
    removed = 0
    for name in list(walk(folder)):
        default_storage.delete(name)
        removed += 1
    remove_empty_dirs(folder)
    return removed


def local_path(name: str) -> str | None:
    """The file's path on this machine; None when the storage is remote (S3 has no paths)."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None


def remove_empty_dirs(folder: str) -> None:
    """Empty directories under a local folder, deepest first (object storage has none)."""
    root = local_path(folder)
    if root is None:
        return
    for path, _, _ in sorted(os.walk(root), reverse=True):
        with suppress(OSError):  # not empty: someone else's file
            os.rmdir(path)
