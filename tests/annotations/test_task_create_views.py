"""The create page: the form, each filter mode and iteration option, refusals that keep the input."""

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask, FilterMode
from tests.annotations.form_posts import (
    CREATE,
    HTMX,
    PREVIEW,
    Order,
    form_data,
    rules,
)
from tests.datasets.factories import VersionFactory, publish
from tests.frames.factories import frame_data

pytestmark = pytest.mark.django_db


LIST = reverse("annotations:task_list")


# Create: the form


def test_create_form_groups_versions_by_dataset_with_their_status(manager_client, street_version):
    published = VersionFactory(frames=[frame_data("p")], published=True)

    html = manager_client.get(CREATE).text

    assert f'<optgroup label="{street_version.dataset.name}">' in html
    assert f"{street_version.name} · Draft · 6 frames" in html
    assert f"{published.name} · Published · 1 frames" in html
    assert "new Draft child" in html


def test_create_form_preselects_the_version_from_the_url(manager_client, street_version):
    html = manager_client.get(CREATE, {"version": street_version.pk}).text

    assert f'<option value="{street_version.pk}" selected>' in html


def test_annotators_may_not_open_or_post_the_create_form(annotator_client, street_version):
    assert annotator_client.get(CREATE).status_code == 403
    assert annotator_client.post(CREATE, form_data(street_version)).status_code == 403
    assert annotator_client.post(PREVIEW, form_data(street_version)).status_code == 403
    assert not AnnotationTask.objects.exists()


# Create: each filter mode and iteration option


def created(client, data) -> AnnotationTask:
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == LIST
    return AnnotationTask.objects.get()


def test_create_all_frames_redirects_to_the_list_with_a_message(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version), follow=True)

    task = AnnotationTask.objects.get()
    assert (task.name, task.version, task.frame_count) == ("Cars pass", street_version, 6)
    assert task.filters == [{"mode": FilterMode.ALL, "rules": [], "frame_query": ""}]
    assert "Task “Cars pass” created with 6 frames." in response.text


def test_create_empty_frames(manager_client, street_version):
    task = created(manager_client, form_data(street_version, mode=FilterMode.EMPTY))

    assert task.filters[0]["mode"] == FilterMode.EMPTY
    assert task.frame_count == 1


def test_create_by_label_with_ranges_and_a_lucene_query(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {
            "labels": "car, occluded",
            "conf_min": "0.5",
            "conf_max": "1",
            "count_min": "1",
            "count_max": "3",
            "query": "meta.occluded:true",
        }
    )

    task = created(manager_client, data)

    assert task.filters[0]["rules"] == [
        {
            "labels": ["car", "occluded"],
            "query": "meta.occluded:true",
            "confidence": [0.5, 1.0],
            "count": [1, 3],
            "exclude": False,
        }
    ]
    assert task.frame_count == 1


def test_create_by_label_with_two_rows_one_excluding(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car"}, {"labels": "bus", "exclude": "exclude"}
    )

    task = created(manager_client, data)

    assert [rule["exclude"] for rule in task.filters[0]["rules"]] == [False, True]
    assert task.frame_count == 2  # a1 and a3 have cars and no bus


def test_rule_rows_are_ignored_unless_by_label_is_chosen(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.ALL) | rules(
        {"labels": "car", "conf_min": "7"}
    )

    task = created(manager_client, data)

    assert task.filters[0]["rules"] == []
    assert task.frame_count == 6


def test_create_with_a_frame_query(manager_client, street_version):
    task = created(manager_client, form_data(street_version, frame_query="meta.weather:rain"))

    assert task.filters[0]["frame_query"] == "meta.weather:rain"
    assert task.frame_count == 1


def test_create_random_with_a_given_seed(manager_client, street_version):
    task = created(manager_client, form_data(street_version, order=Order.RANDOM, seed="7"))

    assert (task.order, task.seed) == (Order.RANDOM, 7)


def test_create_random_without_a_seed_generates_one_and_says_which(manager_client, street_version):
    response = manager_client.post(
        CREATE, form_data(street_version, order=Order.RANDOM), follow=True
    )

    task = AnnotationTask.objects.get()
    assert task.seed is not None
    assert f"random seed {task.seed}" in response.text


def test_a_seed_is_ignored_for_sequential_order(manager_client, street_version):
    task = created(manager_client, form_data(street_version, seed="7"))

    assert task.seed is None


def test_create_with_a_frame_limit(manager_client, street_version):
    task = created(manager_client, form_data(street_version, repetition="limit", limit="4"))

    assert (task.limit, task.frame_count, task.matched_count) == (4, 4, 6)


def test_a_limit_is_ignored_when_each_frame_is_used_once(manager_client, street_version):
    task = created(manager_client, form_data(street_version, repetition="once", limit="4"))

    assert (task.limit, task.frame_count) == (None, 6)


def test_create_with_a_clip_length(manager_client, street_version):
    task = created(manager_client, form_data(street_version, clip_length="2"))

    assert (task.clip_length, task.item_count) == (2, 4)  # cam1: 2+1, cam2: 2+1


def test_create_on_a_published_version_names_the_new_draft(manager_client, street_version):
    published = publish(street_version)

    response = manager_client.post(CREATE, form_data(published), follow=True)

    task = AnnotationTask.objects.get()
    assert task.version.parent == published
    assert "it works on the new Draft “Cars pass”" in response.text


def test_htmx_create_sends_the_browser_to_the_list(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version), **HTMX)

    assert response["HX-Redirect"] == LIST
    assert AnnotationTask.objects.count() == 1


# Create: refusals keep the input


def test_create_is_refused_when_no_frame_matches(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules({"labels": "unicorn"})

    response = manager_client.post(CREATE, data)

    assert response.status_code == 200
    assert "The filters match no frame of version" in response.text
    assert 'value="unicorn"' in response.text
    assert not AnnotationTask.objects.exists()


def test_a_broken_rule_query_shows_its_position_under_the_field(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car", "query": "lable:car"}
    )

    response = manager_client.post(CREATE, data, **HTMX)

    assert "<html" not in response.text
    rule = response.context["form"].rules[0]
    assert "lable" in rule.errors["query"][0]
    assert "at position 0" in rule.errors["query"][0]
    assert 'id="id_rules-0-query_errors"><li>Unknown field' in response.text
    assert 'value="lable:car"' in response.text
    assert "A label rule needs fixing" in response.text
    assert not AnnotationTask.objects.exists()


def test_a_broken_frame_query_shows_its_error_under_the_field(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version, frame_query="meta.x:(a"))

    errors = response.context["form"].errors["frame_query"]
    assert "position" in errors[0]
    assert 'value="meta.x:(a"' in response.text


def test_confidence_bounds_out_of_order_are_shown_on_the_row(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car", "conf_min": "0.9", "conf_max": "0.2"}
    )

    response = manager_client.post(CREATE, data)

    assert "The minimum 0.9 is above the maximum 0.2." in response.text
    assert not AnnotationTask.objects.exists()


def test_limit_frames_needs_a_number(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version, repetition="limit"))

    assert "Give the maximum number of frames" in response.text
    assert not AnnotationTask.objects.exists()


def test_a_name_is_required(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version, name="  "))

    assert response.context["form"].errors["name"]
    assert not AnnotationTask.objects.exists()
