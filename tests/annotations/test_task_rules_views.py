"""The create page's label rules: the formset's rows added and removed, errors on their rows."""

import pytest

from annotations.forms import MAX_RULES
from annotations.models import AnnotationTask, FilterMode
from tests.annotations.form_posts import (
    CREATE,
    HTMX,
    form_data,
    rules,
)

pytestmark = pytest.mark.django_db


# Adding and removing rows, with and without htmx


def test_add_rule_returns_the_form_with_one_more_row_and_no_errors(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="add") | rules(
        {"labels": "car", "query": "lable:car"}
    )

    response = manager_client.post(CREATE, data, **HTMX)

    assert "<html" not in response.text
    assert len(response.context["form"].rules) == 2
    assert 'id="id_rules-1-labels" value="" list="version-labels"' in response.text
    assert 'name="rules-TOTAL_FORMS" value="2"' in response.text
    assert "Unknown field" not in response.text
    assert 'value="lable:car"' in response.text
    assert not AnnotationTask.objects.exists()


def test_add_rule_without_javascript_renders_the_whole_page_focused_on_the_new_row(
    manager_client, street_version
):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="add") | rules(
        {"labels": "car"}
    )

    response = manager_client.post(CREATE, data)

    assert "<html" in response.text
    assert 'id="id_rules-0-labels" value="car"' in response.text
    assert 'id="id_rules-1-labels" value="" list="version-labels"' in response.text
    assert response.text.count(" autofocus") == 1
    assert 'maxlength="1000" autofocus' in response.text.split('id="id_rules-1-labels"')[1]


def test_remove_rule_drops_that_row_but_never_the_last(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="remove-0") | rules(
        {"labels": "car"}, {"labels": "bus"}
    )

    response = manager_client.post(CREATE, data)
    assert [rule["labels"].value() for rule in response.context["form"].rules] == ["bus"]
    assert 'name="rules-TOTAL_FORMS" value="1"' in response.text
    assert "Remove rule 1" not in response.text

    data = form_data(street_version, rule_action="remove-0") | rules({"labels": "car"})
    response = manager_client.post(CREATE, data)
    assert [rule["labels"].value() for rule in response.context["form"].rules] == ["car"]


def test_remove_a_middle_rule_moves_the_rows_below_up(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="remove-1") | rules(
        {"labels": "car"}, {"labels": "bus"}, {"labels": "person", "exclude": "exclude"}
    )

    response = manager_client.post(CREATE, data, **HTMX)

    form = response.context["form"]
    assert [rule["labels"].value() for rule in form.rules] == ["car", "person"]
    assert form.rules[1]["exclude"].value() == "exclude"
    assert 'aria-label="Remove rule 2"' in response.text
    assert 'value="remove-1"' in response.text


def test_twenty_rules_offer_no_add_button_and_a_twenty_first_is_not_added(
    manager_client, street_version
):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="add")
    data |= rules(*[{"labels": f"label{index}"} for index in range(MAX_RULES)])

    response = manager_client.post(CREATE, data)

    assert len(response.context["form"].rules) == MAX_RULES
    assert "Add label rule" not in response.text
    assert "20 label rules is the most a filter takes" in response.text


# Errors on the rule that has them


def test_a_broken_query_in_the_second_rule_shows_under_that_rules_field(
    manager_client, street_version
):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car"}, {"labels": "bus", "query": "car AND"}
    )

    response = manager_client.post(CREATE, data, **HTMX)

    first, second = response.context["form"].rules
    assert not first.errors
    assert list(second.errors) == ["query"]
    assert 'id="id_rules-0-query_errors"></ul>' in response.text
    assert 'id="id_rules-1-query_errors"><li>Unexpected end of query at position 7' in response.text
    assert "A label rule needs fixing; see the marked row." in response.text
    assert not AnnotationTask.objects.exists()


def test_an_engine_range_error_in_the_second_rule_lands_on_its_field(
    manager_client, street_version
):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules(
        {"labels": "car"}, {"labels": "bus", "count_min": "3", "count_max": "1"}
    )

    response = manager_client.post(CREATE, data)

    first, second = response.context["form"].rules
    assert not first.errors
    assert second.errors == {"count_min": ["The minimum 3 is above the maximum 1."]}
    assert 'id="rules-0-errors"></ul>' in response.text
    assert (
        'id="rules-1-errors"><li>Instances from: The minimum 3 is above the maximum 1.</li>'
        in response.text
    )


# A broken or oversized formset


def test_more_than_twenty_rules_are_refused_with_the_limit(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL)
    data |= rules(*[{"labels": "car"} for _ in range(MAX_RULES + 1)])

    response = manager_client.post(CREATE, data)

    assert response.status_code == 200
    assert "A filter takes at most 20 label rules; remove some and submit again." in response.text
    assert not AnnotationTask.objects.exists()


@pytest.mark.parametrize(
    "management",
    [
        {"rules-TOTAL_FORMS": None, "rules-INITIAL_FORMS": None},
        {"rules-TOTAL_FORMS": "many"},
        {"rules-INITIAL_FORMS": "-"},
    ],
)
def test_a_tampered_rule_count_is_explained_not_a_server_error(
    manager_client, street_version, management
):
    data = form_data(street_version, mode=FilterMode.BY_LABEL) | rules({"labels": "car"})
    data = {name: value for name, value in (data | management).items() if value is not None}

    response = manager_client.post(CREATE, data, **HTMX)

    assert response.status_code == 200
    assert "The label rules arrived without a valid rule count" in response.text
    assert "reload the page and enter the rules again" in response.text
    assert not AnnotationTask.objects.exists()


def test_a_tampered_rule_count_does_not_matter_for_all_frames(manager_client, street_version):
    data = form_data(street_version) | {"rules-TOTAL_FORMS": "many"}

    response = manager_client.post(CREATE, data)

    assert response.status_code == 302
    assert AnnotationTask.objects.get().frame_count == 6


def test_adding_a_row_repairs_a_missing_rule_count(manager_client, street_version):
    data = form_data(street_version, mode=FilterMode.BY_LABEL, rule_action="add")
    data = {name: value for name, value in data.items() if not name.startswith("rules-")}

    response = manager_client.post(CREATE, data)

    assert len(response.context["form"].rules) == 1
    assert 'name="rules-TOTAL_FORMS" value="1"' in response.text
