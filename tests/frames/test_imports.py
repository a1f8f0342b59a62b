"""Import services: keys, sequences, timestamps, video frames, JSON URIs, published versions."""

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from config.errors import ConflictError
from frames.imports import frames_import_json
from frames.media import media_name
from frames.models import Frame
from frames.services import BulkImportError
from frames.uploads import frames_import_uploads
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data

from .media_files import image_bytes, opencv_frame_count, stored_files, upload, write_clip

pytestmark = pytest.mark.django_db


def frames_of(version) -> list[Frame]:
    return list(Frame.objects.in_version(version).order_by("context_id", "timestamp"))


def test_image_key_is_the_file_stem_and_size_is_recorded():
    version = VersionFactory()
    keys = frames_import_uploads(version=version, files=[upload("street 1.png", image_bytes())])
    assert keys == ["street 1"]
    frame = Frame.objects.in_version(version).get()
    assert (frame.key, frame.width, frame.height) == ("street 1", 40, 30)
    version.refresh_from_db()
    assert version.frame_count == 1


def test_taken_key_gets_a_numbered_suffix():
    version = VersionFactory()
    first = frames_import_uploads(version=version, files=[upload("a.png", image_bytes())])
    second = frames_import_uploads(
        version=version,
        files=[upload("a.png", image_bytes()), upload("a.jpg", image_bytes("JPEG"))],
    )
    assert first + second == ["a", "a-2", "a-3"]
    version.refresh_from_db()
    assert version.frame_count == 3


def test_uploads_share_a_batch_sequence_with_timestamps_in_file_order():
    version = VersionFactory()
    names = ["c.png", "a.png", "b.png"]
    frames_import_uploads(version=version, files=[upload(name, image_bytes()) for name in names])
    frames = frames_of(version)
    assert [frame.key for frame in frames] == ["c", "a", "b"]
    assert [frame.timestamp for frame in frames] == [0, 1, 2]
    assert len({frame.context_id for frame in frames}) == 1
    assert frames[0].context_id.startswith("upload-")


def test_given_context_continues_after_its_last_timestamp():
    version = VersionFactory(frames=[frame_data("old", context_id="cam", timestamp=41)])
    frames_import_uploads(
        version=version,
        files=[upload("x.png", image_bytes()), upload("y.png", image_bytes())],
        context_id="cam",
    )
    assert [(f.key, f.timestamp) for f in frames_of(version)] == [
        ("old", 41),
        ("x", 42),
        ("y", 43),
    ]


def test_local_files_take_their_folder_name_as_context(tmp_path):
    (tmp_path / "north").mkdir()
    (tmp_path / "south").mkdir()
    (tmp_path / "north" / "f.png").write_bytes(image_bytes())
    (tmp_path / "south" / "f.png").write_bytes(image_bytes())
    version = VersionFactory()
    keys = frames_import_uploads(
        version=version, files=[tmp_path / "north" / "f.png", tmp_path / "south" / "f.png"]
    )
    assert keys == ["f", "f-2"]
    assert {(f.key, f.context_id, f.timestamp) for f in frames_of(version)} == {
        ("f", "north", 0),
        ("f-2", "south", 0),
    }


def test_video_gives_as_many_frames_as_opencv_decodes(tmp_path):
    clip = write_clip(tmp_path / "drive.mp4", frames=17)
    version = VersionFactory()
    keys = frames_import_uploads(version=version, files=[clip])
    assert len(keys) == opencv_frame_count(clip) == 17
    version.refresh_from_db()
    assert version.frame_count == 17


def test_video_frames_have_key_context_and_exact_frame_number(tmp_path):
    clip = write_clip(tmp_path / "drive.avi", frames=5, fps=20, fourcc="MJPG")
    version = VersionFactory()
    frames_import_uploads(version=version, files=[clip])
    frames = frames_of(version)
    assert [f.key for f in frames] == [f"drive-{n:06d}" for n in range(5)]
    assert {f.context_id for f in frames} == {"drive.avi"}
    assert [f.meta for f in frames] == [{"frame": n, "fps": 20.0} for n in range(5)]
    assert [(f.width, f.height) for f in frames] == [(64, 48)] * 5


def test_video_timestamps_are_milliseconds_and_strictly_increase(tmp_path):
    clip = write_clip(tmp_path / "drive.mp4", frames=12, fps=25)
    version = VersionFactory()
    frames_import_uploads(version=version, files=[clip])
    timestamps = [f.timestamp for f in frames_of(version)]
    assert timestamps == sorted(set(timestamps))
    assert timestamps[:3] == [0, 40, 80]


def test_step_keeps_every_nth_frame_with_its_own_number(tmp_path):
    clip = write_clip(tmp_path / "drive.mp4", frames=10)
    version = VersionFactory()
    keys = frames_import_uploads(version=version, files=[clip], step=3)
    assert keys == ["drive-000000", "drive-000003", "drive-000006", "drive-000009"]
    assert [f.meta["frame"] for f in frames_of(version)] == [0, 3, 6, 9]
    assert [f.timestamp for f in frames_of(version)] == [0, 120, 240, 360]


