"""schemathesis against the OpenAPI schema, in-process, once as a Manager and once as an Annotator:
every operation, a bounded number of generated requests each, no 5xx and no answer that breaks the
schema.

Each test (one operation, one role) seeds a small world: a Draft version with frames, a Published
one, a task the Annotator holds an item of. Generated requests aim at it: the path parameters, a
PATCH's `revision`, a task's `version` and an assignee are replaced by real ones, so requests get
past the 404 and 409 to the rules (`frames.validation`, `annotations.filters`, the import of
uploads); a part generated invalid on purpose (negative mode) is kept as it is.
Every request runs in a savepoint rolled back after it, so each example sees the same world.
"""

import json
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.services import frame_save, task_next
from tests.annotations.factories import AnnotatorFactory, ManagerFactory, make_task, street_frames
from tests.corpus import _png
from tests.datasets.factories import VersionFactory

EXAMPLES_PER_OPERATION = 25

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        # Fuzzing only: the coverage phase sends hundreds of boundary cases per operation.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        # Valid and invalid data; NUL bytes in text too (PostgreSQL cannot store them).
        "generation": {"mode": "all", "allow-x00": True},
    }
)


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)
schema.app = WSGIHandler()


@pytest.fixture
def in_process_requests():
    """Requests through the WSGI handler keep the test's connection and its transaction, as
    Django's test client does: no closing of "old" connections at request start and end."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, in_process_requests) -> dict:
    manager = ManagerFactory(username="manager")
    annotator = AnnotatorFactory(username="annotator")
    draft = VersionFactory(frames=street_frames(4))
    published = VersionFactory(frames=street_frames(2), published=True)
    task = make_task(draft, manager)
    item = task_next(task=task, user=annotator)  # the Annotator holds item 0
    key = item.frames[0]
    # A recorded save, so the frame has a history to list and a revision to restore.
    frame = frame_save(version=draft, key=key, revision=1, user=manager, meta={"seen": True})
    return {
        "tokens": {
            role: Token.objects.get_or_create(user=user)[0].key
            for role, user in (("manager", manager), ("annotator", annotator))
        },
        "annotator": annotator.username,
        "draft": draft,
        "published": published,
        "task": task,
        "position": item.position,
        "key": key,
        "revision": frame.revision,
        "earlier": frame.revision - 1,
    }


def aim(case, world: dict) -> None:
    """Point a case at the seeded objects: its path parameters and body fields, unless they were
    generated invalid on purpose (negative mode)."""
    path = case.path
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.PATH):
        aim_path(case.path_parameters or {}, path, world)
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        aim_body(case.body, path, world)


def aim_path(params: dict, path: str, world: dict) -> None:
    draft, published, task = world["draft"], world["published"], world["task"]
    if "version_pk" in params:
        params["version_pk"] = draft.pk
    if "key" in params:
        params["key"] = world["key"]
    if "frame_key" in params:
        params["frame_key"] = world["key"]
    if "revision" in params:
        params["revision"] = world["earlier"]
    if "task_pk" in params:
        params["task_pk"] = task.pk
    if "position" in params:
        params["position"] = world["position"]
    if "id" in params:
        if path.startswith("/api/datasets/"):
            params["id"] = draft.dataset_id
        elif path.startswith("/api/versions/"):
            params["id"] = published.pk if path.endswith("/fork/") else draft.pk
        elif path.startswith("/api/tasks/"):
            params["id"] = task.pk


def aim_body(body, path: str, world: dict) -> None:
    draft, published = world["draft"], world["published"]
    if isinstance(body, dict):
        if "revision" in body and isinstance(body["revision"], int):
            body["revision"] = world["revision"]
        if path == "/api/tasks/" and "version" in body:
            body["version"] = draft.pk if len(body.get("name", "")) % 2 else published.pk
        if (
            path.endswith("/assign/")
            and isinstance(body.get("user"), str)
            and len(body["user"]) % 2
        ):
            body["user"] = world["annotator"]
        if path.endswith("/uploads/") and body.get("files"):
            body["files"][0] = _png()


@pytest.mark.parametrize("role", ["manager", "annotator"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same requests every run; CI failures reproduce
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_without_5xx_and_as_documented(case, role, world):
    aim(case, world)
    headers = {"Authorization": f"Token {world['tokens'][role]}"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    if not reaches_operation(response.request.url, case):
        # A path parameter its route does not take (`/api/tasks/true/`), or one that makes the
        # URL another route's (a frame key swallows `…/history/x/restore/`): Django's own 404 page
        # (HTML), the other route's 404/405, or the 400 for NUL in the URL answers.
        assert 400 <= response.status_code < 500, response.text[:500]
        return
    case.validate_response(response, checks=CHECKS, headers=headers)


def reaches_operation(url: str, case) -> bool:
    """Whether the URL resolves to the route of the case's operation."""
    try:
        match = resolve(unquote(urlsplit(url).path))
    except Resolver404:
        return False
    names = {"id" if name == "pk" else name for name in match.kwargs}
    return names == set(case.path_parameters or {})
