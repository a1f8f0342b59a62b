"""DELETE /api/datasets/{id}/: a dataset an Active task works on goes only with `force`."""

from annotations.models import AnnotationTask
from datasets.models import Dataset, Version
from frames.models import Frame
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


def streets():
    return VersionFactory(frames=[frame_data("a", rois=[box("car")]), frame_data("b")])


def test_deleting_a_dataset_an_active_task_uses_is_409_and_deletes_nothing(manager_api, manager):
    version = streets()
    make_task(version, manager, name="Label cars")

    response = manager_api.delete(f"/api/datasets/{version.dataset_id}/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "dataset_in_use"
    assert "“Label cars”" in body["message"]
    assert Dataset.objects.count() == 1
    assert Version.objects.count() == 1
    assert Frame.objects.count() == 2
    assert AnnotationTask.objects.count() == 1


def test_deleting_a_dataset_with_force_deletes_it_and_its_tasks(manager_api, manager):
    version = streets()
    make_task(version, manager)

    response = manager_api.delete(f"/api/datasets/{version.dataset_id}/?force=true")

    assert response.status_code == 204
    assert not Dataset.objects.exists()
    assert not Frame.objects.exists()
    assert not AnnotationTask.objects.exists()


def test_a_dataset_whose_tasks_are_completed_is_deleted_without_force(manager_api, manager):
    version = streets()
    make_task(version, manager, completed=True)

    response = manager_api.delete(f"/api/datasets/{version.dataset_id}/")

    assert response.status_code == 204
    assert not Dataset.objects.exists()


def test_an_annotator_cannot_delete_a_dataset_even_with_force(annotator_api):
    version = streets()

    response = annotator_api.delete(f"/api/datasets/{version.dataset_id}/?force=true")

    assert response.status_code == 403
    assert Dataset.objects.count() == 1


def test_a_force_that_is_not_a_boolean_is_400_naming_it(manager_api):
    version = streets()

    response = manager_api.delete(f"/api/datasets/{version.dataset_id}/?force=maybe")

    assert response.status_code == 400
    assert response.json()["errors"]["force"]
    assert Dataset.objects.count() == 1


def test_the_schema_documents_the_force_parameter_and_the_409(manager_api):
    schema = manager_api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/datasets/{id}/"]["delete"]

    assert "force" in [parameter["name"] for parameter in operation["parameters"]]
    assert "409" in operation["responses"]