def test_video_frames_are_stored_once_as_jpeg(tmp_path, media_root):
    clip = write_clip(tmp_path / "drive.webm", frames=3, fourcc="VP80")
    version = VersionFactory()
    frames_import_uploads(version=version, files=[clip])
    stored = sorted(path for path in stored_files(media_root) if path.parent.name != ".thumbs")
    assert [path.name for path in stored] == ["000000.jpg", "000001.jpg", "000002.jpg"]
    assert {Image.open(path).format for path in stored} == {"JPEG"}
    thumbs = sorted(path.name for path in stored_files(media_root) if path.parent.name == ".thumbs")
    assert thumbs == ["000000.jpg.jpg", "000001.jpg.jpg", "000002.jpg.jpg"]
    assert {media_name(f.uri) for f in frames_of(version)} == {
        str(path.relative_to(media_root)) for path in stored
    }


def test_video_uploaded_in_memory_is_imported(tmp_path):
    clip = write_clip(tmp_path / "small.mov", frames=4)
    version = VersionFactory()
    keys = frames_import_uploads(version=version, files=[upload("small.mov", clip.read_bytes())])
    assert keys == [f"small-{n:06d}" for n in range(4)]


def test_same_video_twice_gets_a_suffixed_stem(tmp_path):
    clip = write_clip(tmp_path / "drive.mp4", frames=2)
    version = VersionFactory()
    frames_import_uploads(version=version, files=[clip])
    keys = frames_import_uploads(version=version, files=[clip])
    assert keys == ["drive-2-000000", "drive-2-000001"]


def test_import_into_published_version_is_refused(media_root):
    version = VersionFactory(frames=[frame_data("a")], published=True)
    with pytest.raises(ConflictError) as caught:
        frames_import_uploads(version=version, files=[upload("b.png", image_bytes())])
    assert caught.value.code == "version_published"
    assert stored_files(media_root) == []
    assert [f.key for f in frames_of(version)] == ["a"]


@pytest.mark.parametrize("step", [0, -1, "2"])
def test_step_must_be_a_positive_whole_number(step):
    with pytest.raises(ValidationError) as caught:
        frames_import_uploads(version=VersionFactory(), files=[], step=step)
    assert caught.value.code == "invalid_step"


def test_no_files_is_refused():
    with pytest.raises(ValidationError) as caught:
        frames_import_uploads(version=VersionFactory(), files=[])
    assert caught.value.code == "no_files"


def media_frame(key: str, uri: str) -> dict:
    data = frame_data(key)
    data["source"]["uri"] = uri
    return data


def test_json_import_accepts_urls_and_stored_media_paths(media_root):
    (media_root / "cams").mkdir()
    (media_root / "cams" / "a.jpg").write_bytes(image_bytes("JPEG"))
    version = VersionFactory()
    keys = frames_import_json(
        version=version,
        frames=[media_frame("a", "media:cams/a.jpg"), frame_data("b", rois=[])],
    )
    assert keys == ["a", "b"]


@pytest.mark.parametrize(
    "uri",
    [
        "media:cams/missing.jpg",
        "media:../etc/passwd",
        "media:/etc/passwd",
        "ftp://x/a.jpg",
        "a.jpg",
    ],
)
def test_json_import_refuses_uris_it_cannot_serve_by_index_and_field(uri):
    version = VersionFactory()
    frames = [frame_data("ok"), media_frame("bad", uri)]
    with pytest.raises(BulkImportError) as caught:
        frames_import_json(version=version, frames=frames)
    assert [(e["index"], e["field"]) for e in caught.value.errors] == [(1, "source.uri")]
    assert not Frame.objects.in_version(version).exists()


def test_json_import_into_published_version_is_refused():
    version = VersionFactory(frames=[frame_data("a")], published=True)
    with pytest.raises(ConflictError) as caught:
        frames_import_json(version=version, frames=[frame_data("b")])
    assert caught.value.code == "version_published"


def test_an_image_is_stored_under_its_detected_format_not_its_given_extension():
    version = VersionFactory()
    (key,) = frames_import_uploads(version=version, files=[upload("page.html", image_bytes("PNG"))])
    uri = Frame.objects.get(key=key).uri
    assert uri.endswith("/page.png")


def test_json_import_names_each_bad_frame_by_index_and_field_and_writes_nothing():
    version = VersionFactory(frames=[])
    frames = [
        frame_data("ok"),
        frame_data("a\x00b"),
        frame_data("c", context_id="cam\x00"),
        frame_data("d", meta={"deep": {"note": "\x00"}}),
        frame_data("e") | {"timestamp": 2**63},
    ]
    with pytest.raises(BulkImportError) as caught:
        frames_import_json(version=version, frames=frames)
    assert [(error["index"], error["field"]) for error in caught.value.errors] == [
        (1, "id"),
        (2, "context_id"),
        (3, "meta.deep.note"),
        (4, "timestamp"),
    ]
    assert not Frame.objects.exists()
