"""Exports as jobs: a version's frames (all, those filters select, or a task's) in one format.

`export_start` checks the request at once (format, scope, permission) and queues the job; the
worker streams the scope's records (`frames.exports`) into the format's writer
(`frames.formats`), which writes into a file of the media storage, `exports/<job id>/<name>`.
The job's result names the download (`GET /api/jobs/<id>/download/`) and the writer's report
(every shape written, converted or skipped). A failed or cancelled export leaves no file.

Scopes and their order: the whole version or the frames filters select (the filters of task
creation and preview) in sequential order (context_id, timestamp, key, as tasks and pages order
them); a task's frames in the task's order (its chunks of items).
"""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tasks import task

from annotations.filters import clean_filters, filters_as_json, filters_q
from annotations.models import AnnotationTask, TaskChunk
from annotations.sql import QueryTooSlow, filter_deadline, tune_for_big_reads
from config.bulk import gc_paused
from datasets.jobs import JobRun, job_create, job_enqueue, job_run
from datasets.models import Job, Version
from frames.exports import (
    Snapshot,
    read_snapshot,
    records_by_keys,
    storage_output,
    version_records,
)
from frames.formats import Report, Writer
from frames.formats.coco import CocoResultsWriter, CocoWriter
from frames.formats.hyperlabel import HyperlabelWriter
from frames.formats.names import safe_stem
from frames.formats.voc import VocWriter
from frames.formats.yolo import YoloWriter
from frames.models import VersionFrame
from frames.selectors import version_labels

# Format → its writer and the name people know it by.
FORMATS: dict[str, tuple[type[Writer], str]] = {
    "hyperlabel": (HyperlabelWriter, "Hyperlabel JSON"),
    "coco": (CocoWriter, "COCO"),
    "coco-results": (CocoResultsWriter, "COCO results"),
    "yolo": (YoloWriter, "YOLO"),
    "voc": (VocWriter, "Pascal VOC"),
}
EXPORT_FORMATS = tuple(FORMATS)
PROGRESS_EVERY = 1000  # frames between progress notes (each also checks for a cancel)
DOWNLOAD_URL = "/api/jobs/{id}/download/"


def writer_class(format: str) -> type[Writer]:
    if format not in FORMATS:
        raise ValidationError(
            {
                "format": ValidationError(
                    "format is one of %(formats)s; got %(format)r.",
                    code="invalid_format",
                    params={"formats": ", ".join(EXPORT_FORMATS), "format": format},
                )
            }
        )
    return FORMATS[format][0]


@dataclass(frozen=True)
class ExportPlan:
    """A checked export: what `export_work` (or the command line) needs."""

    format: str
    filters: list[dict] | None
    task: AnnotationTask | None
    include_images: bool
    zipped: bool
    file_name: str

    def params(self) -> dict:
        return {
            "format": self.format,
            "filters": self.filters,
            "task": self.task.pk if self.task else None,
            "include_images": self.include_images,
            "zipped": self.zipped,
            "file_name": self.file_name,
        }


def export_plan(
    *, version: Version, format: str, filters=None, task=None, include_images: bool = False
) -> ExportPlan:
    """Check an export's settings, naming the bad field (`ValidationError`)."""
    writer = writer_class(format)
    if task is not None and filters:
        raise ValidationError(
            "Export a task's frames or the frames filters select, not both.", code="invalid_scope"
        )
    filters = filters_as_json(clean_filters(filters)) if filters else None
    task = _task_of(version, task)
    zipped = bool(include_images) or writer.extension == ".zip"
    extension = ".zip" if zipped else writer.extension
    return ExportPlan(
        format=format,
        filters=filters,
        task=task,
        include_images=bool(include_images),
        zipped=zipped,
        file_name=file_name(version, format, task=task, extension=extension),
    )


def export_start(
    *,
    version: Version,
    user,
    format: str,
    filters=None,
    task: AnnotationTask | int | None = None,
    include_images: bool = False,
) -> Job:
    """Check the export and queue its job. Reading is enough: anyone who may see the version."""
    if not user.has_perm("datasets.view_version"):
        raise PermissionDenied("You may not read this version, so you may not export it.")
    plan = export_plan(
        version=version, format=format, filters=filters, task=task, include_images=include_images
    )
    task = plan.task
    with transaction.atomic():
        job = job_create(
            kind=Job.Kind.EXPORT,
            title=_title(version, plan),
            user=user,
            version=version,
            params=plan.params(),
            total=task.frame_count if task else (None if plan.filters else version.frame_count),
            unit="frames",
        )
        folder = f"exports/{job.pk}"
        job.params["file"] = f"{folder}/{plan.file_name}"
        job.scratch = [folder]
        job.save(update_fields=["params", "scratch"])
        job_enqueue(job, run_export)
    return job


