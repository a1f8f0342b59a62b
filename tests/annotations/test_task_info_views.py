"""A task's Info: a dialog for htmx, a page without it."""

import pytest
from django.urls import reverse

from annotations.services import task_item_done, task_next
from tests.annotations.factories import make_task
from tests.datasets.factories import publish

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# Info


def test_info_shows_version_filter_as_typed_iteration_counts_and_workers(
    manager_client, manager, annotator, street_version
):
    published = publish(street_version)
    task = make_task(
        published,
        manager,
        name="Occluded cars",
        filters=[
            {
                "mode": "by_label",
                "rules": [{"labels": ["car"], "query": 'meta.occluded:true OR type:"box"'}],
                "frame_query": "context_id:cam1",
            }
        ],
        iteration={"order": "random", "seed": 5, "limit": 2, "clip_length": 0},
    )
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_next(task=task, user=manager)

    response = manager_client.get(reverse("annotations:task_info", args=[task.pk]), **HTMX)

    html = response.text
    assert "<html" not in html
    assert "data-modal" in html
    assert task.version.get_absolute_url() in html
    assert f'forked from <a href="{published.get_absolute_url()}">' in html
    assert "meta.occluded:true OR type:&quot;box&quot;" in html
    assert "context_id:cam1" in html
    assert "≥ 1 instance" in html
    assert "Random seed</dt><dd>5</dd>" in html
    assert "at most 2" in html
    assert "Claimed now</dt><dd>1 item</dd>" in html
    assert "annotator, manager" in html


def test_info_without_htmx_is_a_page(annotator_client, manager, street_version):
    task = make_task(street_version, manager)

    response = annotator_client.get(reverse("annotations:task_info", args=[task.pk]))

    assert "<html" in response.text
    assert "nobody yet" in response.text
