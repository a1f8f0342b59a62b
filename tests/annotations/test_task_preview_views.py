"""The create page's live count (with errors out of band) and its label suggestions."""

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask, FilterMode
from tests.annotations.form_posts import (
    HTMX,
    PREVIEW,
    form_data,
    rules,
)
from tests.datasets.factories import publish

pytestmark = pytest.mark.django_db


# The live count


def test_preview_counts_the_frames_the_task_would_hold(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, name="") | rules({"labels": "car"})

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<strong data-frame-count>3</strong> frames" in response.text
    assert "matching" not in response.text


def test_preview_says_how_many_match_when_the_limit_cuts(manager_client, street_version):
    data = form_data(street_version, repetition="limit", limit="2")

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert "<strong data-frame-count>2</strong> frames" in response.text
    assert "of 6 matching" in response.text


def test_preview_warns_when_nothing_matches(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules({"labels": "unicorn"})

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert "<strong data-frame-count>0</strong> frames" in response.text
    assert "cannot be created" in response.text


def test_preview_shows_a_broken_query_under_its_field_out_of_band(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car", "query": "car AND"}
    )

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert (
        '<ul class="field__errors" id="id_rules-0-query_errors" hx-swap-oob="true">'
        "<li>Unexpected end of query at position 7" in response.text
    )
    assert "data-frame-count" not in response.text
    assert "Fix the marked field" in response.text


def test_preview_clears_errors_once_the_input_is_fixed(manager_client, street_version):
    data = form_data(street_version, frame_query="meta.weather:rain")

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert (
        '<ul class="field__errors" id="id_frame_query_errors" hx-swap-oob="true"></ul>'
        in response.text
    )
    assert "<strong data-frame-count>1</strong> frame" in response.text


def test_preview_clears_the_notice_at_the_top_only_when_the_form_is_valid(
    manager_client, street_version
):
    notice = '<div id="task-form-errors" hx-swap-oob="true"></div>'
    broken = form_data(street_version, frame_query="meta.x:(")

    assert notice in manager_client.post(PREVIEW, form_data(street_version), **HTMX).text
    assert notice not in manager_client.post(PREVIEW, broken, **HTMX).text


def test_preview_on_a_published_version_names_the_draft_to_come(manager_client, street_version):
    published = publish(street_version)

    response = manager_client.post(PREVIEW, form_data(published, name="Night pass"), **HTMX)

    assert "new Draft “Night pass”" in response.text


def test_preview_without_a_version_asks_for_one(manager_client, street_version):
    response = manager_client.post(PREVIEW, form_data(street_version) | {"version": ""}, **HTMX)

    assert "Choose a version" in response.text


def test_preview_creates_nothing(manager_client, street_version):
    manager_client.post(PREVIEW, form_data(published := publish(street_version)))

    assert not AnnotationTask.objects.exists()
    assert published.children.count() == 0


def test_labels_fragment_lists_the_labels_of_the_version(manager_client, street_version):
    url = reverse("annotations:task_labels")

    response = manager_client.get(url, {"version": street_version.pk}, **HTMX)

    assert response.text.startswith('<datalist id="version-labels">')
    for label in ("bus", "car", "night", "occluded", "person"):
        assert f'<option value="{label}">' in response.text
    assert "<option" not in manager_client.get(url, {"version": "x"}).text
