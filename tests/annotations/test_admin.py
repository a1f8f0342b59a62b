import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import task_next
from tests.annotations.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client


@pytest.fixture
def task(street_version, manager, annotator):
    task = make_task(street_version, manager, "Admin task")
    task_next(task=task, user=annotator)
    return task


def test_admin_lists_tasks_with_progress(staff_client, task):
    response = staff_client.get(reverse("admin:annotations_annotationtask_changelist"))
    assert response.status_code == 200
    assert "0 / 6 frames (0 %)" in response.text


def test_admin_shows_a_task_and_its_queue_read_only(staff_client, task):
    response = staff_client.get(reverse("admin:annotations_annotationtask_change", args=[task.pk]))
    assert response.status_code == 200
    assert "a1" in response.text
    assert 'name="name"' not in response.text


def test_admin_complete_action_completes_through_the_service(staff_client, task):
    response = staff_client.post(
        reverse("admin:annotations_annotationtask_changelist"),
        {"action": "complete", "_selected_action": [task.pk]},
        follow=True,
    )
    assert "Completed 1 task(s)." in response.text
    task.refresh_from_db()
    assert task.status == AnnotationTask.Status.COMPLETED
