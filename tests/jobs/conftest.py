import pytest

from tests.api.conftest import token_client


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


@pytest.fixture
def annotator_api(annotator):
    return token_client(annotator)
