"""Reads for the dataset pages: the dataset list, a dataset's version tree, jobs."""

from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from .models import Dataset, Job, Version

DATASETS_PER_PAGE = 50


def dataset_list() -> QuerySet[Dataset]:
    """Datasets with their version count, the newest version's frames and the last change."""
    newest = Version.objects.filter(dataset=OuterRef("pk")).order_by("-created_at", "-pk")
    return Dataset.objects.annotate(
        version_count=Count("versions"),
        newest_version_name=Subquery(newest.values("name")[:1]),
        newest_frame_count=Subquery(newest.values("frame_count")[:1]),
        last_change=Greatest("updated_at", Coalesce(Max("versions__updated_at"), "updated_at")),
    ).order_by("name")


def version_lineage(version: Version) -> list[int]:
    """The version's id and its ancestors', nearest first: the versions whose frame rows it may
    see (a fork shares its parent's rows; no other version's), and where a frame's history
    lives. No query for a root version, else one."""
    ids = [version.pk]
    parent_id = version.parent_id
    if parent_id is None:
        return ids
    parents = dict(
        Version.objects.filter(dataset_id=version.dataset_id).values_list("pk", "parent_id")
    )
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = parents.get(parent_id)
    return ids


@dataclass(frozen=True)
class TreeRow:
    version: Version
    depth: int


def version_tree(*, dataset: Dataset) -> list[TreeRow]:
    """The dataset's versions depth first, children under their parent, oldest first."""
    versions = list(
        Version.objects.filter(dataset=dataset)
        .select_related("created_by", "published_by")
        .order_by("created_at", "pk")
    )
    children: dict[int | None, list[Version]] = {}
    for version in versions:
        children.setdefault(version.parent_id, []).append(version)
    rows: list[TreeRow] = []
    stack = [(version, 0) for version in reversed(children.get(None, []))]
    while stack:
        version, depth = stack.pop()
        rows.append(TreeRow(version, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(version.pk, [])))
    return rows


def jobs_visible_to(user) -> QuerySet[Job]:
    """Everyone's jobs for those who may see them all (Managers), else the user's own."""
    jobs = Job.objects.select_related("created_by", "version", "version__dataset")
    if user.has_perm("datasets.view_job"):
        return jobs
    return jobs.filter(created_by=user)


def version_jobs(*, version: Version, limit: int = 5) -> list[Job]:
    """A version's running and queued jobs, then its most recent others, newest first."""
    jobs = Job.objects.filter(version=version).select_related("created_by")
    active = list(jobs.filter(status__in=Job.ACTIVE))
    recent = list(jobs.exclude(status__in=Job.ACTIVE)[:limit])
    return active + recent
