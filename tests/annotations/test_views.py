import json

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import task_complete, task_create, task_item_done, task_next
from tests.factories import DatasetFactory, frame_data, publish, version_with_frames

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("annotations:task_list")
CREATE = reverse("annotations:task_create")
PREVIEW = reverse("annotations:task_preview")
CARS = [{"mode": "by_label", "rules": [{"labels": ["car"]}]}]


def make_task(version, user, *, name="Label cars", filters=None, iteration=None):
    return task_create(
        name=name, version=version, filters=filters or [], iteration=iteration or {}, user=user
    )


def htmx_from(url: str) -> dict:
    """Headers of an htmx request sent from the page at `url`."""
    return {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{url}"}


def toast_of(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


def card_names(response) -> list[str]:
    return [task.name for task in response.context["page"].object_list]


def form_data(version, **fields) -> dict:
    """A create form as the browser posts it: All frames, sequential, each frame once."""
    data = {
        "name": "Cars pass",
        "version": str(version.pk),
        "mode": "all",
        "frame_query": "",
        "order": "sequential",
        "repetition": "once",
        "limit": "",
        "seed": "",
        "clip_length": "",
        "rule": ["0"],
    }
    return data | fields


def rule_fields(row: int = 0, **fields) -> dict:
    base = {"labels": "", "conf_min": "", "conf_max": "", "count_min": "", "count_max": ""}
    base |= {"exclude": "include", "query": ""}
    return {f"rule-{row}-{name}": value for name, value in (base | fields).items()}


# The list


def test_anonymous_users_are_sent_to_the_login(client):
    for url in (LIST, CREATE, reverse("annotations:task_info", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_list_shows_a_card_with_progress_summary_and_order(
    manager_client, manager, annotator, street_version
):
    task = make_task(
        street_version,
        manager,
        name="Confident cars",
        filters=[
            {
                "mode": "by_label",
                "rules": [{"labels": ["car"], "confidence": [0.5, 1], "query": "meta.occluded:*"}],
            }
        ],
        iteration={"order": "random", "seed": 42},
    )
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)

    response = manager_client.get(LIST)

    assert response.status_code == 200
    html = response.text
    assert "Confident cars" in html
    assert reverse("annotations:task_annotate", args=[task.pk]) in html
    assert "By label: car, conf 0.5–1, ≥ 1 instance · + Lucene" in html
    assert "Random · seed 42" in html
    assert "<strong>1</strong> / 1 frames done" in html
    assert 'aria-valuenow="1"' in html
    assert f"{street_version.dataset.name}</span>" in html


def test_htmx_list_request_returns_only_the_card_grid(manager_client, manager, street_version):
    make_task(street_version, manager)

    response = manager_client.get(LIST, **HTMX)

    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="task-cards"')
    assert "Label cars" in response.text
    assert response["Vary"] == "HX-Request, Cookie" or "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(manager_client):
    response = manager_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert "<html" in response.text


def test_list_shows_active_tasks_by_default_and_completed_on_the_toggle(
    manager_client, manager, street_version
):
    make_task(street_version, manager, name="Running")
    task_complete(task=make_task(street_version, manager, name="Finished"), user=manager)

    assert card_names(manager_client.get(LIST)) == ["Running"]
    assert card_names(manager_client.get(LIST, {"status": "completed"}, **HTMX)) == ["Finished"]


def test_dataset_filter_keeps_tasks_of_that_dataset(manager_client, manager, street_version):
    other = version_with_frames([frame_data("x")], dataset=DatasetFactory(name="Other"))
    make_task(street_version, manager, name="Streets task")
    make_task(other, manager, name="Other task")

    response = manager_client.get(LIST, {"dataset": other.dataset_id}, **HTMX)

    assert card_names(response) == ["Other task"]


def test_mine_keeps_the_tasks_the_user_created(manager_client, manager, street_version):
    colleague = type(manager).objects.create_user("colleague")
    colleague.groups.set(manager.groups.all())
    make_task(street_version, manager, name="My task")
    make_task(street_version, colleague, name="Their task")

    assert card_names(manager_client.get(LIST, {"mine": "1"})) == ["My task"]
    assert sorted(card_names(manager_client.get(LIST, {"mine": ""}))) == ["My task", "Their task"]


def test_sort_by_name_or_most_recent_first(manager_client, manager, street_version):
    for name in ("b task", "a task", "c task"):
        make_task(street_version, manager, name=name)

    assert card_names(manager_client.get(LIST, {"sort": "name"})) == ["a task", "b task", "c task"]
    assert card_names(manager_client.get(LIST, {"sort": "recent"})) == [
        "c task",
        "a task",
        "b task",
    ]


def test_the_toolbar_shows_the_choices_from_the_url(manager_client, street_version):
    response = manager_client.get(
        LIST,
        {"status": "completed", "mine": "1", "sort": "name", "dataset": street_version.dataset_id},
    )

    html = response.text
    assert 'name="status" value="completed" checked' in html
    assert 'name="mine" value="1" checked' in html
    assert '<option value="name" selected>' in html
    assert f'<option value="{street_version.dataset_id}" selected>' in html
    assert 'hx-push-url="true"' in html


def test_unknown_filter_values_fall_back_to_the_defaults(manager_client, manager, street_version):
    make_task(street_version, manager, name="Running")

    response = manager_client.get(
        LIST, {"status": "bogus", "dataset": "abc", "mine": "x", "sort": "size"}
    )

    assert response.status_code == 200
    assert card_names(response) == ["Running"]


def test_no_task_at_all_shows_the_first_task_empty_state(manager_client):
    response = manager_client.get(LIST)

    assert "No annotation tasks yet" in response.text
    assert CREATE in response.text


def test_filters_matching_nothing_show_the_no_match_empty_state(
    manager_client, manager, street_version
):
    make_task(street_version, manager)

    response = manager_client.get(LIST, {"status": "completed"}, **HTMX)

    assert "No task matches" in response.text
    assert "No annotation tasks yet" not in response.text


def test_list_query_count_does_not_grow_with_cards(
    manager_client, manager, street_version, django_assert_num_queries
):
    def queries_for(count: int) -> int:
        AnnotationTask.objects.all().delete()
        for number in range(count):
            make_task(street_version, manager, name=f"task {number}")
        # session, user, the dataset chosen, page count, page rows, permissions
        with django_assert_num_queries(6) as captured:
            response = manager_client.get(LIST, {"dataset": street_version.dataset_id}, **HTMX)
        assert len(response.context["page"].object_list) == count
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(30)


def test_more_than_fifty_tasks_are_paginated(manager_client, manager, street_version):
    for number in range(52):
        make_task(street_version, manager, name=f"task {number:02}")

    first = manager_client.get(LIST, {"sort": "name"})
    second = manager_client.get(LIST, {"sort": "name", "page": "2"}, **HTMX)

    assert len(first.context["page"].object_list) == 50
    assert "sort=name" in first.text  # the pagination links keep the filters
    assert card_names(second) == ["task 50", "task 51"]


def test_annotators_see_no_complete_or_delete_in_the_menu(
    annotator_client, manager, street_version
):
    task = make_task(street_version, manager)

    html = annotator_client.get(LIST).text

    assert reverse("annotations:task_info", args=[task.pk]) in html
    assert reverse("annotations:task_complete", args=[task.pk]) not in html
    assert reverse("annotations:task_delete", args=[task.pk]) not in html
    assert "Add new annotation" not in html


def test_managers_see_complete_and_delete_in_the_menu(manager_client, manager, street_version):
    task = make_task(street_version, manager)

    html = manager_client.get(LIST).text

    assert reverse("annotations:task_complete", args=[task.pk]) in html
    assert reverse("annotations:task_delete", args=[task.pk]) in html


def test_user_text_is_escaped_on_the_cards(manager_client, manager, street_version):
    make_task(street_version, manager, name="<script>alert(1)</script>")

    html = manager_client.get(LIST).text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Create: the form


def test_create_form_groups_versions_by_dataset_with_their_status(manager_client, street_version):
    published = version_with_frames([frame_data("p")], published=True)

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
    assert task.filters == [{"mode": "all", "rules": [], "frame_query": ""}]
    assert "Task “Cars pass” created with 6 frames." in response.text


def test_create_empty_frames(manager_client, street_version):
    task = created(manager_client, form_data(street_version, mode="empty"))

    assert task.filters[0]["mode"] == "empty"
    assert task.frame_count == 1


def test_create_by_label_with_ranges_and_a_lucene_query(manager_client, street_version):
    data = form_data(street_version, mode="by_label") | rule_fields(
        labels="car, occluded",
        conf_min="0.5",
        conf_max="1",
        count_min="1",
        count_max="3",
        query="meta.occluded:true",
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
    data = (
        form_data(street_version, mode="by_label", rule=["0", "4"])
        | rule_fields(0, labels="car")
        | rule_fields(4, labels="bus", exclude="exclude")
    )

    task = created(manager_client, data)

    assert [rule["exclude"] for rule in task.filters[0]["rules"]] == [False, True]
    assert task.frame_count == 2  # a1 and a3 have cars and no bus


def test_rule_rows_are_ignored_unless_by_label_is_chosen(manager_client, street_version):
    data = form_data(street_version, mode="all") | rule_fields(labels="car", conf_min="7")

    task = created(manager_client, data)

    assert task.filters[0]["rules"] == []
    assert task.frame_count == 6


def test_create_with_a_frame_query(manager_client, street_version):
    task = created(manager_client, form_data(street_version, frame_query="meta.weather:rain"))

    assert task.filters[0]["frame_query"] == "meta.weather:rain"
    assert task.frame_count == 1


def test_create_random_with_a_given_seed(manager_client, street_version):
    task = created(manager_client, form_data(street_version, order="random", seed="7"))

    assert (task.order, task.seed) == ("random", 7)


def test_create_random_without_a_seed_generates_one_and_says_which(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version, order="random"), follow=True)

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
    data = form_data(street_version, mode="by_label") | rule_fields(labels="unicorn")

    response = manager_client.post(CREATE, data)

    assert response.status_code == 200
    assert "The filters match no frame of version" in response.text
    assert 'value="unicorn"' in response.text
    assert not AnnotationTask.objects.exists()


def test_a_broken_rule_query_shows_its_position_under_the_field(manager_client, street_version):
    data = form_data(street_version, mode="by_label") | rule_fields(labels="car", query="lable:car")

    response = manager_client.post(CREATE, data, **HTMX)

    assert "<html" not in response.text
    rule = response.context["form"].rules[0]
    assert "lable" in rule.errors["query"][0]
    assert "at position 0" in rule.errors["query"][0]
    assert 'id="id_rule-0-query_errors"><li>Unknown field' in response.text
    assert 'value="lable:car"' in response.text
    assert "A label rule needs fixing" in response.text
    assert not AnnotationTask.objects.exists()


def test_a_broken_frame_query_shows_its_error_under_the_field(manager_client, street_version):
    response = manager_client.post(CREATE, form_data(street_version, frame_query="meta.x:(a"))

    errors = response.context["form"].errors["frame_query"]
    assert "position" in errors[0]
    assert 'value="meta.x:(a"' in response.text


def test_confidence_bounds_out_of_order_are_shown_on_the_row(manager_client, street_version):
    data = form_data(street_version, mode="by_label") | rule_fields(
        labels="car", conf_min="0.9", conf_max="0.2"
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


# Create: adding and removing label rows


def test_add_rule_returns_the_form_with_one_more_row_and_no_errors(manager_client, street_version):
    data = form_data(street_version, mode="by_label", rule_action="add") | rule_fields(
        labels="car", query="lable:car"
    )

    response = manager_client.post(CREATE, data, **HTMX)

    assert "<html" not in response.text
    assert [rule.rule_id for rule in response.context["form"].rules] == [0, 1]
    assert 'id="id_rule-1-labels"' in response.text
    assert "Unknown field" not in response.text
    assert 'value="lable:car"' in response.text
    assert not AnnotationTask.objects.exists()


def test_remove_rule_drops_that_row_but_never_the_last(manager_client, street_version):
    data = (
        form_data(street_version, mode="by_label", rule=["0", "3"], rule_action="remove-0")
        | rule_fields(0, labels="car")
        | rule_fields(3, labels="bus")
    )

    response = manager_client.post(CREATE, data)
    assert [rule.rule_id for rule in response.context["form"].rules] == [3]

    data = form_data(street_version, rule_action="remove-0") | rule_fields(0, labels="car")
    response = manager_client.post(CREATE, data)
    assert [rule.rule_id for rule in response.context["form"].rules] == [0]


# The live count


def test_preview_counts_the_frames_the_task_would_hold(manager_client, street_version):
    data = form_data(street_version, mode="by_label", name="") | rule_fields(labels="car")

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
    data = form_data(street_version, mode="by_label") | rule_fields(labels="unicorn")

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert "<strong data-frame-count>0</strong> frames" in response.text
    assert "cannot be created" in response.text


def test_preview_shows_a_broken_query_under_its_field_out_of_band(manager_client, street_version):
    data = form_data(street_version, mode="by_label") | rule_fields(labels="car", query="car AND")

    response = manager_client.post(PREVIEW, data, **HTMX)

    assert (
        '<ul class="field__errors" id="id_rule-0-query_errors" hx-swap-oob="true">'
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


# Info


def test_info_shows_version_filter_as_typed_iteration_counts_and_workers(
    manager_client, manager, annotator, street_version
):
    published = publish(street_version)
    task = make_task(
        published,
        manager,
        name="Occluded cars",
        filters=[
            {
                "mode": "by_label",
                "rules": [{"labels": ["car"], "query": 'meta.occluded:true OR type:"box"'}],
                "frame_query": "context_id:cam1",
            }
        ],
        iteration={"order": "random", "seed": 5, "limit": 2, "clip_length": 0},
    )
    item = task_next(task=task, user=annotator)
    task_item_done(task=task, position=item.position, user=annotator)
    task_next(task=task, user=manager)

    response = manager_client.get(reverse("annotations:task_info", args=[task.pk]), **HTMX)

    html = response.text
    assert "<html" not in html
    assert "data-modal" in html
    assert task.version.get_absolute_url() in html
    assert f'forked from <a href="{published.get_absolute_url()}">' in html
    assert "meta.occluded:true OR type:&quot;box&quot;" in html
    assert "context_id:cam1" in html
    assert "≥ 1 instance" in html
    assert "Random seed</dt><dd>5</dd>" in html
    assert "at most 2" in html
    assert "Claimed now</dt><dd>1 item</dd>" in html
    assert "annotator, manager" in html


def test_info_without_htmx_is_a_page(annotator_client, manager, street_version):
    task = make_task(street_version, manager)

    response = annotator_client.get(reverse("annotations:task_info", args=[task.pk]))

    assert "<html" in response.text
    assert "nobody yet" in response.text


# Complete and delete


def test_complete_confirmation_names_the_task(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.get(reverse("annotations:task_complete", args=[task.pk]), **HTMX)

    assert "Complete “Cars”?" in response.text
    assert ">Confirm</button>" in response.text
    assert "<html" not in response.text


def test_complete_through_htmx_refreshes_the_grid_closes_the_dialog_and_toasts(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")
    make_task(street_version, manager, name="Buses")
    page = f"{LIST}?sort=name"

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(page)
    )

    task.refresh_from_db()
    assert task.status == AnnotationTask.Status.COMPLETED
    assert task.completed_by == manager
    assert card_names(response) == ["Buses"]
    assert '<div id="dialog-slot" hx-swap-oob="true"></div>' in response.text
    assert (
        toast_of(response)["message"] == "Task “Cars” completed; it is listed under Completed now."
    )


def test_completing_the_last_active_task_shows_the_empty_state(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager)

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(LIST)
    )

    assert "No task matches" in response.text


def test_complete_without_javascript_redirects_with_a_message(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), follow=True
    )

    assert response.redirect_chain == [(LIST, 302)]
    assert "Task “Cars” completed" in response.text


def test_completing_a_completed_task_explains_in_the_dialog(
    manager_client, manager, street_version
):
    task = make_task(street_version, manager, name="Cars")
    task_complete(task=task, user=manager)

    response = manager_client.post(
        reverse("annotations:task_complete", args=[task.pk]), **htmx_from(LIST)
    )

    assert response["HX-Retarget"] == "#dialog-slot"
    assert "is completed, so it is read-only" in response.text


def test_annotators_may_not_complete(annotator_client, manager, street_version):
    task = make_task(street_version, manager)
    url = reverse("annotations:task_complete", args=[task.pk])

    assert annotator_client.get(url, **HTMX).status_code == 403
    response = annotator_client.post(url, **htmx_from(LIST))

    assert response.status_code == 403
    assert "You do not have permission to complete annotation tasks." in response.text
    assert ">Confirm</button>" not in response.text
    task.refresh_from_db()
    assert task.is_active


def test_delete_through_htmx_removes_the_card(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.post(
        reverse("annotations:task_delete", args=[task.pk]), **htmx_from(LIST)
    )

    assert not AnnotationTask.objects.exists()
    assert card_names(response) == []
    assert "No annotation tasks yet" in response.text
    assert toast_of(response)["message"] == "Task “Cars” deleted; its version and annotations stay."


def test_delete_confirmation_says_the_version_stays(manager_client, manager, street_version):
    task = make_task(street_version, manager, name="Cars")

    response = manager_client.get(reverse("annotations:task_delete", args=[task.pk]))

    assert "<html" in response.text
    assert "Delete “Cars”?" in response.text
    assert f"Version “{street_version.name}” and every annotation" in response.text


def test_annotators_may_not_delete(annotator_client, manager, street_version):
    task = make_task(street_version, manager)

    response = annotator_client.post(reverse("annotations:task_delete", args=[task.pk]))

    assert response.status_code == 403
    assert "You do not have permission to delete annotation tasks." in response.text
    assert AnnotationTask.objects.filter(pk=task.pk).exists()


def test_a_missing_task_is_a_404(manager_client):
    assert manager_client.get(reverse("annotations:task_info", args=[999])).status_code == 404
    assert manager_client.post(reverse("annotations:task_delete", args=[999])).status_code == 404
