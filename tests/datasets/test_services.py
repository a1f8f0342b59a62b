import pytest
from django.core.exceptions import ValidationError

from annotations.services import version_publish
from config.errors import ConflictError
from datasets.models import Dataset, Version
from datasets.services import dataset_create, unique_version_name, version_update
from tests.annotations.factories import ManagerFactory
from tests.datasets.factories import VersionFactory

pytestmark = pytest.mark.django_db


def test_new_dataset_starts_with_one_empty_draft_root_version():
    dataset = dataset_create(name="Streets")
    (root,) = dataset.versions.all()
    assert root.parent is None
    assert root.is_draft
    assert root.frame_count == 0


def test_dataset_names_are_unique():
    dataset_create(name="Streets")
    with pytest.raises(ValidationError) as error:
        dataset_create(name="Streets")
    assert error.value.error_dict["name"][0].code == "unique"
    assert Dataset.objects.count() == 1


def test_publish_freezes_the_version():
    version = VersionFactory()
    version_publish(version=version, user=ManagerFactory())
    version.refresh_from_db()
    assert version.is_published
    assert version.published_at is not None


def test_publishing_twice_is_refused():
    version = VersionFactory(published=True)
    with pytest.raises(ConflictError) as error:
        version_publish(version=version, user=version.published_by)
    assert error.value.code == "version_published"


def test_a_published_version_cannot_be_renamed():
    version = VersionFactory(name="frozen", published=True)
    with pytest.raises(ConflictError) as error:
        version_update(version=version, name="new name")
    assert error.value.code == "version_published"
    version.refresh_from_db()
    assert version.name == "frozen"


def test_unique_version_name_adds_a_suffix_when_taken():
    version = VersionFactory(name="Task")
    VersionFactory(dataset=version.dataset, name="Task (2)")
    assert unique_version_name(dataset=version.dataset, name="Task") == "Task (3)"
    assert unique_version_name(dataset=version.dataset, name="Other") == "Other"
    assert Version.objects.count() == 2


def test_dataset_names_longer_than_200_characters_are_refused():
    with pytest.raises(ValidationError) as error:
        dataset_create(name="x" * 201)
    assert error.value.error_dict["name"][0].code == "max_length"
    assert not Dataset.objects.exists()


@pytest.mark.parametrize(
    ("write", "field"),
    [
        (lambda: dataset_create(name="Str\x00eets"), "name"),
        (lambda: dataset_create(name="Streets", description="a\x00"), "description"),
        (lambda: version_update(version=VersionFactory(), name="v\x002"), "name"),
        (lambda: version_update(version=VersionFactory(), description="\x00"), "description"),
    ],
)
def test_nul_in_names_and_descriptions_is_refused_naming_the_field(write, field):
    with pytest.raises(ValidationError) as error:
        write()
    assert error.value.error_dict[field][0].code == "nul_character"
    assert Dataset.objects.filter(name__startswith="Str").count() == 0
