"""A task's Info: a dialog for htmx, a page without it."""

import pytest
from django.urls import reverse

from annotations.services import frame_save, task_item_done, task_next
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
    assert '<td>annotator</td><td class="num">1</td><td class="num">0</td>' in html


def test_info_without_htmx_is_a_page(annotator_client, manager, street_version):
    task = make_task(street_version, manager)

    response = annotator_client.get(reverse("annotations:task_info", args=[task.pk]))

    assert "<html" in response.text
    assert "Nobody has finished an item" in response.text
    assert "Nobody holds an item now." in response.text


# Holders and per-annotator counts


def info(client, task, **extra):
    return client.get(reverse("annotations:task_info", args=[task.pk]), **extra)


def test_info_lists_who_holds_which_item_with_release_and_assign_for_managers(
    manager_client, manager, annotator, street_version
):
    task = make_task(street_version, manager)
    task_next(task=task, user=annotator)
    html = info(manager_client, task, **HTMX).text
    assert 'data-holder="0"' in html
    assert "<td>annotator" in html
    assert f'hx-post="/api/tasks/{task.pk}/items/0/release/"' in html
    assert f'hx-post="/api/tasks/{task.pk}/items/0/assign/"' in html
    assert "<option selected>annotator</option>" in html
    assert "<option>manager</option>" in html


def test_annotators_see_the_holders_without_the_manager_controls(
    annotator_client, manager, annotator, street_version
):
    task = make_task(street_version, manager)
    task_next(task=task, user=annotator)
    html = info(annotator_client, task).text
    assert 'data-holder="0"' in html
    assert "/release/" not in html
    assert "/assign/" not in html


def test_the_holders_fragment_is_refreshed_alone(
    manager_client, manager, annotator, street_version
):
    task = make_task(street_version, manager)
    task_next(task=task, user=annotator)
    response = manager_client.get(
        reverse("annotations:task_info", args=[task.pk]) + "?part=holders", **HTMX
    )
    assert response.text.lstrip().startswith('<section class="info-section" id="task-holders"')
    assert "<dialog" not in response.text


def test_info_counts_items_done_and_saves_per_annotator(
    manager_client, manager, annotator, street_version
):
    task = make_task(street_version, manager)
    item = task_next(task=task, user=annotator)
    key = item.frames[0]
    frame_save(version=task.version, key=key, revision=1, user=annotator, meta={"x": 1})
    frame_save(version=task.version, key=key, revision=2, user=annotator, meta={"x": 2})
    task_item_done(task=task, position=item.position, user=annotator)
    html = info(manager_client, task).text
    assert '<td>annotator</td><td class="num">1</td><td class="num">2</td>' in html


def test_the_info_page_costs_the_same_queries_for_1_or_5_holders(
    manager_client, manager, street_version, django_assert_max_num_queries
):
    from tests.annotations.factories import AnnotatorFactory

    task = make_task(street_version, manager)
    for _ in range(5):
        task_next(task=task, user=AnnotatorFactory())
    with django_assert_max_num_queries(14):
        assert info(manager_client, task).status_code == 200
