"""Frame saves over the API: who may write what (403 `not_your_item`), locked ROIs (409
`roi_locked`), `updated_by`/`updated_at`, and a frame's history with a Manager's restore."""

import pytest

from annotations.services import frame_save, task_complete, task_item_done, task_next
from frames.services import version_fork
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .test_frames import frames_url, snapshot


@pytest.fixture
def task(manager):
    version = VersionFactory(frames=[frame_data(f"f{i}", rois=[box("car")]) for i in range(4)])
    return make_task(version, manager, "Street")


def patch(api, version, key, revision=1, **changes):
    changes.setdefault("rois", [box("bus")])
    return api.patch(frames_url(version, key), {"revision": revision, **changes}, format="json")


def history_url(version, key, revision=None) -> str:
    url = frames_url(version, key) + "history/"
    return url + (f"{revision}/restore/" if revision is not None else "")


# Who may write what


def test_an_annotator_patches_a_frame_of_their_item(task, annotator, annotator_api):
    task_next(task=task, user=annotator)
    response = patch(annotator_api, task.version, "f0")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["revision"], body["updated_by"]) == (2, annotator.username)
    assert body["updated_at"]


def test_an_annotator_patching_another_frame_is_403_not_your_item(task, annotator, annotator_api):
    task_next(task=task, user=annotator)
    before = snapshot(task.version)
    response = patch(annotator_api, task.version, "f1")
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_item"
    assert "“f1”" in response.json()["message"]
    assert snapshot(task.version) == before


def test_an_annotator_without_a_task_is_403_on_any_draft(annotator_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    before = snapshot(version)
    response = patch(annotator_api, version, "a")
    assert (response.status_code, response.json()["code"]) == (403, "not_your_item")
    assert snapshot(version) == before


def test_a_completed_tasks_frame_is_403_for_its_annotator(task, manager, annotator, annotator_api):
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    assert patch(annotator_api, task.version, "f0").status_code == 200
    task_complete(task=task, user=manager)
    before = snapshot(task.version)
    response = patch(annotator_api, task.version, "f0", revision=2)
    assert (response.status_code, response.json()["code"]) == (403, "not_your_item")
    assert snapshot(task.version) == before


def test_a_manager_patches_any_frame(task, manager_api):
    assert patch(manager_api, task.version, "f3").status_code == 200


def test_a_frame_someone_else_holds_is_403_and_the_holder_may_save(task, annotator, annotator_api):
    holder = AnnotatorFactory()
    task_next(task=task, user=holder)
    assert patch(annotator_api, task.version, "f0").status_code == 403
    from .conftest import token_client

    assert patch(token_client(holder), task.version, "f0").status_code == 200


def test_the_editor_session_gets_the_same_403(task, annotator_client):
    response = annotator_client.patch(
        frames_url(task.version, "f0"),
        {"revision": 1, "rois": []},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_your_item")


def test_an_annotators_save_costs_a_fixed_number_of_queries(
    task, annotator, annotator_api, django_assert_max_num_queries
):
    task_next(task=task, user=annotator)
    patch(annotator_api, task.version, "f0")
    # Token, user, permissions, then the save's own statements (see the service test).
    with django_assert_max_num_queries(19):
        response = patch(annotator_api, task.version, "f0", revision=2)
    assert response.status_code == 200


# Locked ROIs


def test_changing_a_locked_roi_is_409_roi_locked_naming_it(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car", id="r1", locked=True)])])
    before = snapshot(version)
    response = patch(manager_api, version, "a", rois=[box("car", id="r1", locked=True, x=90)])
    assert (response.status_code, response.json()["code"]) == (409, "roi_locked")
    assert "r1" in response.json()["message"]
    assert snapshot(version) == before
    response = patch(manager_api, version, "a", rois=[])
    assert (response.status_code, response.json()["code"]) == (409, "roi_locked")
    assert snapshot(version) == before


def test_unlocking_a_roi_is_allowed(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car", id="r1", locked=True)])])
    response = patch(manager_api, version, "a", rois=[box("car", id="r1", locked=False)])
    assert response.status_code == 200
    assert response.json()["rois"][0]["locked"] is False


# History


def test_the_history_lists_each_revision_with_user_time_and_change(manager, manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car", id="c")])])
    patch(manager_api, version, "a", rois=[box("car", id="c"), box("bus", id="b")])
    patch(manager_api, version, "a", revision=2, rois=[box("bus", id="b")], meta={"k": 1})
    response = manager_api.get(history_url(version, "a"))
    assert response.status_code == 200
    body = response.json()
    assert [(entry["revision"], entry["user"]) for entry in body] == [
        (1, None),
        (2, manager.username),
        (3, manager.username),
    ]
    assert all(entry["at"] for entry in body)
    assert body[1]["change"]["rois"] == {"added": ["b"], "changed": [], "removed": []}
    assert body[2]["change"] == {
        "rois": {"added": [], "changed": [], "removed": ["c"]},
        "meta": True,
    }


def test_annotators_read_the_history(annotator_api):
    version = VersionFactory(frames=[frame_data("a")])
    assert annotator_api.get(history_url(version, "a")).json() == []


def test_the_history_of_an_unknown_frame_is_404(annotator_api):
    version = VersionFactory(frames=[frame_data("a")])
    assert annotator_api.get(history_url(version, "zz")).status_code == 404


def test_a_key_with_a_slash_has_its_history(manager_api):
    version = VersionFactory(frames=[frame_data("cam/1")])
    patch(manager_api, version, "cam%2F1")
    assert len(manager_api.get(history_url(version, "cam%2F1")).json()) == 2


def test_a_forks_history_continues_its_parents(manager, manager_api):
    parent = VersionFactory(frames=[frame_data("a")])
    frame_save(version=parent, key="a", revision=1, user=manager, meta={"p": 1})
    parent.status = parent.Status.PUBLISHED
    parent.save()
    child = version_fork(version=parent, name="child")
    patch(manager_api, child, "a", revision=2)
    revisions = [entry["revision"] for entry in manager_api.get(history_url(child, "a")).json()]
    assert revisions == [1, 2, 3]


def test_a_manager_restores_a_revision_as_a_new_recorded_save(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    original = snapshot(version)[0]
    patch(manager_api, version, "a", rois=[box("bus")])
    response = manager_api.post(history_url(version, "a", 1), {"revision": 2}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 3
    assert body["rois"] == original["rois"]
    last = manager_api.get(history_url(version, "a")).json()[-1]
    assert (last["revision"], last["change"]["restored"]) == (3, 1)


def test_an_annotator_may_not_restore(manager_api, annotator_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    patch(manager_api, version, "a")
    before = snapshot(version)
    response = annotator_api.post(history_url(version, "a", 1), {"revision": 2}, format="json")
    assert response.status_code == 403
    assert snapshot(version) == before


def test_a_stale_restore_is_409_with_the_current_frame(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    patch(manager_api, version, "a")
    before = snapshot(version)
    response = manager_api.post(history_url(version, "a", 1), {"revision": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "stale_revision")
    assert response.json()["current"]["revision"] == 2
    assert snapshot(version) == before


def test_restoring_an_unrecorded_revision_is_404(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.post(history_url(version, "a", 5), {"revision": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_restore_needs_the_current_revision(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.post(history_url(version, "a", 1), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "required")
