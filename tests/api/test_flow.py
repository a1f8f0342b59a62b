"""One client walks the whole life of a dataset through the API, as a training pipeline would."""

from rest_framework.test import APIClient

from tests.frames.factories import box, frame_data


def login(username: str) -> APIClient:
    api = APIClient()
    response = api.post(
        "/api/auth/token/", {"username": username, "password": f"pw-{username}"}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def test_token_dataset_frames_publish_task_next_patch_done_complete(manager, annotator):
    boss, worker = login("manager"), login("annotator")

    dataset = boss.post("/api/datasets/", {"name": "Streets"}, format="json")
    assert dataset.status_code == 201, dataset.content
    [root] = dataset.json()["versions"]
    assert root["status"] == "draft"

    frames = [
        frame_data(f"f{i}", context_id="cam1", timestamp=i, rois=[box("car" if i % 2 else "bus")])
        for i in range(6)
    ]
    created = boss.post(f"/api/versions/{root['id']}/frames/", frames, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == {"created": 6}

    published = boss.post(f"/api/versions/{root['id']}/publish/", {}, format="json")
    assert published.json()["status"] == "published"

    task = boss.post(
        "/api/tasks/",
        {
            "name": "Cars",
            "version": root["id"],
            "filters": [{"mode": "by_label", "rules": [{"labels": ["car"]}]}],
            "iteration": {"order": "random"},
        },
        format="json",
    )
    assert task.status_code == 201, task.content
    task = task.json()
    assert task["source_version"] == root["id"]
    assert task["frame_count"] == 3
    assert isinstance(task["iteration"]["seed"], int)
    child = boss.get(f"/api/versions/{task['version']}/").json()
    assert (child["parent"], child["status"], child["name"]) == (root["id"], "draft", "Cars")

    item = worker.post(f"/api/tasks/{task['id']}/next/")
    assert item.status_code == 200, item.content
    [frame] = item.json()["frames"]
    assert frame["rois"][0]["labels"] == ["car"]

    saved = worker.patch(
        f"/api/versions/{child['id']}/frames/{frame['id']}/",
        {"revision": frame["revision"], "rois": [box("truck")]},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["revision"] == frame["revision"] + 1
    assert saved.json()["rois"][0]["labels"] == ["truck"]

    done = worker.post(f"/api/tasks/{task['id']}/items/{item.json()['position']}/done/")
    assert done.json()["status"] == "done"
    assert done.json()["done_by"] == "annotator"
    assert boss.get(f"/api/tasks/{task['id']}/").json()["done_count"] == 1

    completed = boss.post(f"/api/tasks/{task['id']}/complete/")
    assert completed.json()["status"] == "completed"
    refused = worker.post(f"/api/tasks/{task['id']}/next/")
    assert (refused.status_code, refused.json()["code"]) == (409, "task_completed")

    parent_frame = boss.get(f"/api/versions/{root['id']}/frames/{frame['id']}/").json()
    assert parent_frame["rois"][0]["labels"] == ["car"]
