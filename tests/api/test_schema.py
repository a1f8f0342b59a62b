"""The OpenAPI schema: valid, warning-free, and documenting errors and pixel coordinates."""

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path != "/api/auth/token/":
                assert {"401", "403"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4") and path != "/api/auth/token/":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
                    assert {"code", "message"} <= set(component["properties"]), (path, code)


def test_conflicts_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert "409" in paths["/api/versions/{version_pk}/frames/{key}/"]["patch"]["responses"]
    assert "409" in paths["/api/versions/{id}/publish/"]["post"]["responses"]
    assert "409" in paths["/api/tasks/{id}/next/"]["post"]["responses"]
    assert "204" in paths["/api/tasks/{id}/next/"]["post"]["responses"]


def test_points_are_documented_as_image_pixels(schema):
    points = schema["components"]["schemas"]["Roi"]["properties"]["points"]
    assert "Pixel coordinates" in points["description"]
