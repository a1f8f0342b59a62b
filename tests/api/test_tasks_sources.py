"""A task's filter with a `source_query` over the API: created, previewed, refused when broken, and
documented in the schema."""

import pytest
import yaml
from django.core.management import call_command

from annotations.models import AnnotationTask
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data, group_data, source_data

pytestmark = pytest.mark.django_db


def group(key: str, sources: list[tuple[str, int]]) -> dict:
    return group_data(
        key,
        [
            source_data(sid, width=w, height=w // 2, uri=f"https://example.com/{key}/{sid}.jpg")
            for sid, w in sources
        ],
    )


@pytest.fixture
def rig(db):
    """g1: front 1920 + rear 1280; g2: front 640 + left 1920; solo: one 640x480 source."""
    return VersionFactory(
        frames=[
            group("g1", [("front", 1920), ("rear", 1280)]),
            group("g2", [("front", 640), ("left", 1920)]),
            frame_data("solo"),
        ]
    )


def test_a_task_takes_a_source_query_and_returns_it(manager_api, rig):
    filters = [{"mode": "all", "source_query": "sources.id:front AND sources.width:>=1920"}]
    response = manager_api.post(
        "/api/tasks/", {"name": "Wide fronts", "version": rig.pk, "filters": filters}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["frame_count"] == 1
    assert body["filters"] == [
        {
            "mode": "all",
            "rules": [],
            "frame_query": "",
            "source_query": "sources.id:front AND sources.width:>=1920",
        }
    ]
    assert manager_api.get(f"/api/tasks/{body['id']}/").json()["filters"] == body["filters"]
    items = manager_api.get(f"/api/tasks/{body['id']}/items/").json()
    assert [item["frames"] for item in items["results"]] == [["g1"]]


def test_preview_counts_frames_with_a_matching_source(manager_api, rig):
    response = manager_api.post(
        f"/api/versions/{rig.pk}/preview/",
        {"filters": [{"source_query": "id:default OR width:1280"}]},
        format="json",
    )

    assert response.json() == {"matched": 2, "frame_count": 2, "frames": ["g1", "solo"]}


@pytest.mark.parametrize(
    ("source_query", "message"),
    [
        (
            "label:car",
            'Unknown field "label" at position 0; known: id, uri, width, height, meta.<key>',
        ),
        ("id:front AND width:[1 TO", "Unexpected end of query at position 24"),
    ],
)
def test_a_broken_source_query_is_400_naming_the_field_and_position(
    manager_api, rig, source_query, message
):
    response = manager_api.post(
        "/api/tasks/",
        {"name": "T", "version": rig.pk, "filters": [{"source_query": source_query}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"
    assert response.json()["errors"] == {"filters[0].source_query": [message]}
    assert not AnnotationTask.objects.exists()


def test_the_schema_documents_the_source_query(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())["components"]["schemas"]

    field = schema["FilterRequest"]["properties"]["source_query"]
    assert field["type"] == "string"
    assert "sources.<field>" in field["description"]
    assert "one of its sources" in field["description"]
