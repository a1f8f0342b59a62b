"""Annotation tasks over the API: create, preview, list, complete, delete, and the work queue."""

import pytest

from annotations.models import AnnotationTask, TaskItem
from annotations.services import task_complete, task_next
from datasets.models import Version
from frames.models import Frame
from tests.annotations.factories import AnnotatorFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .conftest import postgres_only, run_together, token_client

CARS = [{"mode": "by_label", "rules": [{"labels": ["car"]}]}]


def street(count=6, **kwargs) -> Version:
    frames = [
        frame_data(f"f{i}", context_id="cam1", timestamp=i, rois=[box("car" if i % 2 else "bus")])
        for i in range(count)
    ]
    return VersionFactory(frames=frames, **kwargs)


def counts() -> tuple[int, int, int]:
    return AnnotationTask.objects.count(), Version.objects.count(), TaskItem.objects.count()


# Creating


def test_a_task_on_a_published_version_works_on_a_new_draft_child(manager_api):
    source = street(published=True)
    response = manager_api.post(
        "/api/tasks/",
        {"name": "Cars", "version": source.pk, "filters": CARS, "iteration": {"order": "random"}},
        format="json",
    )
    assert response.status_code == 201
    task = response.json()
    child = Version.objects.get(pk=task["version"])
    assert (child.parent_id, child.name, child.is_draft) == (source.pk, "Cars", True)
    assert task["source_version"] == source.pk
    assert task["dataset"] == source.dataset_id
    assert (task["status"], task["frame_count"], task["done_count"]) == ("active", 3, 0)
    assert task["iteration"]["order"] == "random"
    assert task["iteration"]["seed"] is not None
    assert task["iteration"]["seed"] == AnnotationTask.objects.get().seed
    assert task["filters"][0]["rules"][0]["labels"] == ["car"]


