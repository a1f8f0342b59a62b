"""The OpenAPI schema: valid, warning-free, documenting errors and pixel coordinates, and the real
input shapes (ROIs per type, filters, iteration) with their documented bounds."""

import pytest
import yaml
from django.core.management import call_command

from annotations.filters import MAX_FILTERS, MAX_RULES
from annotations.models import AnnotationTask, FilterMode
from frames.models import SHAPE_TYPES
from frames.validation import (
    MAX_ANNOTATIONS,
    MAX_LABEL_LENGTH,
    MAX_LABELS,
    MAX_META_BYTES,
    MAX_META_DEPTH,
    MAX_POINTS,
)
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


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


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def referenced(schema, property_schema: dict) -> dict:
    """The component a property points at (directly or through allOf)."""
    ref = property_schema.get("$ref") or property_schema["allOf"][0]["$ref"]
    return component(schema, ref.rsplit("/", 1)[1])


def test_roi_input_is_one_of_the_shape_types_each_with_its_point_counts(schema):
    roi = component(schema, "RoiInputRequest")
    mapping = roi["discriminator"]["mapping"]
    assert set(mapping) == {kind.value for kind in SHAPE_TYPES}
    assert len(roi["oneOf"]) == len(SHAPE_TYPES)
    counts = {}
    for kind, ref in mapping.items():
        shape = component(schema, ref.rsplit("/", 1)[1])
        assert referenced(schema, shape["properties"]["type"])["enum"] == [kind]
        points = shape["properties"]["points"]
        assert (points["items"]["minItems"], points["items"]["maxItems"]) == (2, 2)  # [x, y]
        assert points["items"]["items"]["minimum"] == 0  # pixels from the image's edge
        counts[kind] = (points.get("minItems"), points.get("maxItems"))
    assert counts == {
        "box": (2, 2),
        "ellipse": (2, 2),
        "polygon": (3, MAX_POINTS),
        "polyline": (2, MAX_POINTS),
        "keypoints": (1, MAX_POINTS),
        "mask": (None, None),  # the server computes a mask's bounding box
    }


def test_shapes_document_rotation_source_and_masks_in_pixels(schema):
    box = component(schema, "BoxRoiRequest")["properties"]
    ellipse = component(schema, "EllipseRoiRequest")["properties"]
    for rotation in (box["rotation"], ellipse["rotation"]):
        assert (rotation["minimum"], rotation["maximum"]) == (-360, 360)
        assert "clockwise" in rotation["description"]
    assert "rotation" not in component(schema, "PolygonRoiRequest")["properties"]
    mask = component(schema, "MaskRoiRequest")
    assert "mask" in mask["required"]
    assert "COCO RLE" in mask["properties"]["mask"]["description"]
    assert (
        "Pixel coordinates"
        in component(schema, "PolylineRoiRequest")["properties"]["points"]["description"]
    )
    assert "source" in box
    assert "source" in component(schema, "Roi")["required"]


def test_roi_answers_name_their_type_from_the_shape_types(schema):
    roi_type = referenced(schema, component(schema, "Roi")["properties"]["type"])
    assert roi_type["enum"] == [kind.value for kind in SHAPE_TYPES]


def test_annotation_fields_carry_the_documented_bounds(schema):
    for name in ("BoxRoiRequest", "FrameLabelRequest"):
        properties = component(schema, name)["properties"]
        assert properties["labels"]["maxItems"] == MAX_LABELS
        assert properties["labels"]["items"]["maxLength"] == MAX_LABEL_LENGTH
        assert (properties["confidence"]["minimum"], properties["confidence"]["maximum"]) == (0, 1)
        assert properties["color"]["pattern"] == "^#[0-9a-fA-F]{6}$"
        assert properties["meta"]["type"] == "object"
        assert f"{MAX_META_BYTES:,} bytes" in properties["meta"]["description"]
        assert f"at most {MAX_META_DEPTH} deep" in properties["meta"]["description"]


def test_a_frame_patch_needs_its_revision_and_takes_nothing_else(schema):
    operation = schema["paths"]["/api/versions/{version_pk}/frames/{key}/"]["patch"]
    body = referenced(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["revision"]
    assert body["additionalProperties"] is False
    assert body["properties"]["rois"]["items"]["$ref"].endswith("/RoiInputRequest")
    assert body["properties"]["rois"]["maxItems"] == MAX_ANNOTATIONS
    assert body["properties"]["frame_labels"]["maxItems"] == MAX_ANNOTATIONS


def test_a_bulk_import_describes_frames_with_typed_rois(schema):
    operation = schema["paths"]["/api/versions/{version_pk}/frames/"]["post"]
    frames = operation["requestBody"]["content"]["application/json"]["schema"]
    frame = referenced(schema, frames["items"])
    assert frame["properties"]["rois"]["items"]["$ref"].endswith("/RoiInputRequest")
    assert set(referenced(schema, frame["properties"]["source"])["required"]) == {
        "uri",
        "width",
        "height",
    }
    sources = frame["properties"]["sources"]
    assert sources["items"]["$ref"].endswith("/SourceRequest")
    assert "id" in referenced(schema, sources["items"])["required"]


def test_filter_modes_and_iteration_orders_are_the_models_choices(schema):
    task = component(schema, "TaskCreateRequest")
    assert task["properties"]["filters"]["maxItems"] == MAX_FILTERS
    filter_ = referenced(schema, task["properties"]["filters"]["items"])
    assert referenced(schema, filter_["properties"]["mode"])["enum"] == FilterMode.values
    assert filter_["properties"]["rules"]["maxItems"] == MAX_RULES
    rule = referenced(schema, filter_["properties"]["rules"]["items"])
    assert set(rule["properties"]) == {"labels", "query", "confidence", "count", "exclude"}
    assert rule["additionalProperties"] is False
    iteration = referenced(schema, task["properties"]["iteration"])
    assert referenced(schema, iteration["properties"]["order"])["enum"] == (
        AnnotationTask.Order.values
    )
    assert set(iteration["properties"]) == {"order", "seed", "limit", "clip_length"}


def test_the_labels_of_a_version_are_one_list_of_strings(schema):
    operation = schema["paths"]["/api/versions/{version_pk}/labels/"]["get"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"type": "array", "items": {"type": "string"}}


def test_the_labels_endpoint_answers_what_its_schema_says(manager_api):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car"), box("bus")])])
    response = manager_api.get(f"/api/versions/{version.pk}/labels/")
    assert response.status_code == 200
    assert response.json() == ["bus", "car"]


def test_uploads_skip_release_assign_and_restore_are_described(schema):
    paths = schema["paths"]
    upload = paths["/api/versions/{version_pk}/uploads/"]["post"]["requestBody"]["content"]
    form = referenced(schema, upload["multipart/form-data"]["schema"])
    assert form["properties"]["files"]["items"]["format"] == "binary"
    items = "/api/tasks/{task_pk}/items/{position}"
    for action in ("skip", "release", "assign"):
        assert "409" in paths[f"{items}/{action}/"]["post"]["responses"]
    assign = paths[f"{items}/assign/"]["post"]["requestBody"]["content"]["application/json"]
    assert referenced(schema, assign["schema"])["required"] == ["user"]
    restore = paths["/api/versions/{version_pk}/frames/{frame_key}/history/{revision}/restore/"]
    body = restore["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert referenced(schema, body)["required"] == ["revision"]
