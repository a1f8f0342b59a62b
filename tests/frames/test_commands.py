"""import_media, import_frames and make_demo as an operator runs them."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from datasets.models import Dataset, Version
from frames.models import Frame, RoiLabel
from tests.factories import VersionFactory, box, frame_data

from .media_files import image_bytes, write_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.mark.usefixtures("fast_passwords")
def test_make_demo_builds_logins_and_a_published_version_with_a_draft_fork():
    out, _ = run("make_demo", "--small")
    dataset = Dataset.objects.get(name="Demo streets")
    root, fork = Version.objects.filter(dataset=dataset).order_by("pk")
    assert (root.name, root.status, fork.name, fork.status) == (
        "v1",
        "published",
        "v2 working",
        "draft",
    )
    assert fork.parent == root
    assert root.frame_count == fork.frame_count == 12 + 8
    frames = Frame.objects.in_version(root)
    assert RoiLabel.objects.filter(frame__context_id="demo-drive.mp4", label="car").count() == 8
    assert frames.filter(annotation_count=0).exists()
    admin, annotator = User.objects.get(username="admin"), User.objects.get(username="annotator")
    assert admin.is_superuser
    assert admin.check_password("admin")
    assert annotator.check_password("annotator")
    assert list(admin.groups.values_list("name", flat=True)) == ["Managers"]
    assert list(annotator.groups.values_list("name", flat=True)) == ["Annotators"]
    assert "admin / admin" in out


@pytest.mark.usefixtures("fast_passwords")
def test_make_demo_a_second_time_changes_nothing_and_says_so():
    run("make_demo", "--small")
    frames = Frame.objects.count()
    out, _ = run("make_demo", "--small")
    assert "nothing to do" in out
    assert Frame.objects.count() == frames
    assert Dataset.objects.count() == 1
