"""import_media and import_frames as an operator runs them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from frames.models import Frame
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .media_files import image_bytes, write_clip

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_media_walks_folders_in_name_order(tmp_path):
    for folder, name in [("b-cam", "2.png"), ("b-cam", "1.png"), ("a-cam", "9.jpg")]:
        (tmp_path / "shots" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "shots" / folder / name).write_bytes(image_bytes())
    (tmp_path / "shots" / "notes.txt").write_text("skipped: not media")
    version = VersionFactory()
    out, _ = run("import_media", str(version.pk), str(tmp_path / "shots"))
    assert "Imported 3 frames from 3 files" in out
    frames = Frame.objects.in_version(version).order_by("pk")
    assert [(f.key, f.context_id, f.timestamp) for f in frames] == [
        ("9", "a-cam", 0),
        ("1", "b-cam", 0),
        ("2", "b-cam", 1),
    ]


def test_import_media_step_applies_to_videos(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", frames=9)
    version = VersionFactory()
    run("import_media", str(version.pk), str(clip), "--step", "4")
    assert sorted(Frame.objects.in_version(version).values_list("key", flat=True)) == [
        "clip-000000",
        "clip-000004",
        "clip-000008",
    ]


def test_import_media_names_the_bad_file_and_imports_nothing(tmp_path):
    (tmp_path / "good.png").write_bytes(image_bytes())
    (tmp_path / "bad.png").write_text("not an image")
    version = VersionFactory()
    with pytest.raises(CommandError, match=r"bad\.png.*Nothing was imported"):
        run("import_media", str(version.pk), str(tmp_path / "good.png"), str(tmp_path / "bad.png"))
    assert not Frame.objects.in_version(version).exists()


def test_import_media_refuses_a_missing_path_and_version(tmp_path):
    version = VersionFactory()
    with pytest.raises(CommandError, match="No such file or folder"):
        run("import_media", str(version.pk), str(tmp_path / "nope"))
    with pytest.raises(CommandError, match="No version with id 0"):
        run("import_media", "0", str(tmp_path))


def test_import_frames_imports_a_json_list(tmp_path):
    file = tmp_path / "frames.json"
    file.write_text(json.dumps([frame_data("a", rois=[box()]), frame_data("b")]))
    version = VersionFactory()
    out, _ = run("import_frames", str(version.pk), str(file))
    assert "Imported 2 frames" in out
    version.refresh_from_db()
    assert version.frame_count == 2


def test_import_frames_prints_each_error_with_index_and_field(tmp_path):
    broken = frame_data("b", width=0)
    outside = frame_data("c", rois=[box(x=700)])
    file = tmp_path / "frames.json"
    file.write_text(json.dumps([frame_data("a"), broken, outside]))
    version = VersionFactory()
    with pytest.raises(CommandError, match="2 error"):
        run("import_frames", str(version.pk), str(file))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_frames", str(version.pk), str(file), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("frame 1, source.width: ")
    assert lines[1].startswith("frame 2, rois[0].points")
    assert not Frame.objects.in_version(version).exists()


def test_import_frames_reports_invalid_json_with_its_place(tmp_path):
    file = tmp_path / "frames.json"
    file.write_text('[{"id": "a",}]')
    with pytest.raises(CommandError, match=r"not valid JSON.*line 1, column 13"):
        run("import_frames", str(VersionFactory().pk), str(file))
