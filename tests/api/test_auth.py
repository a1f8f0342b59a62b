"""Who may call what: walks every API route, so a new route must be classified here."""

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask, TaskItem
from annotations.services import task_next
from config.api_urls import urlpatterns
from datasets.models import Dataset, Version
from frames.models import Frame, Roi, VersionFrame
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .conftest import token_client

# Routes Managers' permissions guard (name, method); an annotator gets 403 with a message.
MANAGER_ONLY = {
    ("dataset-list", "post"),
    ("dataset-detail", "patch"),
    ("dataset-detail", "delete"),
    ("version-detail", "patch"),
    ("version-publish", "post"),
    ("version-fork", "post"),
    ("version-frame-list", "post"),
    ("version-frame-detail", "delete"),
    ("version-upload-list", "post"),
    ("version-import-list", "post"),
    ("task-list", "post"),
    ("task-detail", "delete"),
    ("task-complete", "post"),
    ("task-item-release", "post"),
    ("task-item-assign", "post"),
    ("frame-history-restore", "post"),
    ("version-preview-list", "post"),
}
# Everything else an annotator may do: read, save frames, take and finish work.
ANNOTATOR_WRITES = {
    ("version-frame-detail", "patch"),
    ("task-next", "post"),
    ("task-item-done", "post"),
    ("task-item-skip", "post"),
    ("job-cancel", "post"),  # their own jobs only (tests/jobs)
    ("version-export-list", "post"),  # exporting is reading (tests/interchange)
}
# An annotator saves only frames of an item they hold: without one, 403 `not_your_item`.
ITEM_HOLDERS_ONLY = {("version-frame-detail", "patch")}
OPEN = {("api_token", "post")}


def api_routes() -> list[tuple[str, str]]:
    routes = []
    for pattern in urlpatterns:
        actions = getattr(pattern.callback, "actions", None)
        methods = list(actions) if actions else ["post" if pattern.name == "api_token" else "get"]
        routes += [(pattern.name, method) for method in methods]
    return routes


ROUTES = api_routes()
GUARDED = [route for route in ROUTES if route not in OPEN]


@pytest.fixture
def world(manager):
    version = VersionFactory(
        frames=[frame_data("a", rois=[box("car")]), frame_data("b")], published=True
    )
    task = make_task(version, manager, "Cars")
    return {"version": task.version, "task": task}


def url_for(name: str, world: dict) -> str:
    pattern = next(p for p in urlpatterns if p.name == name)
    kwargs = {}
    for group in pattern.pattern.regex.groupindex:
        if group == "pk":
            owner = {"dataset": world["version"].dataset, "version": world["version"]}
            kwargs["pk"] = owner.get(name.split("-")[0], world["task"]).pk
        else:
            kwargs[group] = {
                "version_pk": world["version"].pk,
                "task_pk": world["task"].pk,
                "key": "a",
                "frame_key": "a",
                "position": 0,
                "revision": 1,
            }[group]
    return reverse(name, kwargs=kwargs)


BODIES = {
    ("version-frame-detail", "patch"): {"revision": 1},
    ("frame-history-restore", "post"): {"revision": 1},
    ("task-item-assign", "post"): {"user": "manager"},
}


def call(client, name: str, method: str, world: dict):
    body = BODIES.get((name, method), {})
    return getattr(client, method)(url_for(name, world), body, format="json")


def state() -> list:
    """Everything a refused request must leave as it was."""
    return [
        list(Dataset.objects.values_list("pk", "name")),
        list(Version.objects.values_list("pk", "name", "status")),
        list(VersionFrame.objects.values_list("version_id", "key", "frame_id")),
        list(Frame.objects.values_list("pk", "revision")),
        Roi.objects.count(),
        list(AnnotationTask.objects.values_list("pk", "status", "done_count")),
        list(TaskItem.objects.values_list("pk", "status")),
    ]


def test_every_route_is_classified():
    unclassified = set(GUARDED) - MANAGER_ONLY - ANNOTATOR_WRITES
    assert all(method == "get" for _, method in unclassified), unclassified


@pytest.mark.parametrize(("name", "method"), GUARDED)
def test_anonymous_gets_401_everywhere(anonymous_api, world, name, method):
    before = state()
    response = call(anonymous_api, name, method, world)
    assert response.status_code == 401, (name, method, response.content)
    assert state() == before
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("name", "method"), sorted(MANAGER_ONLY))
def test_annotator_gets_403_with_a_message_on_manager_actions(annotator_api, world, name, method):
    before = state()
    response = call(annotator_api, name, method, world)
    assert response.status_code == 403, (name, method, response.content)
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "Managers" in body["message"]
    assert state() == before


@pytest.mark.parametrize(("name", "method"), sorted(ITEM_HOLDERS_ONLY))
def test_annotator_without_an_item_gets_403_not_your_item(annotator_api, world, name, method):
    before = state()
    response = call(annotator_api, name, method, world)
    assert (response.status_code, response.json()["code"]) == (403, "not_your_item")
    assert state() == before


@pytest.mark.parametrize(
    ("name", "method"), sorted(set(GUARDED) - MANAGER_ONLY - ITEM_HOLDERS_ONLY)
)
def test_annotator_may_read_save_frames_and_work(annotator_api, world, name, method):
    response = call(annotator_api, name, method, world)
    assert response.status_code not in (401, 403), (name, method, response.content)


@pytest.mark.parametrize(("name", "method"), GUARDED)
def test_manager_may_do_everything(manager_api, world, name, method):
    response = call(manager_api, name, method, world)
    assert response.status_code not in (401, 403), (name, method, response.content)


def test_a_user_without_a_group_may_not_even_read(django_user_model, world):
    nobody = django_user_model.objects.create_user("nobody", password="pw")
    response = token_client(nobody).get("/api/datasets/")
    assert response.status_code == 403


def test_the_browser_session_works_with_csrf(annotator, world, client):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(annotator)
    assert browser.get("/api/datasets/").status_code == 200
    url = f"/api/versions/{world['version'].pk}/frames/a/"
    refused = browser.patch(url, {"revision": 1}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    task_next(task=world["task"], user=annotator)  # holds frame "a": theirs to save
    browser.get("/api/datasets/")
    token = browser.cookies.get("csrftoken")
    if token is None:  # the API answers JSON, so no page set the cookie: ask Django for one
        from django.middleware.csrf import _get_new_csrf_string

        token = _get_new_csrf_string()
        browser.cookies["csrftoken"] = token
    saved = browser.patch(
        url, {"revision": 1}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert saved.status_code == 200, saved.content


def test_token_endpoint_answers_400_for_wrong_credentials(anonymous_api, annotator):
    response = anonymous_api.post(
        "/api/auth/token/", {"username": "annotator", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to log in with provided credentials."


def test_docs_are_served_from_our_own_static_files(annotator_api, world):
    page = annotator_api.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-dist" in html or "drf_spectacular_sidecar" in html
    assert "cdn" not in html.lower()
    schema = annotator_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/tasks/{id}/next/" in schema.json()["paths"]


@pytest.mark.parametrize("name", sorted({name for name, _ in GUARDED}))
def test_options_is_405_never_a_crash(manager_api, world, name):
    response = manager_api.options(url_for(name, world))
    assert response.status_code == 405, (name, response.content)
