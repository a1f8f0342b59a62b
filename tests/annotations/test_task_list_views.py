"""The task list: cards, filters from the URL, pagination, the menu per role."""

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import task_complete, task_item_done, task_next
from tests.annotations.factories import make_task
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import frame_data

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("annotations:task_list")
CREATE = reverse("annotations:task_create")


def card_names(response) -> list[str]:
    return [task.name for task in response.context["page"].object_list]


# The list


def test_anonymous_users_are_sent_to_the_login(client):
    for url in (LIST, CREATE, reverse("annotations:task_info", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_list_shows_a_card_with_progress_summary_and_order(
    manager_client, manager, annotator, street_version
):
    task = make_task(
        street_version,
        manager,
        name="Confident cars",
        filters=[
            {
                "mode": "by_label",
                "rules": [{"labels": ["car"], "confidence": [0.5, 1], "query": "meta.occluded:*"}],
            }
        ],
        iteration={"order": "random", "seed": 42},
    )
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)

    response = manager_client.get(LIST)

    assert response.status_code == 200
    html = response.text
    assert "Confident cars" in html
    assert reverse("annotations:task_annotate", args=[task.pk]) in html
    assert "By label: car, conf 0.5–1, ≥ 1 instance · + Lucene" in html
    assert "Random · seed 42" in html
    assert "<strong>1</strong> / 1 frames done" in html
    assert 'aria-valuenow="1"' in html
    assert f"{street_version.dataset.name}</span>" in html


def test_htmx_list_request_returns_only_the_card_grid(manager_client, manager, street_version):
    make_task(street_version, manager)

    response = manager_client.get(LIST, **HTMX)

    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="task-cards"')
    assert "Label cars" in response.text
    assert response["Vary"] == "HX-Request, Cookie" or "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(manager_client):
    response = manager_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert "<html" in response.text


def test_list_shows_active_tasks_by_default_and_completed_on_the_toggle(
    manager_client, manager, street_version
):
    make_task(street_version, manager, name="Running")
    task_complete(task=make_task(street_version, manager, name="Finished"), user=manager)

    assert card_names(manager_client.get(LIST)) == ["Running"]
    assert card_names(manager_client.get(LIST, {"status": "completed"}, **HTMX)) == ["Finished"]


def test_dataset_filter_keeps_tasks_of_that_dataset(manager_client, manager, street_version):
    other = VersionFactory(frames=[frame_data("x")], dataset=DatasetFactory(name="Other"))
    make_task(street_version, manager, name="Streets task")
    make_task(other, manager, name="Other task")

    response = manager_client.get(LIST, {"dataset": other.dataset_id}, **HTMX)

    assert card_names(response) == ["Other task"]


def test_mine_keeps_the_tasks_the_user_created(manager_client, manager, street_version):
    colleague = type(manager).objects.create_user("colleague")
    colleague.groups.set(manager.groups.all())
    make_task(street_version, manager, name="My task")
    make_task(street_version, colleague, name="Their task")

    assert card_names(manager_client.get(LIST, {"mine": "1"})) == ["My task"]
    assert sorted(card_names(manager_client.get(LIST, {"mine": ""}))) == ["My task", "Their task"]


def test_sort_by_name_or_most_recent_first(manager_client, manager, street_version):
    for name in ("b task", "a task", "c task"):
        make_task(street_version, manager, name=name)

    assert card_names(manager_client.get(LIST, {"sort": "name"})) == ["a task", "b task", "c task"]
    assert card_names(manager_client.get(LIST, {"sort": "recent"})) == [
        "c task",
        "a task",
        "b task",
    ]


def test_the_toolbar_shows_the_choices_from_the_url(manager_client, street_version):
    response = manager_client.get(
        LIST,
        {"status": "completed", "mine": "1", "sort": "name", "dataset": street_version.dataset_id},
    )

    html = response.text
    assert 'name="status" value="completed" checked' in html
    assert 'name="mine" value="1" checked' in html
    assert '<option value="name" selected>' in html
    assert f'<option value="{street_version.dataset_id}" selected>' in html
    assert 'hx-push-url="true"' in html


def test_unknown_filter_values_fall_back_to_the_defaults(manager_client, manager, street_version):
    make_task(street_version, manager, name="Running")

    response = manager_client.get(
        LIST, {"status": "bogus", "dataset": "abc", "mine": "x", "sort": "size"}
    )

    assert response.status_code == 200
    assert card_names(response) == ["Running"]


def test_no_task_at_all_shows_the_first_task_empty_state(manager_client):
    response = manager_client.get(LIST)

    assert "No annotation tasks yet" in response.text
    assert CREATE in response.text


def test_filters_matching_nothing_show_the_no_match_empty_state(
    manager_client, manager, street_version
):
    make_task(street_version, manager)

    response = manager_client.get(LIST, {"status": "completed"}, **HTMX)

    assert "No task matches" in response.text
    assert "No annotation tasks yet" not in response.text


def test_list_query_count_does_not_grow_with_cards(
    manager_client, manager, street_version, django_assert_num_queries
):
    def queries_for(count: int) -> int:
        AnnotationTask.objects.all().delete()
        for number in range(count):
            make_task(street_version, manager, name=f"task {number}")
        # session, user, the dataset chosen, page count, page rows, permissions
        with django_assert_num_queries(6) as captured:
            response = manager_client.get(LIST, {"dataset": street_version.dataset_id}, **HTMX)
        assert len(response.context["page"].object_list) == count
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(30)


def test_more_than_fifty_tasks_are_paginated(manager_client, manager, street_version):
    for number in range(52):
        make_task(street_version, manager, name=f"task {number:02}")

    first = manager_client.get(LIST, {"sort": "name"})
    second = manager_client.get(LIST, {"sort": "name", "page": "2"}, **HTMX)

    assert len(first.context["page"].object_list) == 50
    assert "sort=name" in first.text  # the pagination links keep the filters
    assert card_names(second) == ["task 50", "task 51"]


def test_annotators_see_no_complete_or_delete_in_the_menu(
    annotator_client, manager, street_version
):
    task = make_task(street_version, manager)

    html = annotator_client.get(LIST).text

    assert reverse("annotations:task_info", args=[task.pk]) in html
    assert reverse("annotations:task_complete", args=[task.pk]) not in html
    assert reverse("annotations:task_delete", args=[task.pk]) not in html
    assert "Add new annotation" not in html


def test_managers_see_complete_and_delete_in_the_menu(manager_client, manager, street_version):
    task = make_task(street_version, manager)

    html = manager_client.get(LIST).text

    assert reverse("annotations:task_complete", args=[task.pk]) in html
    assert reverse("annotations:task_delete", args=[task.pk]) in html


def test_user_text_is_escaped_on_the_cards(manager_client, manager, street_version):
    make_task(street_version, manager, name="<script>alert(1)</script>")

    html = manager_client.get(LIST).text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
