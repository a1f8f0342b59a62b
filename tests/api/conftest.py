import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


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


# SQLite's in-memory test database is shared between threads through its "shared cache", where a
# second writer fails at once with "database table is locked" instead of waiting as it does on the
# file database the app uses; so thread races run on PostgreSQL only.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="thread races need PostgreSQL (see conftest)"
)


def run_together(*calls) -> list:
    """Run the calls in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
