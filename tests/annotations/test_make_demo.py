"""make_demo: the data `make run` starts with."""

import pytest
from django.contrib.auth.models import User

from annotations.models import AnnotationTask
from datasets.models import Dataset, Version
from frames.models import Frame, Roi, RoiLabel
from tests.frames.test_commands import run

pytestmark = pytest.mark.django_db


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
    assert root.frame_count == fork.frame_count == 12 + 3 + 8
    frames = Frame.objects.in_version(root)
    rig = frames.get(key="camera-rig-0000")
    assert [source["id"] for source in rig.sources] == ["front", "left", "right"]
    assert set(rig.rois.exclude(type="frame").values_list("source", flat=True)) <= {
        "front",
        "left",
        "right",
    }
    kinds = set(Roi.objects.filter(frame__in=frames).values_list("type", flat=True))
    assert {"box", "polygon", "keypoints", "ellipse", "polyline", "mask"} <= kinds
    assert RoiLabel.objects.filter(frame__context_id="demo-drive.mp4", label="car").count() == 8
    assert frames.filter(annotation_count=0).exists()
    admin, annotator = User.objects.get(username="admin"), User.objects.get(username="annotator")
    assert admin.is_superuser
    assert admin.check_password("admin")
    assert annotator.check_password("annotator")
    assert list(admin.groups.values_list("name", flat=True)) == ["Managers"]
    assert list(annotator.groups.values_list("name", flat=True)) == ["Annotators"]
    assert "admin / admin" in out
    assert sorted(AnnotationTask.objects.values_list("name", "version__name")) == [
        ("Camera rig review", "v2 working"),
        ("Check cars", "v2 working"),
        ("Drive clip review", "v2 working"),
        ("Random sample", "v2 working"),
    ]
    # Its source query picks the rig's frames by their front camera.
    assert AnnotationTask.objects.get(name="Camera rig review").item_count == 3


def test_make_demo_a_second_time_changes_nothing_and_says_so():
    run("make_demo", "--small")
    frames = Frame.objects.count()
    out, _ = run("make_demo", "--small")
    assert "nothing to do" in out
    assert Frame.objects.count() == frames
    assert Dataset.objects.count() == 1