def _task_of(version: Version, task) -> AnnotationTask | None:
    if task is None:
        return None
    if not isinstance(task, AnnotationTask):
        task = AnnotationTask.objects.filter(pk=task).first()
        if task is None:
            raise ValidationError({"task": ValidationError("No such task.", code="no_task")})
    if task.version_id != version.pk:
        raise ValidationError(
            {
                "task": ValidationError(
                    "Task “%(task)s” works on another version; export it from that one.",
                    code="task_not_in_version",
                    params={"task": task.name},
                )
            }
        )
    return task


def file_name(version: Version, format: str, *, task=None, extension: str) -> str:
    """`<dataset>-<version>[-<task>]-<format><ext>`, safe on every file system."""
    parts = [version.dataset.name, version.name, *([task.name] if task else []), format]
    safe = [safe_stem(part, limit=60, default="export") for part in parts]
    return "-".join(safe) + extension


def _title(version: Version, plan: ExportPlan) -> str:
    task = plan.task
    scope = f", task “{task.name}”" if task else (", filtered" if plan.filters else "")
    with_images = " with images" if plan.include_images else ""
    return (
        f"Export of {version.dataset.name} / {version.name}{scope} "
        f"as {FORMATS[plan.format][1]}{with_images}"
    )


def _scope(version: Version, params: dict, snapshot: Snapshot) -> tuple[int | None, Iterator[dict]]:
    """How many frames (when known), and their records in order."""
    if params.get("task"):
        task = AnnotationTask.objects.filter(pk=params["task"]).first()
        if task is None:
            raise ValidationError("The task was deleted before its export ran.", code="no_task")
        return task.frame_count, records_by_keys(version, _task_keys(task), snapshot=snapshot)
    memberships = VersionFrame.objects.of(version)
    if not params.get("filters"):
        return version.frame_count, version_records(memberships.sequential(), snapshot=snapshot)
    memberships = memberships.filter(filters_q(clean_filters(params["filters"]), version))
    try:
        with filter_deadline():
            total = memberships.count()
    except QueryTooSlow:
        raise ValidationError(
            "The filters took too long to run over this version; narrow them.",
            code="query_too_slow",
        ) from None
    return total, version_records(memberships.sequential(), snapshot=snapshot)


def _task_keys(task: AnnotationTask) -> Iterator[str]:
    chunks = TaskChunk.objects.filter(task=task).order_by("index").values_list("items", flat=True)
    for items in chunks.iterator(chunk_size=20):
        for item in items:
            yield from item


def write_export(
    *, version: Version, params: dict, output, progress: Callable[..., None] = lambda *a, **k: None
) -> Report:
    """Stream the scope's records into the format's writer over `output`; the writer's report.

    `progress(done, total=None, message=…)` is called every PROGRESS_EVERY frames (a job's
    `run.progress`, which raises once the job is cancelled). The output is closed in any case.
    """
    writer_type = writer_class(params["format"])
    # Records are freed by reference counting as they are written; collection passes over
    # the chunk in hand made reading five times slower.
    try:
        with gc_paused(), read_snapshot() as snapshot:
            tune_for_big_reads()
            version = Version.objects.get(pk=version.pk)  # as of the snapshot
            total, records = _scope(version, params, snapshot)
            progress(0, total, message="Reading the frames")
            labels = sorted(version_labels(version=version)) if writer_type.uses_labels else []
            writer = writer_type(output, labels=labels, include_images=params["include_images"])
            with closing(records):  # on an error too: its cursor and read-ahead thread end now
                for done, record in enumerate(records, start=1):
                    writer.write(record)
                    if done % PROGRESS_EVERY == 0:
                        progress(done, message=f"Wrote {done:,} frames")
            return writer.close(lambda message: progress(total, message=message))
    finally:
        output.close()  # a failed export's partial file goes with the job's folder


def export_work(run: JobRun) -> dict:
    job = run.job
    if job.version is None:
        raise ValidationError("The version was deleted before its export ran.", code="no_version")
    params = job.params
    output = storage_output(params["file"], zipped=params["zipped"])
    report = write_export(version=job.version, params=params, output=output, progress=run.progress)
    frames = report.frames
    noun = "frame" if frames == 1 else "frames"
    run.progress(frames, frames, unit="frames", message=f"Exported {frames:,} {noun}.")
    return {
        "download": DOWNLOAD_URL.format(id=job.pk),
        "file_name": params["file_name"],
        "report": report.as_dict(),
    }


@task()
def run_export(job_id: int) -> str:
    return job_run(job_id, export_work)
