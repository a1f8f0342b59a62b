"""The "Source query" of the task page and the version page's Export…: shown beside the frame
query, checked live by the count's request (errors out of band under the field), stored with the
task and shown in its Info, and choosing an export's frames."""

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from tests.annotations.factories import make_task
from tests.annotations.form_posts import CREATE, HTMX, PREVIEW, form_data
from tests.datasets.factories import VersionFactory
from tests.datasets.test_export_filter_pages import exported_keys, posted, run_export
from tests.frames.factories import frame_data, group_data, source_data

pytestmark = pytest.mark.django_db


def group(key: str, *source_ids: str) -> dict:
    sources = [
        source_data(sid, width=64, height=48, uri=f"https://example.com/{key}-{sid}.jpg")
        for sid in source_ids
    ]
    return group_data(key, sources)


@pytest.fixture
def rig(db):
    return VersionFactory(
        frames=[group("g1", "front", "rear"), group("g2", "left"), frame_data("solo")]
    )


def test_the_create_page_asks_for_a_source_query_after_the_frame_query(manager_client):
    html = manager_client.get(CREATE).text

    assert 'name="source_query"' in html
    assert html.index('name="frame_query"') < html.index('name="source_query"')
    assert '<label class="field__label" for="id_source_query">Source query' in html
    assert 'placeholder="id:front AND width:&gt;=1920"' in html
    assert '<ul class="field__errors" id="id_source_query_errors">' in html


def test_the_version_exports_frames_are_chosen_by_a_source_query_too(manager_client, jobs, rig):
    url = reverse("datasets:version_export", args=[rig.pk])
    html = manager_client.get(url, **HTMX).text
    assert html.index('name="frame_query"') < html.index('name="source_query"')
    data = posted("all", source_query="id:front OR id:left")
    job = run_export(manager_client, jobs, rig, data)
    assert job.params["filters"][0]["source_query"] == "id:front OR id:left"
    assert exported_keys(manager_client, job) == ["g1", "g2"]


def test_the_live_count_follows_the_source_query(manager_client, rig):
    response = manager_client.post(
        PREVIEW, form_data(rig, source_query="id:front OR id:left"), **HTMX
    )

    assert "<strong data-frame-count>2</strong> frames" in response.text
    assert '<ul class="field__errors" id="id_source_query_errors" hx-swap-oob="true"></ul>' in (
        response.text
    )


def test_the_live_count_shows_a_broken_source_query_under_its_field(manager_client, rig):
    response = manager_client.post(PREVIEW, form_data(rig, source_query="id:(front"), **HTMX)

    assert response.status_code == 200
    assert (
        '<ul class="field__errors" id="id_source_query_errors" hx-swap-oob="true">'
        "<li>Unexpected end of query at position 9</li></ul>"
    ) in response.text
    assert "data-frame-count" not in response.text


def test_creating_a_task_stores_the_source_query(manager_client, rig):
    response = manager_client.post(CREATE, form_data(rig, source_query=" sources.id:rear "), **HTMX)

    assert response.status_code == 200, response.text
    task = AnnotationTask.objects.get()
    assert task.filters == [
        {"mode": "all", "rules": [], "frame_query": "", "source_query": "sources.id:rear"}
    ]
    assert task.frame_count == 1


def test_a_broken_source_query_keeps_the_form_with_the_error_and_value(manager_client, rig):
    response = manager_client.post(CREATE, form_data(rig, source_query="lens:wide"), **HTMX)

    assert "<html" not in response.text
    errors = response.context["form"].errors["source_query"]
    assert errors == [
        'Unknown field "lens" at position 0; known: id, uri, width, height, meta.<key>'
    ]
    assert 'value="lens:wide"' in response.text
    assert '<ul class="field__errors" id="id_source_query_errors"><li>Unknown field' in (
        response.text
    )
    assert not AnnotationTask.objects.exists()


def test_info_and_card_show_the_source_query(manager_client, manager, rig):
    task = make_task(rig, manager, filters=[{"mode": "all", "source_query": "id:front"}])

    info = manager_client.get(reverse("annotations:task_info", args=[task.pk]), **HTMX).text
    cards = manager_client.get(reverse("annotations:task_list")).text

    assert 'Source query</dt><dd><code class="info-query">id:front</code>' in info
    assert "+ source query" in cards
