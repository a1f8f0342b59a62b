"""Media files no frame uses any more: removed after deletes (as a job) and by `media_gc`.

Uploads write under `frames/` (originals, each with `.thumbs/<name>.jpg` beside it) and stage
under `incoming/`; these are the folders cleaned. Files elsewhere in the storage were put there
by people (frames may point at them with `media:`), and are left alone.
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from config.sql import chunked
from config.storage import delete_folder, remove_empty_dirs, walk
from datasets.jobs import JobRun, job_create, job_enqueue, job_run
from datasets.models import Job

from .media import media_name, media_uri, thumb_name
from .models import Frame

MANAGED_FOLDERS = ("frames", "incoming")
THUMBS = ".thumbs"


def media_cleanup_start(
    *, uris: Iterable[str] = (), folders: Iterable[str] = (), user
) -> Job | None:
    """After the caller's transaction (a delete) commits, remove the media files of `uris` and
    under `folders` that no frame uses then. Call it inside that transaction."""
    names = sorted({name for uri in uris if (name := media_name(uri)) is not None})
    folders = sorted(folders)
    if not names and not folders:
        return None
    job = job_create(
        kind=Job.Kind.MEDIA_CLEANUP,
        title=f"Media cleanup after deleting {_what(names, folders)}",
        user=user,
        params={"names": names, "folders": folders},
        unit="files",
    )
    job_enqueue(job, run_media_cleanup)
    return job


def _what(names: list[str], folders: list[str]) -> str:
    if folders:
        return f"{len(folders)} version folder{'s' if len(folders) != 1 else ''}"
    return f"{len(names)} frame image{'s' if len(names) != 1 else ''}"


def unused(names: list[str], in_groups: set[str] | None = None) -> list[str]:
    """Those of `names` no frame points at, as its first source or another of a FrameGroup
    (`in_groups`: those of the names' URIs such sources use, when the caller has read them)."""
    used = set()
    for chunk in chunked(names):
        uris = [media_uri(name) for name in chunk]
        used.update(Frame.objects.using_uris(uris).values_list("uri", flat=True))
    if len(used) < len(names):
        used |= (
            group_sources_using({media_uri(n) for n in names}) if in_groups is None else in_groups
        )
    return [name for name in names if media_uri(name) not in used]


def group_sources_using(uris: set[str]) -> set[str]:
    """Those of `uris` a source after the first of a FrameGroup uses: one read of every
    FrameGroup's sources (by a partial index), whatever the number of URIs."""
    used = set()
    groups = Frame.objects.exclude(sources=[]).values_list("sources", flat=True)
    for sources in groups.iterator(chunk_size=2000):
        used.update(source["uri"] for source in sources[1:] if source["uri"] in uris)
    return used


def remove_unused(names: list[str], run: JobRun | None = None) -> int:
    """Delete each unused file with its thumbnail; `names` may include thumbnails (checked by the
    file they belong to). Returns how many files went."""
    originals = {}
    for name in names:
        originals[_original_of(name) or name] = None
    removed = 0
    in_groups = group_sources_using({media_uri(name) for name in originals})
    for chunk in chunked(list(originals)):
        removed += _delete_with_thumbnails(unused(chunk, in_groups))
        if run is not None:
            run.progress(run.done + len(chunk))
    return removed


def _delete_with_thumbnails(names: list[str]) -> int:
    """Delete the files and their thumbnails; how many were there to delete."""
    removed = 0
    for name in names:
        for file in (name, thumb_name(name)):
            if default_storage.exists(file):
                default_storage.delete(file)
                removed += 1
    return removed


def _original_of(name: str) -> str | None:
    """The file a thumbnail belongs to; None when `name` is no thumbnail."""
    path = PurePosixPath(name)
    if path.parent.name != THUMBS or path.suffix != ".jpg":
        return None
    return str(path.parent.parent / path.stem)


def cleanup_work(run: JobRun) -> dict:
    params = run.job.params
    names = list(params["names"])
    for folder in params["folders"]:
        names.extend(walk(folder))
    run.progress(0, len(names), unit="files", message="Removing unused media files")
    removed = remove_unused(names, run)
    for folder in params["folders"]:
        remove_empty_dirs(folder)
    return {"removed": removed, "checked": len(names)}


@task()
def run_media_cleanup(job_id: int) -> str:
    return job_run(job_id, cleanup_work)


def _candidates(older_than: timedelta) -> Iterator[str]:
    cutoff = timezone.now() - older_than
    staging = {
        folder
        for scratch in Job.objects.filter(status__in=Job.ACTIVE).values_list("scratch", flat=True)
        for folder in scratch
    }
    for top in MANAGED_FOLDERS:
        for name in walk(top):
            if any(name.startswith(f"{folder}/") for folder in staging):
                continue  # a job is still writing or reading it
            if default_storage.get_modified_time(name) < cutoff:
                yield name


EXPORTS = "exports"


def expired_exports() -> list[str]:
    """Folders of exports (`exports/<job id>`) whose job finished more than EXPORT_KEEP_DAYS ago,
    or is gone; a running export's folder stays."""
    try:
        folders, _ = default_storage.listdir(EXPORTS)
    except FileNotFoundError:
        return []
    ids = {int(name) for name in folders if name.isdigit()}
    cutoff = timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS)
    kept = set(
        Job.objects.filter(pk__in=ids)
        .filter(Q(status__in=Job.ACTIVE) | Q(finished_at__gte=cutoff))
        .values_list("pk", flat=True)
    )
    return sorted(
        f"{EXPORTS}/{name}" for name in folders if not name.isdigit() or int(name) not in kept
    )


def media_gc(*, older_than: timedelta, dry_run: bool = False) -> dict:
    """Files in the managed folders that no frame uses, older than `older_than` (so an upload
    still on its way is never taken), and not in the folders of a running job. `unused` names
    each such file (a thumbnail goes with its original); `removed` counts files deleted."""
    names = list(_candidates(older_than))
    originals = sorted({_original_of(name) or name for name in names})
    with transaction.atomic():  # nothing to roll back; one connection for the reads
        orphans = unused(originals)
        removed = 0 if dry_run else _delete_with_thumbnails(orphans)
    if not dry_run:
        for top in MANAGED_FOLDERS:
            remove_empty_dirs(top)
    gone = set(orphans)
    files = [name for name in names if (_original_of(name) or name) in gone]
    expired = expired_exports()
    if not dry_run:
        removed += sum(delete_folder(folder) for folder in expired)
    return {"checked": len(names), "unused": files, "removed": removed, "expired_exports": expired}
