import pytest
from django.contrib.auth.models import User

from tests.annotations.factories import AnnotatorFactory, ManagerFactory
from tests.job_runner import Jobs, empty_queue


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes a second per user on this machine; tests need no strong hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def manager(db) -> User:
    """A Manager whose password is "pw-manager"."""
    return ManagerFactory(username="manager")


@pytest.fixture
def annotator(db) -> User:
    """An Annotator whose password is "pw-annotator"."""
    return AnnotatorFactory(username="annotator")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def annotator_client(client, annotator):
    client.force_login(annotator)
    return client


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Queue the jobs a request starts, then run them with the real worker code (see job_runner)."""
    empty_queue()
    return Jobs(django_capture_on_commit_callbacks)
