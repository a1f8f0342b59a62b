"""Filter and preview statements stop after FILTER_STATEMENT_TIMEOUT_MS: 400 `query_too_slow`.

The timeout is set to 1 ms and the version holds a few thousand annotated frames, so a label
query with wildcards runs past it on both databases (no database function is reachable from a
filter; the data is what makes the statement slow).
"""

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from annotations.models import AnnotationTask, FilterMode
from annotations.services import task_preview
from datasets.models import Version
from tests.annotations.factories import make_task
from tests.annotations.form_posts import CREATE, HTMX, PREVIEW, form_data, rules
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db

FRAMES = 3000
SLOW = [{"mode": "by_label", "rules": [{"query": "label:*a*r* OR meta.note:*x*y*"}]}]


@pytest.fixture
def big_version():
    labels = ["car", "bus", "truck", "bike", "person", "van"]
    return VersionFactory(
        frames=[
            frame_data(
                f"f{index:05d}",
                rois=[
                    box(labels[(index + shift) % len(labels)], meta={"note": f"n{index}"})
                    for shift in range(3)
                ],
            )
            for index in range(FRAMES)
        ]
    )


@pytest.fixture
def manager_api(manager) -> APIClient:
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def one_millisecond(settings):
    settings.FILTER_STATEMENT_TIMEOUT_MS = 1


def test_a_preview_past_the_timeout_is_400_query_too_slow_with_advice(
    manager_api, big_version, one_millisecond
):
    response = manager_api.post(
        f"/api/versions/{big_version.pk}/preview/", {"filters": SLOW}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "query_too_slow"
    assert "0.001 s" in body["message"]
    assert "fewer wildcards" in body["message"]


def test_a_task_creation_past_the_timeout_is_400_and_creates_nothing(
    manager_api, big_version, one_millisecond
):
    response = manager_api.post(
        "/api/tasks/",
        {"name": "slow", "version": big_version.pk, "filters": SLOW},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (400, "query_too_slow")
    assert not AnnotationTask.objects.exists()
    assert Version.objects.count() == 1


def test_the_create_page_shows_query_too_slow_beside_the_form(
    manager_client, big_version, one_millisecond
):
    data = form_data(big_version, mode=FilterMode.BY_LABEL) | rules(
        {"query": SLOW[0]["rules"][0]["query"]}
    )

    response = manager_client.post(CREATE, data, **HTMX)

    assert response.status_code == 200
    assert "took longer than" in response.text
    assert not AnnotationTask.objects.exists()


def test_the_page_preview_shows_query_too_slow(manager_client, big_version, one_millisecond):
    data = form_data(big_version, mode=FilterMode.BY_LABEL) | rules(
        {"query": SLOW[0]["rules"][0]["query"]}
    )

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert response.status_code == 200
    assert "took longer than" in response.text


def test_a_preview_within_the_timeout_answers_and_leaves_the_connection_unlimited(
    manager, big_version, settings
):
    settings.FILTER_STATEMENT_TIMEOUT_MS = 1
    with pytest.raises(Exception, match="took longer"):
        task_preview(version=big_version, filters=SLOW, iteration={})
    settings.FILTER_STATEMENT_TIMEOUT_MS = 60_000

    preview = task_preview(version=big_version, filters=SLOW, iteration={})

    assert preview.matched == FRAMES // 2  # every other frame has a car
    make_task(big_version, manager, filters=SLOW)  # later statements run with no deadline


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_the_statement_timeout_is_put_back_after_the_filter_statements(big_version):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (before,) = cursor.fetchone()
        task_preview(version=big_version, filters=SLOW, iteration={})
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == (before,)
