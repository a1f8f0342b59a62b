"""The version page's Export… chooses its frames as task creation does: each filter mode becomes
the export job's filters (checked by the frames the download holds), label rules are added and
removed, errors show beside their fields, and the live count answers for the same filter."""

import json

import pytest
from django.urls import reverse

from datasets.models import Job, Version
from datasets.services import dataset_create
from frames.services import frames_bulk_create
from tests.annotations.factories import UserFactory
from tests.annotations.form_posts import rules
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(manager) -> Version:
    """Four frames: a car and a bus in the rain, two cars, none, an occluded person."""
    version = dataset_create(name="streets", user=manager).versions.get()
    frames_bulk_create(
        version=version,
        frames=[
            frame_data(
                "a",
                context_id="cam1",
                rois=[box("car", confidence=0.9), box("bus")],
                meta={"w": "rain"},
            ),
            frame_data(
                "b",
                context_id="cam2",
                rois=[box("car", confidence=0.4), box("car", x=50, confidence=0.8)],
            ),
            frame_data("c", context_id="cam2"),
            frame_data("d", context_id="cam2", rois=[box("person", meta={"occluded": True})]),
        ],
    )
    version.refresh_from_db()
    return version


def export_url(version: Version) -> str:
    return reverse("datasets:version_export", args=[version.pk])


def count_url(version: Version) -> str:
    return reverse("datasets:version_export_count", args=[version.pk])


def posted(mode: str = "all", *rows: dict, **fields) -> dict:
    """The Export… form as the browser posts it: Hyperlabel, the mode, the rule rows, the query."""
    data = {"format": "hyperlabel", "mode": mode, "frame_query": "", "include_images": ""}
    return data | rules(*(rows or [{}])) | fields


def exported_keys(client, job: Job) -> list[str]:
    """The frames the finished export's download holds, in its order."""
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    download = b"".join(client.get(job.result["download"]).streaming_content).decode()
    return [json.loads(line)["id"] for line in download.splitlines()]


def run_export(client, jobs, version: Version, data: dict) -> Job:
    with jobs.queued():
        response = client.post(export_url(version), data, **HTMX)
    assert response.status_code == 200
    job = Job.objects.get()  # a refused form would leave none
    jobs.run()
    return job


# Each mode becomes the job's filters

CASES = {
    "all frames": (posted(), ["a", "b", "c", "d"]),
    "all frames of a query": (posted(frame_query="context_id:cam2"), ["b", "c", "d"]),
    "empty frames": (posted("empty"), ["c"]),
    "empty frames of a query": (posted("empty", frame_query="context_id:cam1"), []),
    "one label": (posted("by_label", {"labels": "car"}), ["a", "b"]),
    "a label, excluding another": (
        posted("by_label", {"labels": "car"}, {"labels": "bus", "exclude": "exclude"}),
        ["b"],
    ),
    "confidence and instance ranges": (
        posted("by_label", {"labels": "car", "conf_min": "0.3", "conf_max": "1", "count_min": "2"}),
        ["b"],
    ),
    "a rule's Lucene query": (posted("by_label", {"query": "meta.occluded:true"}), ["d"]),
    "a label and a frame query": (
        posted("by_label", {"labels": "car"}, frame_query="meta.w:rain"),
        ["a"],
    ),
}


@pytest.mark.parametrize(("data", "keys"), CASES.values(), ids=CASES.keys())
def test_each_filter_mode_exports_the_frames_it_selects(manager_client, draft, jobs, data, keys):
    job = run_export(manager_client, jobs, draft, data)

    assert sorted(exported_keys(manager_client, job)) == keys
    assert job.result["report"]["frames"] == len(keys)


def test_all_frames_without_a_query_exports_the_version_unfiltered(manager_client, draft, jobs):
    job = run_export(manager_client, jobs, draft, posted(frame_query="  "))

    assert job.params["filters"] is None
    assert job.progress_total == 4
    assert "filtered" not in job.title