def test_a_task_on_a_draft_works_in_place(manager_api):
    source = street()
    response = manager_api.post("/api/tasks/", {"name": "All", "version": source.pk}, format="json")
    assert response.json()["version"] == source.pk
    assert response.json()["frame_count"] == 6


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"filters": [{"mode": "by_label", "rules": [{"labels": ["zebra"]}]}]}, "no_frames", None),
        ({"filters": [{"mode": "sometimes"}]}, "invalid_filters", "filters[0].mode"),
        ({"filters": [{"frame_query": "colour:red"}]}, "invalid_query", "filters[0].frame_query"),
        ({"iteration": {"limit": 0}}, "invalid_iteration", "iteration.limit"),
        ({"name": " "}, "required", "name"),
    ],
)
def test_a_refused_task_is_400_with_its_code_and_leaves_nothing_behind(
    manager_api, body, code, field
):
    source = street(published=True)
    before = counts()
    response = manager_api.post(
        "/api/tasks/", {"name": "T", "version": source.pk} | body, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    if field:
        assert list(response.json()["errors"]) == [field]
    assert counts() == before


def test_a_task_on_an_unknown_version_is_400_naming_the_field(manager_api):
    response = manager_api.post("/api/tasks/", {"name": "T", "version": 999}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "does_not_exist")
    assert response.json()["message"].startswith("version:")


def test_preview_counts_without_creating_anything(manager_api):
    source = street(30)
    before = counts()
    response = manager_api.post(
        f"/api/versions/{source.pk}/preview/",
        {"filters": [], "iteration": {"limit": 25}},
        format="json",
    )
    assert response.json() == {
        "matched": 30,
        "frame_count": 25,
        "frames": sorted((f"f{i}" for i in range(20)), key=lambda key: int(key[1:])),
    }
    assert counts() == before


def test_preview_with_a_bad_query_is_400_invalid_query(manager_api):
    source = street()
    response = manager_api.post(
        f"/api/versions/{source.pk}/preview/",
        {"filters": [{"mode": "by_label", "rules": [{"query": "label:(car"}]}]},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_query")


def test_annotators_may_not_preview_as_they_may_not_create(annotator_api):
    source = street()
    response = annotator_api.post(f"/api/versions/{source.pk}/preview/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


# Reading


def test_tasks_filter_by_status_and_dataset_and_order_by_name(manager, annotator_api):
    first = make_task(street(), manager, "b")
    make_task(first.version, manager, "a")
    other = make_task(street(), manager, "c")
    task_complete(task=other, user=manager)
    active = annotator_api.get("/api/tasks/?status=active&ordering=name").json()
    assert [task["name"] for task in active["results"]] == ["a", "b"]
    by_dataset = annotator_api.get(f"/api/tasks/?dataset={other.version.dataset_id}").json()
    assert [task["name"] for task in by_dataset["results"]] == ["c"]
    assert annotator_api.get("/api/tasks/?status=paused").json()["code"] == "invalid_choice"


def test_the_task_list_costs_the_same_queries_for_2_or_8_tasks(
    manager, annotator_api, django_assert_num_queries
):
    version = street()
    for index in range(2):
        make_task(version, manager, f"t{index}")
    with django_assert_num_queries(4):  # token, permissions, count, page
        annotator_api.get("/api/tasks/")
    for index in range(2, 8):
        make_task(street(), manager, f"t{index}")
    with django_assert_num_queries(4):
        assert annotator_api.get("/api/tasks/").json()["count"] == 8


def test_items_list_the_stream_with_who_holds_what(manager, annotator, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=annotator)
    body = annotator_api.get(f"/api/tasks/{task.pk}/items/?page_size=2").json()
    assert body["count"] == 6
    assert body["results"] == [
        {
            "position": 0,
            "frames": ["f0"],
            "status": "claimed",
            "claimed_by": "annotator",
            "done_by": None,
        },
        {"position": 1, "frames": ["f1"], "status": "todo", "claimed_by": None, "done_by": None},
    ]
    assert body["next"]


def test_the_items_list_costs_the_same_queries_for_2_or_50_items(
    manager, annotator_api, django_assert_num_queries
):
    task = make_task(street(60), manager)
    for _ in range(10):
        task_next(task=task, user=AnnotatorFactory())
    # token, 2 permission queries, task, chunks, handed-out items
    with django_assert_num_queries(5):
        annotator_api.get(f"/api/tasks/{task.pk}/items/?page_size=2")
    with django_assert_num_queries(5):
        response = annotator_api.get(f"/api/tasks/{task.pk}/items/?page_size=50")
    assert len(response.json()["results"]) == 50


def test_one_item_and_an_unknown_one(manager, annotator_api):
    task = make_task(street(), manager)
    assert annotator_api.get(f"/api/tasks/{task.pk}/items/3/").json()["frames"] == ["f3"]
    missing = annotator_api.get(f"/api/tasks/{task.pk}/items/6/")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


# Working


def test_next_hands_out_the_first_free_item_with_its_full_frames(manager, annotator_api):
    task = make_task(street(), manager, filters=CARS)
    response = annotator_api.post(f"/api/tasks/{task.pk}/next/")
    assert response.status_code == 200
    body = response.json()
    assert body["position"] == 0
    [frame] = body["frames"]
    assert (frame["id"], frame["revision"]) == ("f1", 1)
    assert frame["rois"][0]["labels"] == ["car"]
    assert frame["image_url"] == f"/frames/{Frame.objects.get(key='f1').pk}/image/"


def test_next_gives_back_your_current_claim(manager, annotator_api):
    task = make_task(street(), manager)
    first = annotator_api.post(f"/api/tasks/{task.pk}/next/").json()
    again = annotator_api.post(f"/api/tasks/{task.pk}/next/").json()
    assert first["position"] == again["position"] == 0
    assert TaskItem.objects.count() == 1


def test_next_hands_out_clips_of_frames(manager, annotator_api):
    task = make_task(street(), manager, iteration={"clip_length": 4})
    body = annotator_api.post(f"/api/tasks/{task.pk}/next/").json()
    assert [frame["id"] for frame in body["frames"]] == ["f0", "f1", "f2", "f3"]


def test_next_is_204_when_nothing_is_left(manager, annotator, annotator_api):
    task = make_task(street(), manager, iteration={"limit": 1})
    task_next(task=task, user=manager)
    response = annotator_api.post(f"/api/tasks/{task.pk}/next/")
    assert response.status_code == 204
    assert not response.content


def test_next_on_a_completed_task_is_409(manager, annotator_api):
    task = make_task(street(), manager)
    task_complete(task=task, user=manager)
    response = annotator_api.post(f"/api/tasks/{task.pk}/next/")
    assert (response.status_code, response.json()["code"]) == (409, "task_completed")
    assert not TaskItem.objects.exists()


def test_done_marks_your_item_and_counts_its_frames(manager, annotator_api):
    task = make_task(street(), manager, iteration={"clip_length": 2})
    annotator_api.post(f"/api/tasks/{task.pk}/next/")
    response = annotator_api.post(f"/api/tasks/{task.pk}/items/0/done/")
    assert response.json() == {
        "position": 0,
        "frames": ["f0", "f1"],
        "status": "done",
        "claimed_by": "annotator",
        "done_by": "annotator",
    }
    assert annotator_api.get(f"/api/tasks/{task.pk}/").json()["done_count"] == 2


def test_done_on_an_item_not_handed_out_is_409(manager, annotator_api):
    task = make_task(street(), manager)
    response = annotator_api.post(f"/api/tasks/{task.pk}/items/2/done/")
    assert (response.status_code, response.json()["code"]) == (409, "item_not_claimed")
    assert not TaskItem.objects.exists()


def test_done_on_someone_elses_item_is_403_and_a_manager_may(manager, manager_api, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=AnnotatorFactory())
    refused = annotator_api.post(f"/api/tasks/{task.pk}/items/0/done/")
    assert refused.status_code == 403
    assert "claimed by someone else" in refused.json()["message"]
    assert TaskItem.objects.get().status == "claimed"
    assert manager_api.post(f"/api/tasks/{task.pk}/items/0/done/").json()["done_by"] == "manager"


def test_complete_then_complete_again_is_409(manager, manager_api):
    task = make_task(street(), manager)
    assert manager_api.post(f"/api/tasks/{task.pk}/complete/").json()["status"] == "completed"
    again = manager_api.post(f"/api/tasks/{task.pk}/complete/")
    assert (again.status_code, again.json()["code"]) == (409, "task_completed")


def test_deleting_a_task_keeps_its_version_and_annotations(manager, manager_api):
    task = make_task(street(published=True), manager)
    frames_before = Frame.objects.count()
    assert manager_api.delete(f"/api/tasks/{task.pk}/").status_code == 204
    assert not AnnotationTask.objects.exists()
    assert Version.objects.filter(pk=task.version_id).exists()
    assert Frame.objects.count() == frames_before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_next_never_hands_one_item_to_two_users(manager):
    task = make_task(street(40), manager)
    clients = [token_client(AnnotatorFactory()) for _ in range(8)]

    def work(client):
        def loop() -> list[int]:
            taken = []
            while (response := client.post(f"/api/tasks/{task.pk}/next/")).status_code == 200:
                position = response.json()["position"]
                taken.append(position)
                done = client.post(f"/api/tasks/{task.pk}/items/{position}/done/")
                assert done.status_code == 200, done.content
            assert response.status_code == 204, response.content
            return taken

        return loop

    taken = run_together(*(work(client) for client in clients))
    positions = [position for mine in taken for position in mine]
    assert sorted(positions) == list(range(40))
    task.refresh_from_db()
    assert task.done_count == 40


# Skip, release, assign


def item_url(task, position, verb) -> str:
    return f"/api/tasks/{task.pk}/items/{position}/{verb}/"


def test_skip_gives_the_item_back_and_next_never_returns_it(manager, annotator, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=annotator)
    response = annotator_api.post(item_url(task, 0, "skip"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["claimed_by"]) == ("todo", None)
    assert annotator_api.post(f"/api/tasks/{task.pk}/next/").json()["position"] == 1
    other = token_client(AnnotatorFactory())
    assert other.post(f"/api/tasks/{task.pk}/next/").json()["position"] == 0


def test_skipping_someone_elses_item_is_403_not_your_item(manager, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=AnnotatorFactory())
    response = annotator_api.post(item_url(task, 0, "skip"))
    assert (response.status_code, response.json()["code"]) == (403, "not_your_item")
    assert TaskItem.objects.get().status == TaskItem.Status.CLAIMED


def test_skipping_an_item_not_handed_out_is_409(manager, annotator_api):
    task = make_task(street(), manager)
    response = annotator_api.post(item_url(task, 3, "skip"))
    assert (response.status_code, response.json()["code"]) == (409, "item_not_claimed")


def test_a_manager_releases_a_held_item(manager, manager_api, annotator):
    task = make_task(street(), manager)
    task_next(task=task, user=annotator)
    response = manager_api.post(item_url(task, 0, "release"))
    assert response.status_code == 200
    assert TaskItem.objects.get().status == TaskItem.Status.TODO
    again = manager_api.post(item_url(task, 0, "release"))
    assert (again.status_code, again.json()["code"]) == (409, "item_not_held")


def test_annotators_may_not_release_or_assign(manager, annotator, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=AnnotatorFactory())
    assert annotator_api.post(item_url(task, 0, "release")).status_code == 403
    response = annotator_api.post(item_url(task, 0, "assign"), {"user": "annotator"})
    assert response.status_code == 403
    assert TaskItem.objects.get().claimed_by.username != "annotator"


def test_a_manager_assigns_an_item_by_username(manager, manager_api, annotator, annotator_api):
    task = make_task(street(), manager)
    task_next(task=task, user=AnnotatorFactory())
    response = manager_api.post(item_url(task, 0, "assign"), {"user": "annotator"}, format="json")
    assert response.status_code == 200
    assert response.json()["claimed_by"] == "annotator"
    assert annotator_api.post(f"/api/tasks/{task.pk}/next/").json()["position"] == 0


def test_assigning_to_an_unknown_user_is_400_naming_the_field(manager, manager_api, annotator):
    task = make_task(street(), manager)
    task_next(task=task, user=annotator)
    response = manager_api.post(item_url(task, 0, "assign"), {"user": "ghost"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_user")
    assert TaskItem.objects.get().claimed_by == annotator


def test_the_info_page_assigns_with_a_form_post_and_refreshes_its_holders(
    manager, client, annotator
):
    task = make_task(street(), manager)
    task_next(task=task, user=AnnotatorFactory())
    client.force_login(manager)
    response = client.post(  # as htmx sends a form
        item_url(task, 0, "assign"),
        "user=annotator",
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "task-items-changed" in response.headers["HX-Trigger"]
    assert TaskItem.objects.get().claimed_by == annotator
