"""Request limits: bodies bounded before parsing (413 `too_large`), ids beyond 64 bits are 404,
NUL in URLs and query parameters is refused, filters are bounded."""

import io

import orjson
import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from annotations.models import AnnotationTask
from config.api import JSONParser, nul_field
from config.errors import BodyTooLarge
from frames.models import Frame, Roi
from frames.selectors import frame_as_dict, frame_get
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

HUGE = "99999999999999999999"  # 20 digits, beyond 64 bits
JUST_BEYOND = str(2**63)  # 19 digits, one past the largest bigint


@pytest.fixture
def version(db):
    return VersionFactory(frames=[frame_data("f0", rois=[box("car")]), frame_data("f1")])


def frames_url(version, key=None) -> str:
    return f"/api/versions/{version.pk}/frames/" + (f"{key}/" if key else "")


# Body size


@override_settings(API_MAX_BODY_BYTES=1000)
def test_a_patch_body_over_the_limit_is_413_naming_the_limit_and_changes_nothing(
    manager_api, version
):
    before = frame_as_dict(frame_get(version=version, key="f0"))
    body = {"revision": 1, "meta": {"note": "x" * 2000}}
    response = manager_api.patch(frames_url(version, "f0"), body, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1,000 bytes" in response.json()["message"]
    assert "API_MAX_BODY_BYTES" in response.json()["message"]
    assert frame_as_dict(frame_get(version=version, key="f0")) == before


@override_settings(API_MAX_BODY_BYTES=1000)
def test_a_body_under_the_limit_is_parsed(manager_api, version):
    response = manager_api.patch(
        frames_url(version, "f0"), {"revision": 1, "meta": {"note": "ok"}}, format="json"
    )
    assert response.status_code == 200, response.content


@override_settings(API_MAX_BODY_BYTES=1000)
def test_the_limit_holds_for_every_json_endpoint(manager_api, version):
    response = manager_api.post("/api/datasets/", {"name": "x" * 2000}, format="json")
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


@override_settings(API_MAX_BODY_BYTES=100)
def test_a_body_without_content_length_is_read_only_to_the_limit():
    stream = io.BytesIO(b"[" + b"1," * 10_000 + b"1]")
    with pytest.raises(BodyTooLarge) as caught:
        JSONParser().parse(stream, parser_context={"view": None, "request": None})
    assert caught.value.status_code == 413
    assert stream.tell() == 101  # one byte past the limit, not the whole body


@override_settings(API_MAX_BODY_BYTES=1000, API_MAX_BULK_BODY_BYTES=100_000)
def test_a_bulk_import_takes_bodies_up_to_its_own_limit(manager_api, version):
    frames = [frame_data(f"n{index}", rois=[box("car")]) for index in range(30)]
    response = manager_api.post(frames_url(version), frames, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 30}


@override_settings(API_MAX_BODY_BYTES=100_000, API_MAX_BULK_BODY_BYTES=1000)
def test_a_bulk_import_over_its_limit_is_413_naming_the_bulk_setting(manager_api, version):
    frames = [frame_data(f"n{index}") for index in range(30)]
    response = manager_api.post(frames_url(version), frames, format="json")
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert "API_MAX_BULK_BODY_BYTES" in response.json()["message"]
    assert Frame.objects.count() == 2


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_upload_form_fields_over_djangos_limit_are_413(manager_api, version):
    response = manager_api.post(
        f"/api/versions/{version.pk}/uploads/", {"context_id": "c" * 2000}, format="multipart"
    )
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["message"]


# NUL


def test_nul_anywhere_in_a_json_body_is_400_naming_the_place(manager_api, version):
    body = {"revision": 1, "rois": [box("car"), box("ca\x00r")]}
    response = manager_api.patch(frames_url(version, "f0"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
    assert response.json()["message"].startswith("rois[1].labels[0]: ")
    assert Roi.objects.count() == 1


def test_nul_field_names_keys_and_values_and_ignores_an_escaped_backslash():
    assert nul_field({"a": [{"b": "x"}, {"c\x00": 1}]}) == "a[1].c\\u0000"
    assert nul_field([[1, "\x00"]]) == "[0][1]"
    assert nul_field(orjson.loads(rb'{"text": "\\u0000"}')) is None


def test_a_literal_backslash_u0000_is_not_nul(manager_api, version):
    body = rb'{"revision": 1, "meta": {"note": "\\u0000"}}'
    response = manager_api.patch(frames_url(version, "f0"), body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["meta"] == {"note": "\\u0000"}


@pytest.mark.parametrize("query", ["?q=id:a%00", "?context_id=a%00", "?a%00=1"])
def test_nul_in_a_query_parameter_is_400(manager_api, version, query):
    response = manager_api.get(frames_url(version) + query)
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")


def test_nul_in_a_frame_key_in_the_url_is_404(manager_api, version):
    response = manager_api.get(frames_url(version, "f%000"))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = manager_api.patch(frames_url(version, "f%000"), {"revision": 1}, format="json")
    assert response.status_code == 404


# Ids beyond 64 bits


@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND, "9" * 5000])
@pytest.mark.parametrize(
    "url",
    [
        "/api/datasets/{n}/",
        "/api/versions/{n}/",
        "/api/versions/{n}/frames/",
        "/api/versions/{n}/frames/f0/",
        "/api/versions/{n}/labels/",
        "/api/tasks/{n}/",
        "/api/tasks/{n}/items/",
        "/api/tasks/{task}/items/{n}/",
    ],
)
def test_api_ids_beyond_64_bits_are_404(manager_api, manager, version, url, number):
    task = make_task(version, manager)
    response = manager_api.get(url.format(n=number, task=task.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND])
def test_api_writes_to_ids_beyond_64_bits_are_404(manager_api, number):
    assert (
        manager_api.patch(
            f"/api/versions/{number}/frames/f0/", {"revision": 1}, format="json"
        ).status_code
        == 404
    )
    assert manager_api.post(f"/api/tasks/{number}/next/").status_code == 404
    assert (
        manager_api.post(f"/api/versions/{number}/preview/", {}, format="json").status_code == 404
    )


@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND])
@pytest.mark.parametrize(
    "url",
    [
        "/datasets/{n}/",
        "/datasets/versions/{n}/",
        "/datasets/versions/{n}/upload/",
        "/frames/{n}/image/",
        "/frames/{n}/thumb/",
        "/tasks/{n}/info/",
        "/tasks/{n}/annotate/",
    ],
)
def test_page_ids_beyond_64_bits_are_404(manager_client, url, number):
    assert manager_client.get(url.format(n=number)).status_code == 404


