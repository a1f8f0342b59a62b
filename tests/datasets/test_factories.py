"""VersionFactory goes through the import, fork and publish services."""

import pytest

from datasets.models import Version
from frames.models import VersionFrame
from tests.annotations.factories import ManagerFactory
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data


def test_a_version_made_with_frames_counts_them_and_sees_them(db):
    version = VersionFactory(frames=[frame_data("a"), frame_data("b")])
    assert version.frame_count == 2
    assert sorted(VersionFrame.objects.of(version).values_list("key", flat=True)) == ["a", "b"]


def test_a_published_version_is_published_by_a_manager_through_the_service(db):
    version = VersionFactory(published=True)
    assert version.is_published
    assert version.published_by.groups.filter(name="Managers").exists()


def test_a_published_version_names_the_publisher_given(db):
    lead = ManagerFactory()
    assert VersionFactory(published=True, published_by=lead).published_by == lead


def test_a_publisher_without_the_published_trait_is_refused(db):
    with pytest.raises(TypeError):
        VersionFactory(published_by=ManagerFactory())


def test_a_version_with_a_parent_is_a_fork_sharing_its_frames(db):
    parent = VersionFactory(frames=[frame_data("a")], published=True)
    child = VersionFactory(parent=parent, name="child")
    assert (child.dataset_id, child.is_draft, child.frame_count) == (parent.dataset_id, True, 1)
    assert (
        VersionFrame.objects.get(version=child).frame_id
        == VersionFrame.objects.get(version=parent).frame_id
    )


def test_a_built_version_writes_no_row(db):
    VersionFactory.build(published=True, frames=[frame_data("a")])
    assert Version.objects.count() == 0
