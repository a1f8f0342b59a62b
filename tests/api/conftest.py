import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.roles import ANNOTATORS, MANAGERS
from tests.conftest import make_user


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def manager_api(manager) -> APIClient:
    return token_client(manager)


@pytest.fixture
def annotator_api(annotator) -> APIClient:
    return token_client(annotator)


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def make_annotator(db):
    def make(name: str):
        return make_user(name, ANNOTATORS)

    return make


@pytest.fixture
def make_manager(db):
    def make(name: str):
        return make_user(name, MANAGERS)

    return make
