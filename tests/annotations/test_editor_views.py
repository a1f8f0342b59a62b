"""The editor page (`/tasks/<id>/annotate/`) and the editor's benchmark page."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from annotations.services import task_complete, task_item_done, task_next
from datasets.models import Version
from frames.masks import clean_rle
from tests.annotations.factories import make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


@pytest.fixture
def task(manager):
    version = VersionFactory(frames=[frame_data(f"f{i}", rois=[box("car")]) for i in range(3)])
    return make_task(version, manager, "Street")


def editor_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="editor-config" type="application/json">') + len(
        '<script id="editor-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def annotate_url(task) -> str:
    return reverse("annotations:task_annotate", args=[task.pk])


def test_the_editor_page_needs_a_login(client, task):
    response = client.get(annotate_url(task))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_who_may_not_view_tasks_is_refused(client, task):
    client.force_login(User.objects.create_user("nobody"))
    assert client.get(annotate_url(task)).status_code == 403


def test_an_unknown_task_is_not_found(annotator_client):
    assert annotator_client.get(reverse("annotations:task_annotate", args=[999])).status_code == 404


def test_the_page_gives_the_editor_its_task_version_and_user(
    annotator_client, annotator, task, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = annotator_client.get(annotate_url(task))
    assert response.status_code == 200
    assert b"<frame-editor" in response.content
    config = editor_config(response)
    assert config["task"] == task.pk
    assert config["version"] == task.version_id
    assert config["user"] == {"id": annotator.pk, "username": "annotator"}
    assert config["api"] == "/api/"
    assert config["itemCount"] == 3
    assert config["readOnly"] == ""
    assert config["taskCompleted"] is False


def test_a_completed_task_opens_read_only(annotator_client, manager, task):
    task_complete(task=task, user=manager)
    config = editor_config(annotator_client.get(annotate_url(task)))
    assert "Completed" in config["readOnly"]
    assert config["taskCompleted"] is True


def test_a_published_version_opens_read_only(annotator_client, task):
    Version.objects.filter(pk=task.version_id).update(status=Version.Status.PUBLISHED)
    config = editor_config(annotator_client.get(annotate_url(task)))
    assert "Published" in config["readOnly"]
    assert config["taskCompleted"] is False


def test_a_user_who_may_not_change_frames_opens_read_only(client, task):
    viewer = User.objects.create_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_annotationtask"))
    client.force_login(viewer)
    config = editor_config(client.get(annotate_url(task)))
    assert "change frame" in config["readOnly"]
    assert config["taskCompleted"] is True  # no work permission: browse items by position


def test_the_page_lists_the_items_this_user_finished_for_previous(
    annotator_client, annotator, task
):
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_next(task=task, user=annotator)
    assert editor_config(annotator_client.get(annotate_url(task)))["donePositions"] == [0]


def test_the_task_name_is_escaped(annotator_client, task):
    task.name = "<script>alert(1)</script>"
    task.save()
    html = annotator_client.get(annotate_url(task)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_without_debug_there_is_no_bench_page(client, annotator):
    client.force_login(annotator)
    assert client.get(reverse("annotations:editor_bench")).status_code == 404


def bench_frame(client, **params) -> dict:
    response = client.get(reverse("annotations:editor_bench"), params)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<script id="bench-frame" type="application/json">') + len(
        '<script id="bench-frame" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_bench_page_needs_a_login(client):
    response = client.get(reverse("annotations:editor_bench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_bench_page_carries_its_polygons(client, annotator, debug):
    client.force_login(annotator)
    frame = bench_frame(client, polygons=5, vertices=7)
    assert len(frame["rois"]) == 5
    assert {len(roi["points"]) for roi in frame["rois"]} == {7}
    assert all(0 <= x <= 4000 and 0 <= y <= 3000 for roi in frame["rois"] for x, y in roi["points"])


def test_the_bench_pages_masks_are_valid_rle_of_the_frames_size(client, annotator, debug):
    client.force_login(annotator)
    frame = bench_frame(client, polygons=2, masks=3, width=320, height=200)
    masks = [roi for roi in frame["rois"] if roi["type"] == "mask"]
    assert len(masks) == 3
    for roi in masks:
        stored, points = clean_rle(roi["mask"], height=200, width=320)
        assert stored == roi["mask"]
        assert roi["points"] == points


def test_the_bench_page_caps_the_points_it_builds(client, annotator, debug):
    client.force_login(annotator)
    frame = bench_frame(client, polygons=20000, vertices=20000)
    assert sum(len(roi["points"]) for roi in frame["rois"]) <= 200_000


def test_the_editor_tells_who_may_save_any_frame(client, manager, annotator, task):
    client.force_login(annotator)
    assert editor_config(client.get(annotate_url(task)))["canSaveAny"] is False
    client.force_login(manager)
    assert editor_config(client.get(annotate_url(task)))["canSaveAny"] is True


def test_the_shortcut_sheet_and_the_bar_offer_skip_and_history(annotator_client, task):
    html = annotator_client.get(annotate_url(task)).text
    assert "<kbd>Shift+S</kbd>" in html
    assert 'data-action="skip"' in html
    assert "data-history" in html
