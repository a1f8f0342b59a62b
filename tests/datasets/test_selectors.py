from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.services import version_publish
from datasets.models import Dataset, Version
from datasets.selectors import dataset_list, version_tree
from datasets.services import dataset_create
from frames.selectors import FRAMES_PER_PAGE, version_frame_page
from frames.services import frames_bulk_create, version_fork
from tests.annotations.factories import ManagerFactory
from tests.frames.factories import frame_data

pytestmark = pytest.mark.django_db


def published_root(name="cars", frames=2) -> Version:
    dataset = dataset_create(name=name)
    root = dataset.versions.get()
    frames_bulk_create(version=root, frames=[frame_data(f"f{i}") for i in range(frames)])
    return version_publish(version=root, user=ManagerFactory())


def test_dataset_list_counts_versions_and_frames_of_the_newest_version():
    root = published_root(frames=3)
    child = version_fork(version=root, name="v2")
    frames_bulk_create(version=child, frames=[frame_data("extra")])

    row = dataset_list().get()

    assert row.version_count == 2
    assert row.newest_version_name == "v2"
    assert row.newest_frame_count == 4


def test_dataset_list_last_change_is_the_latest_version_change():
    root = published_root()
    later = timezone.now() + timedelta(hours=1)
    Version.objects.filter(pk=root.pk).update(updated_at=later)

    assert dataset_list().get().last_change == later


def test_version_tree_puts_children_under_their_parent():
    root = published_root()
    first = version_fork(version=root, name="first")
    second = version_fork(version=root, name="second")
    version_publish(version=first, user=ManagerFactory())
    grandchild = version_fork(version=first, name="grandchild")

    rows = version_tree(dataset=root.dataset)

    assert [(row.version.name, row.depth) for row in rows] == [
        (root.name, 0),
        (first.name, 1),
        (grandchild.name, 2),
        (second.name, 1),
    ]


def test_version_frame_page_filters_by_context_id():
    dataset = dataset_create(name="clips")
    version = dataset.versions.get()
    frames_bulk_create(
        version=version,
        frames=[frame_data("a", context_id="left"), frame_data("b", context_id="right")],
    )
    version.refresh_from_db()

    page = version_frame_page(version=version, context_id="right")

    assert [frame.key for frame in page.object_list] == ["b"]
    assert page.paginator.count == 1


def test_version_frame_page_pages_in_sequence_order():
    dataset = dataset_create(name="long")
    version = dataset.versions.get()
    keys = [f"k{i:03d}" for i in range(FRAMES_PER_PAGE + 5)]
    frames_bulk_create(version=version, frames=[frame_data(key) for key in reversed(keys)])
    version.refresh_from_db()

    second = version_frame_page(version=version, page=2)

    assert [frame.key for frame in second.object_list] == keys[FRAMES_PER_PAGE:]
    assert second.paginator.num_pages == 2


def test_version_frame_page_out_of_range_shows_the_last_page():
    version = published_root(frames=1)

    page = version_frame_page(version=version, page="99")

    assert page.number == 1
    assert Dataset.objects.count() == 1