def test_page_ids_up_to_64_bits_still_resolve(manager_client, version):
    frame = Frame.objects.get(key="f0")
    assert manager_client.get(f"/frames/{frame.pk}/thumb/").status_code != 404
    assert manager_client.get(f"/datasets/versions/{version.pk}/").status_code == 200
    assert manager_client.get(f"/datasets/{2**63 - 1}/").status_code == 404  # fits, no such row


# Filters


def preview(client, version, filters):
    return client.post(f"/api/versions/{version.pk}/preview/", {"filters": filters}, format="json")


def test_twenty_filters_of_twenty_rules_are_accepted(manager_api, version):
    rules = [{"labels": ["car"]}] * 20
    response = preview(manager_api, version, [{"mode": "by_label", "rules": rules}] * 20)
    assert response.status_code == 200, response.content


def test_more_than_twenty_filters_is_400_naming_the_field(manager_api, version):
    response = preview(manager_api, version, [{"mode": "all"}] * 21)
    assert (response.status_code, response.json()["code"]) == (400, "too_many_filters")
    assert response.json()["message"].startswith("filters: At most 20 filters; got 21.")


def test_more_than_twenty_rules_is_400_naming_the_filter(manager_api, version):
    rules = [{"labels": ["car"]}] * 21
    filters = [{"mode": "all"}, {"mode": "by_label", "rules": rules}]
    response = manager_api.post(
        "/api/tasks/", {"name": "T", "version": version.pk, "filters": filters}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "too_many_rules")
    assert response.json()["message"].startswith("filters[1].rules: ")
    assert not AnnotationTask.objects.exists()


@pytest.mark.parametrize(
    ("rule", "field", "code"),
    [
        ({"labels": ["c\x00"]}, "filters[0].rules[0].labels[0]", "nul_character"),
        ({"labels": ["c" * 256]}, "filters[0].rules[0].labels[0]", "too_long"),
        (
            {"labels": ["car"], "count": [1, 2**70]},
            "filters[0].rules[0].count[1]",
            "invalid_filters",
        ),
    ],
)
def test_a_bad_rule_value_is_400_naming_it(manager_api, version, rule, field, code):
    response = preview(manager_api, version, [{"mode": "by_label", "rules": [rule]}])
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert response.json()["message"].startswith(f"{field}: ")


def test_the_schema_documents_413_where_a_body_is_sent():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "413" in paths["/api/versions/{version_pk}/frames/{key}/"]["patch"]["responses"]
    assert "413" in paths["/api/versions/{version_pk}/frames/"]["post"]["responses"]
    assert "413" not in paths["/api/versions/{version_pk}/frames/"]["get"]["responses"]


@pytest.fixture
def nul_middleware(settings):
    name = "config.middleware.refuse_nul_middleware"
    if name not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, name]


@pytest.mark.parametrize(
    "url", ["/datasets/versions/{pk}/?context=a%00", "/tasks/?q=a%00", "/datasets/?page=%00"]
)
def test_pages_refuse_nul_in_the_query_string(nul_middleware, manager_client, version, url):
    response = manager_client.get(url.format(pk=version.pk))
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_api_refuses_nul_in_the_query_string_in_its_error_shape(
    nul_middleware, manager_api, version
):
    response = manager_api.get(frames_url(version) + "?context_id=a%00")
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")
