"""The API's input serializers: they check only the envelope (JSON types, ids that fit a column)
and hand the rest to the services unchanged, which name each bad field."""

import pytest

from config.converters import MAX_ID
from frames.api.serializers import FramePatchSerializer
from frames.models import Frame
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


def frame_url(version, key: str) -> str:
    return f"/api/versions/{version.pk}/frames/{key}/"


def test_a_frame_patch_hands_rois_and_meta_on_as_they_were_sent():
    rois = [{"type": "polygon", "labels": ["car"], "points": [[0, 0], [1, 0], [1, 1]]}]
    meta = {"weather": "rain"}
    serializer = FramePatchSerializer(data={"revision": 1, "rois": rois, "meta": meta})
    assert serializer.is_valid(), serializer.errors
    # The same objects, not copies: the frame service checks them once, on the hot path.
    assert serializer.validated_data["rois"] is rois
    assert serializer.validated_data["meta"] is meta


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rois", {"type": "box"}),
        ("rois", "box"),
        ("frame_labels", {"labels": ["day"]}),
        ("meta", ["weather"]),
        ("meta", "rain"),
        ("rois", None),
    ],
)
def test_a_frame_patch_part_of_the_wrong_json_type_is_400_naming_it(manager_api, field, value):
    version = VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    response = manager_api.patch(
        frame_url(version, "a"), {"revision": 1, field: value}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Frame.objects.get().revision == 1


def test_a_frame_patch_with_an_unknown_field_is_400_unknown_field(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    response = manager_api.patch(frame_url(version, "a"), {"revision": 1, "roi": []}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_field")


def test_a_frame_patch_leaves_the_shape_rules_to_the_service(manager_api):
    version = VersionFactory(frames=[frame_data("a")])
    polygon = {"type": "polygon", "labels": ["car"], "points": [[0, 0], [1, 1]]}
    response = manager_api.patch(
        frame_url(version, "a"), {"revision": 1, "rois": [polygon]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rois[0].points"]


@pytest.mark.parametrize("url", ["/api/versions/", "/api/tasks/"])
@pytest.mark.parametrize("dataset", [MAX_ID + 1, -(2**70), 0])
def test_a_dataset_filter_beyond_a_64_bit_id_is_400_not_a_server_error(manager_api, url, dataset):
    response = manager_api.get(url, {"dataset": dataset})
    assert (response.status_code, list(response.json()["errors"])) == (400, ["dataset"])


@pytest.mark.parametrize("url", ["/api/versions/", "/api/tasks/"])
def test_a_dataset_filter_of_a_real_id_still_filters(manager_api, url):
    version = VersionFactory()
    response = manager_api.get(url, {"dataset": version.dataset_id})
    assert response.status_code == 200