def test_by_label_hands_the_rules_to_the_job_in_the_task_filter_shape(manager_client, draft, jobs):
    data = posted(
        "by_label",
        {"labels": "car, wet", "conf_min": "0.5", "count_max": "3", "query": "meta.x:1"},
        {"labels": "bus", "exclude": "exclude"},
        frame_query="context_id:cam1",
    )

    job = run_export(manager_client, jobs, draft, data)

    assert job.params["filters"] == [
        {
            "mode": "by_label",
            "rules": [
                {
                    "labels": ["car", "wet"],
                    "query": "meta.x:1",
                    "confidence": [0.5, 1.0],
                    "count": [1, 3],
                    "exclude": False,
                },
                {
                    "labels": ["bus"],
                    "query": "",
                    "confidence": [0.0, 1.0],
                    "count": [1, None],
                    "exclude": True,
                },
            ],
            "frame_query": "context_id:cam1",
        }
    ]
    assert "filtered" in job.title


def test_rule_rows_count_only_when_by_label_is_chosen(manager_client, draft, jobs):
    data = posted("empty", {"labels": "car", "conf_min": "7", "query": "car AND"})

    job = run_export(manager_client, jobs, draft, data)

    assert job.params["filters"] == [{"mode": "empty", "rules": [], "frame_query": ""}]
    assert exported_keys(manager_client, job) == ["c"]


# Errors beside their fields, and no job


def test_a_broken_rule_query_shows_under_that_rules_field_and_starts_no_job(manager_client, draft):
    data = posted("by_label", {"labels": "car"}, {"labels": "bus", "query": "lable:bus"})

    response = manager_client.post(export_url(draft), data, **HTMX)

    html = response.text
    assert html.lstrip().startswith("<dialog")
    assert 'id="id_rules-0-query_errors"></ul>' in html
    assert 'id="id_rules-1-query_errors"><li>Unknown field &quot;lable&quot; at position 0' in html
    assert "A label rule needs fixing; see the marked row." in html
    assert 'value="lable:bus"' in html  # kept
    assert 'id="id_rules-1-show_query" checked' in html  # and shown
    assert not Job.objects.exists()


def test_confidence_bounds_out_of_order_are_shown_on_the_row_and_start_no_job(
    manager_client, draft
):
    data = posted("by_label", {"labels": "car", "conf_min": "0.9", "conf_max": "0.2"})

    response = manager_client.post(export_url(draft), data, **HTMX)

    assert (
        'id="rules-0-errors"><li>Confidence from: The minimum 0.9 is above the maximum 0.2.</li>'
        in response.text
    )
    assert 'value="0.9"' in response.text
    assert not Job.objects.exists()


def test_by_label_without_a_rule_count_is_explained(manager_client, draft):
    data = {"format": "coco", "mode": "by_label"}

    response = manager_client.post(export_url(draft), data, **HTMX)

    assert "The label rules arrived without a valid rule count" in response.text
    assert not Job.objects.exists()


# Adding and removing label rules


def test_add_rule_returns_the_dialog_with_one_more_row_unchecked(manager_client, draft):
    data = posted("by_label", {"labels": "car", "query": "lable:car"}, rule_action="add")

    response = manager_client.post(export_url(draft), data, **HTMX)

    html = response.text
    assert html.lstrip().startswith("<dialog")
    assert "data-modal" in html
    assert 'name="rules-TOTAL_FORMS" value="2"' in html
    assert 'id="id_rules-0-labels" value="car"' in html
    assert 'maxlength="1000" autofocus' in html.split('id="id_rules-1-labels"')[1]
    assert "Unknown field" not in html  # not checked yet
    assert not Job.objects.exists()


def test_remove_rule_moves_the_rows_below_up(manager_client, draft):
    data = posted(
        "by_label",
        {"labels": "car"},
        {"labels": "bus", "exclude": "exclude"},
        rule_action="remove-0",
    )

    response = manager_client.post(export_url(draft), data, **HTMX)

    form = response.context["form"]
    assert [rule["labels"].value() for rule in form.rules] == ["bus"]
    assert form.rules[0]["exclude"].value() == "exclude"
    assert "Remove rule 1" not in response.text  # the last row stays
    assert not Job.objects.exists()


