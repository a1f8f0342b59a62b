"""Uploads of FrameGroups: files named `<frame>__<source>.<ext>` are one frame of several
sources; any other image is a frame of one source, "default"."""

import pytest
from django.core.exceptions import ValidationError

from frames.models import Frame
from frames.sources import frame_sources
from frames.uploads import frames_import_uploads, source_name
from tests.datasets.factories import VersionFactory

from .media_files import image_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


def frames_by_key(version) -> dict[str, Frame]:
    return {frame.key: frame for frame in Frame.objects.in_version(version)}


def test_files_named_frame_source_are_one_frame_with_a_source_each(media_root):
    version = VersionFactory()
    files = [
        upload("0001__front.png", image_bytes(size=(40, 30))),
        upload("plain.png", image_bytes(size=(20, 10))),
        upload("0001__rear left.png", image_bytes(size=(64, 48))),
    ]
    keys = frames_import_uploads(version=version, files=files)
    assert keys == ["0001", "plain"]
    frame = frames_by_key(version)["0001"]
    sources = frame_sources(frame)
    assert [(s["id"], s["width"], s["height"]) for s in sources] == [
        ("front", 40, 30),
        ("rear left", 64, 48),
    ]
    assert sources[0]["uri"].endswith("0001__front.png")
    assert sources[1]["uri"].endswith("0001__rear_left.png")
    # The first source (the first file given) is the frame's image.
    assert (frame.uri, frame.width, frame.height) == (sources[0]["uri"], 40, 30)
    assert len(stored_files(media_root)) == 6  # three images and their thumbnails


def test_a_plain_name_stays_a_frame_of_one_default_source():
    version = VersionFactory()
    frames_import_uploads(version=version, files=[upload("street.png", image_bytes())])
    frame = frames_by_key(version)["street"]
    assert [source["id"] for source in frame_sources(frame)] == ["default"]


def test_the_frame_key_is_before_the_last_double_underscore():
    assert source_name("run__7__cam1.jpg") == ("run__7", "cam1")
    assert source_name("a__b.png") == ("a", "b")
    for plain in ("plain.png", "__cam1.png", "frame__.png", "a_b.png"):
        assert source_name(plain) is None


def test_a_groups_key_takes_a_suffix_when_taken_as_a_plain_one_does():
    version = VersionFactory()
    frames_import_uploads(version=version, files=[upload("0001.png", image_bytes())])
    keys = frames_import_uploads(
        version=version,
        files=[upload("0001__a.png", image_bytes()), upload("0001__b.png", image_bytes())],
    )
    assert keys == ["0001-2"]
    assert [s["id"] for s in frame_sources(frames_by_key(version)["0001-2"])] == ["a", "b"]


def test_one_source_twice_in_a_frame_is_refused_naming_both_files(media_root):
    version = VersionFactory()
    files = [upload("0001__cam.png", image_bytes()), upload("0001__cam.jpg", image_bytes("JPEG"))]
    with pytest.raises(ValidationError) as caught:
        frames_import_uploads(version=version, files=files)
    assert caught.value.code == "duplicate_source"
    assert "“0001__cam.png” and “0001__cam.jpg”" in caught.value.messages[0]
    assert frames_by_key(version) == {}
    assert stored_files(media_root) == []


def test_frames_of_several_sources_keep_their_place_in_the_batch_order():
    version = VersionFactory()
    files = [
        upload("b__x.png", image_bytes()),
        upload("a.png", image_bytes()),
        upload("b__y.png", image_bytes()),
        upload("c.png", image_bytes()),
    ]
    frames_import_uploads(version=version, files=files, context_id="run")
    frames = Frame.objects.in_version(version).order_by("timestamp")
    assert [(frame.key, frame.timestamp) for frame in frames] == [("b", 0), ("a", 1), ("c", 2)]
