"""Reads only the task pages need: versions to choose from, labels to suggest, a page of cards."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.paginator import Page, Paginator

from datasets.models import Version
from frames.selectors import version_labels as all_version_labels

from . import selectors
from .models import AnnotationTask

TASKS_PER_PAGE = 50
LABELS_SUGGESTED = 500


def version_options() -> list[Version]:
    """Every version, grouped by dataset name, oldest first within a dataset."""
    return list(Version.objects.select_related("dataset").order_by("dataset__name", "created_at"))


def version_labels(version: Version) -> list[str]:
    """Labels used in the version, for the label rows' suggestions (capped: it is a hint)."""
    return all_version_labels(version=version)[:LABELS_SUGGESTED]


def task_card_page(*, user, filters: dict, page: int | str | None) -> Page:
    """One page of cards; two queries (count, rows) whatever the page holds."""
    tasks = selectors.task_list(
        user=user,
        status=filters["status"],
        dataset=filters["dataset"],
        mine=filters["mine"] == "1",
        ordering=filters["sort"],
    )
    return Paginator(tasks, TASKS_PER_PAGE).get_page(page)


def has_any_task() -> bool:
    return AnnotationTask.objects.exists()


ASSIGNABLE_SHOWN = 500


def assignable_usernames() -> list[str]:
    """Active users who may work on tasks (directly, through a group, or superusers), sorted."""
    permission = Permission.objects.filter(
        codename="work_annotationtask", content_type__app_label="annotations"
    )
    users = get_user_model().objects.filter(is_active=True)
    allowed = (
        users.filter(is_superuser=True)
        | users.filter(user_permissions__in=permission)
        | users.filter(groups__permissions__in=permission)
    )
    return list(
        allowed.distinct()
        .order_by("username")
        .values_list("username", flat=True)[:ASSIGNABLE_SHOWN]
    )
