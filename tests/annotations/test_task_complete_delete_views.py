"""Complete and Delete: the confirmation, the write, the grid again, refusals."""

import json

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import task_complete
from tests.annotations.factories import make_task

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("annotations:task_list")


def htmx_from(url: str) -> dict:
    """Headers of an htmx request sent from the page at `url`."""
    return {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{url}"}


def toast_of(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


def card_names(response) -> list[str]:
    return [task.name for task in response.context["page"].object_list]


# Complete and delete


def test_complete_confirmation_names_the_task(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.get(reverse("annotations:task_complete", args=[task.pk]), **HTMX)

    assert "Complete “Cars”?" in response.text
    assert ">Confirm</button>" in response.text
    assert "<html" not in response.text


def test_complete_through_htmx_refreshes_the_grid_closes_the_dialog_and_toasts(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")
    make_task(street_version, manager, name="Buses")
    page = f"{LIST}?sort=name"

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(page)
    )

    task.refresh_from_db()
    assert task.status == AnnotationTask.Status.COMPLETED
    assert task.completed_by == manager
    assert card_names(response) == ["Buses"]
    assert '<div id="dialog-slot" hx-swap-oob="true"></div>' in response.text
    assert (
        toast_of(response)["message"] == "Task “Cars” completed; it is listed under Completed now."
    )


def test_completing_the_last_active_task_shows_the_empty_state(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager)

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(LIST)
    )

    assert "No task matches" in response.text


def test_complete_without_javascript_redirects_with_a_message(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), follow=True
    )

    assert response.redirect_chain == [(LIST, 302)]
    assert "Task “Cars” completed" in response.text


def test_completing_a_completed_task_explains_in_the_dialog(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")
    task_complete(task=task, user=manager)

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(LIST)
    )

    assert response["HX-Retarget"] == "#dialog-slot"
    assert "is completed, so it is read-only" in response.text


def test_annotators_may_not_complete(annotator_client, manager, street_version):
    task = make_task(street_version, manager)
    url = reverse("annotations:task_complete", args=[task.pk])

    assert annotator_client.get(url, **HTMX).status_code == 403
    response = annotator_client.post(url, **htmx_from(LIST))

    assert response.status_code == 403
    assert "You do not have permission to complete annotation tasks." in response.text
    assert ">Confirm</button>" not in response.text
    task.refresh_from_db()
    assert task.is_active


def test_delete_through_htmx_removes_the_card(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.post(
        reverse("annotations:task_delete", args=[task.pk]), **htmx_from(LIST)
    )

    assert not AnnotationTask.objects.exists()
    assert card_names(response) == []
    assert "No annotation tasks yet" in response.text
    assert toast_of(response)["message"] == "Task “Cars” deleted; its version and annotations stay."


def test_delete_confirmation_says_the_version_stays(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.get(reverse("annotations:task_delete", args=[task.pk]))

    assert "<html" in response.text
    assert "Delete “Cars”?" in response.text
    assert f"Version “{street_version.name}” and every annotation" in response.text


def test_annotators_may_not_delete(annotator_client, manager, street_version):
    task = make_task(street_version, manager)

    response = annotator_client.post(reverse("annotations:task_delete", args=[task.pk]))

    assert response.status_code == 403
    assert "You do not have permission to delete annotation tasks." in response.text
    assert AnnotationTask.objects.filter(pk=task.pk).exists()


def test_a_missing_task_is_a_404(manager_client):
    assert manager_client.get(reverse("annotations:task_info", args=[999])).status_code == 404
    assert manager_client.post(reverse("annotations:task_delete", args=[999])).status_code == 404
