import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import task_next
from frames.models import Frame, Roi
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, group_data, source_data

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


def test_admin_shows_a_frame_groups_sources_and_each_rois_source(staff_client):
    sources = [source_data("front"), source_data("left")]
    VersionFactory(frames=[group_data("rig", sources, rois=[box("car", source="left")])])
    row = Frame.objects.get(key="rig")
    page = staff_client.get(reverse("admin:frames_frame_change", args=[row.pk]))
    assert "https://example.com/left.jpg" in page.text
    rois = staff_client.get(reverse("admin:frames_roi_changelist"))
    assert Roi.objects.get().source == "left"
    assert '<td class="field-source">left</td>' in rois.text
