"""Datasets and versions over the API: shapes, errors with their codes, bounded queries."""

from datasets.models import Dataset, Version
from datasets.services import dataset_create
from tests.annotations.factories import make_task
from tests.datasets.factories import DatasetFactory, VersionFactory
from tests.frames.factories import frame_data


def test_a_new_dataset_answers_with_its_draft_root_version(manager_api):
    response = manager_api.post(
        "/api/datasets/", {"name": "Streets", "description": "cams"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Streets"
    assert [(v["name"], v["status"]) for v in body["versions"]] == [("v1", "draft")]
    assert body["created_by"] is not None


def test_a_taken_dataset_name_is_400_unique_and_creates_nothing(manager_api, manager):
    dataset_create(name="Streets", user=manager)
    response = manager_api.post("/api/datasets/", {"name": "Streets"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unique"
    assert body["errors"]["name"]
    assert "Streets" in body["message"]
    assert Dataset.objects.count() == 1
    assert Version.objects.count() == 1


def test_a_blank_dataset_name_is_400_required(manager_api):
    response = manager_api.post("/api/datasets/", {"name": "  "}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "required")
    assert not Dataset.objects.exists()


def test_a_missing_field_is_400_naming_it(manager_api):
    response = manager_api.post("/api/datasets/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "required"
    assert response.json()["message"].startswith("name:")


def test_a_dataset_is_renamed_with_patch(manager_api, manager):
    dataset = dataset_create(name="Streets", user=manager)
    response = manager_api.patch(f"/api/datasets/{dataset.pk}/", {"name": "Roads"}, format="json")
    assert response.status_code == 200
    assert Dataset.objects.get().name == "Roads"


def test_deleting_a_dataset_removes_its_versions_and_frames(manager_api):
    version = VersionFactory(frames=[frame_data("a")], published=True)
    response = manager_api.delete(f"/api/datasets/{version.dataset_id}/")
    assert response.status_code == 204
    assert not Dataset.objects.exists()
    assert not Version.objects.exists()


def test_an_unknown_dataset_is_404_in_the_one_error_shape(annotator_api):
    response = annotator_api.get("/api/datasets/999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"]


def test_put_is_not_offered(manager_api, manager):
    dataset = dataset_create(name="Streets", user=manager)
    response = manager_api.put(f"/api/datasets/{dataset.pk}/", {"name": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")


def test_the_dataset_list_costs_the_same_queries_for_2_or_12_datasets(
    annotator_api, django_assert_num_queries
):
    for index in range(2):
        dataset_create(name=f"d{index}")
    # token, user permissions, group permissions, count, page, versions
    with django_assert_num_queries(5):
        assert annotator_api.get("/api/datasets/").json()["count"] == 2
    for index in range(2, 12):
        dataset_create(name=f"d{index}")
    with django_assert_num_queries(5):
        assert len(annotator_api.get("/api/datasets/?page_size=100").json()["results"]) == 12


def test_lists_paginate_with_page_and_page_size_up_to_1000(annotator_api):
    for index in range(3):
        DatasetFactory(name=f"d{index}")
    body = annotator_api.get("/api/datasets/?page=2&page_size=2").json()
    assert body["count"] == 3
    assert [d["name"] for d in body["results"]] == ["d2"]
    assert body["previous"]
    assert body["next"] is None
    assert annotator_api.get("/api/datasets/?page=9").status_code == 404


def test_versions_filter_by_dataset_and_carry_parent_status_and_frame_count(annotator_api):
    parent = VersionFactory(frames=[frame_data("a"), frame_data("b")], published=True)
    VersionFactory(frames=[frame_data("c")])
    body = annotator_api.get(f"/api/versions/?dataset={parent.dataset_id}").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["status"] == "published"
    assert row["frame_count"] == 2
    assert row["parent"] is None
    assert row["dataset"] == parent.dataset_id


def test_a_bad_version_filter_is_400(annotator_api):
    response = annotator_api.get("/api/versions/?dataset=abc")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_the_version_list_costs_the_same_queries_for_2_or_10_versions(
    annotator_api, django_assert_num_queries
):
    for _ in range(2):
        VersionFactory(frames=[])
    with django_assert_num_queries(4):  # token, permissions, count, page
        annotator_api.get("/api/versions/")
    for _ in range(8):
        VersionFactory(frames=[])
    with django_assert_num_queries(4):
        assert annotator_api.get("/api/versions/").json()["count"] == 10


def test_publish_freezes_the_version(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.post(f"/api/versions/{version.pk}/publish/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["published_at"]


def test_publishing_a_version_an_active_task_uses_is_409_unless_forced(manager_api, manager):
    version = VersionFactory(frames=[frame_data("a")])
    make_task(version, manager, "T")
    refused = manager_api.post(f"/api/versions/{version.pk}/publish/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "version_in_use"
    assert "“T”" in refused.json()["message"]
    version.refresh_from_db()
    assert version.is_draft
    forced = manager_api.post(
        f"/api/versions/{version.pk}/publish/", {"force": True}, format="json"
    )
    assert forced.json()["status"] == "published"


def test_publishing_twice_is_409_version_published(manager_api):
    version = VersionFactory(frames=[frame_data("a")], published=True)
    response = manager_api.post(f"/api/versions/{version.pk}/publish/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "version_published")


def test_fork_answers_201_with_the_draft_child(manager_api):
    parent = VersionFactory(frames=[frame_data("a")], published=True)
    response = manager_api.post(f"/api/versions/{parent.pk}/fork/", {"name": "v2"}, format="json")
    assert response.status_code == 201
    child = response.json()
    assert (child["parent"], child["status"], child["frame_count"]) == (parent.pk, "draft", 1)


def test_forking_a_draft_is_409_version_draft_and_creates_nothing(manager_api):
    draft = VersionFactory(frames=[frame_data("a")])
    response = manager_api.post(f"/api/versions/{draft.pk}/fork/", {"name": "v2"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "version_draft")
    assert Version.objects.count() == 1


def test_forking_under_a_taken_name_is_400_unique(manager_api):
    parent = VersionFactory(frames=[frame_data("a")], published=True)
    response = manager_api.post(
        f"/api/versions/{parent.pk}/fork/", {"name": parent.name}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "unique")
    assert Version.objects.count() == 1


def test_renaming_a_published_version_is_409(manager_api):
    version = VersionFactory(frames=[], published=True)
    response = manager_api.patch(f"/api/versions/{version.pk}/", {"name": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "version_published")
    version.refresh_from_db()
    assert version.name != "x"


def test_nul_in_a_dataset_name_is_400_naming_the_field_and_creates_nothing(manager_api):
    response = manager_api.post("/api/datasets/", {"name": "Str\x00eets"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")
    assert response.json()["message"].startswith("name: ")
    assert not Dataset.objects.exists()


def test_nul_in_a_version_filter_is_400(annotator_api):
    response = annotator_api.get("/api/versions/?dataset=1%00")
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")
