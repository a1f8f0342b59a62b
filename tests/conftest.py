import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from annotations.roles import ANNOTATORS, MANAGERS, sync_groups


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes a second per user on this machine; tests need no strong hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def make_user(username: str, group: str) -> User:
    if not Group.objects.filter(name=group).exists():
        # Transactional tests flush the database afterwards, groups from migrations included.
        sync_groups(apps, None)
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager(db) -> User:
    return make_user("manager", MANAGERS)


@pytest.fixture
def annotator(db) -> User:
    return make_user("annotator", ANNOTATORS)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def annotator_client(client, annotator):
    client.force_login(annotator)
    return client