def test_without_javascript_add_rule_renders_the_export_page(manager_client, draft):
    response = manager_client.post(export_url(draft), posted("by_label", rule_action="add"))

    assert "<html" in response.text
    assert " open>" in response.text
    assert 'name="rules-TOTAL_FORMS" value="2"' in response.text


# The live count


@pytest.mark.parametrize(("data", "keys"), CASES.values(), ids=CASES.keys())
def test_the_count_answers_how_many_frames_the_export_holds(manager_client, draft, data, keys):
    response = manager_client.post(count_url(draft), data, **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert f"<strong data-frame-count>{len(keys)}</strong> of 4 frames" in response.text


def test_the_count_warns_when_nothing_matches(manager_client, draft):
    response = manager_client.post(count_url(draft), posted("by_label", {"labels": "unicorn"}))

    assert "<strong data-frame-count>0</strong> of 4 frames" in response.text
    assert "the export would be empty" in response.text


def test_the_count_shows_a_broken_rule_query_under_its_field_out_of_band(manager_client, draft):
    data = posted("by_label", {"labels": "car", "query": "car AND"})

    response = manager_client.post(count_url(draft), data, **HTMX)

    assert (
        '<ul class="field__errors" id="id_rules-0-query_errors" hx-swap-oob="true">'
        "<li>Unexpected end of query at position 7" in response.text
    )
    assert "data-frame-count" not in response.text
    assert "Fix the marked field to count frames." in response.text
    assert 'id="export-form-errors"' not in response.text  # the notice stays until it is fixed


def test_the_count_marks_bounds_out_of_order_on_their_row(manager_client, draft):
    data = posted("by_label", {"labels": "car", "count_min": "3", "count_max": "1"})

    response = manager_client.post(count_url(draft), data, **HTMX)

    assert (
        '<ul class="field__errors rule__errors" id="rules-0-errors" hx-swap-oob="true">'
        "<li>Instances from: The minimum 3 is above the maximum 1.</li>" in response.text
    )


def test_a_valid_count_clears_the_errors_in_place(manager_client, draft):
    response = manager_client.post(count_url(draft), posted(frame_query="meta.w:rain"), **HTMX)

    assert '<div id="export-form-errors" hx-swap-oob="true"></div>' in response.text
    assert (
        '<ul class="field__errors" id="id_frame_query_errors" hx-swap-oob="true"></ul>'
        in response.text
    )
    assert "<strong data-frame-count>1</strong> of 4 frames" in response.text


def test_the_count_takes_a_fixed_number_of_queries_however_many_rules(
    manager_client, draft, django_assert_max_num_queries
):
    many = posted(
        "by_label",
        *[{"labels": label, "count_min": "0", "count_max": "5"} for label in "abcdefgh"],
        frame_query="context_id:cam2",
    )

    # Session, user, permissions, version, its lineage, the count: 6. PostgreSQL adds the
    # preview's read transaction (a savepoint here) and its settings: 12. Neither grows with rules
    # or frames.
    with django_assert_max_num_queries(12):
        response = manager_client.post(count_url(draft), many, **HTMX)

    assert "<strong data-frame-count>3</strong> of 4 frames" in response.text


def test_the_count_needs_a_login_and_view_permission_and_a_post(client, draft):
    response = client.post(count_url(draft), posted())
    assert response.status_code == 302
    assert "/login/" in response["Location"]

    client.force_login(UserFactory(username="nobody"))
    assert client.post(count_url(draft), posted()).status_code == 403


def test_the_count_is_read_by_post_only(manager_client, draft):
    assert manager_client.get(count_url(draft)).status_code == 405


def test_the_count_of_an_unknown_version_is_404(manager_client, draft):
    unknown = reverse("datasets:version_export_count", args=[draft.pk + 1000])
    assert manager_client.post(unknown, posted()).status_code == 404
