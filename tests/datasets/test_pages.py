import json

import pytest
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import version_publish
from datasets.models import Dataset, Version
from datasets.services import dataset_create
from frames.models import Frame
from frames.services import frames_bulk_create, version_fork
from tests.frames.factories import box, frame_data, group_data, source_data
from tests.frames.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(manager) -> Version:
    dataset = dataset_create(name="streets", description="City scenes", user=manager)
    return dataset.versions.get()


@pytest.fixture
def published(draft, manager) -> Version:
    frames_bulk_create(
        version=draft,
        frames=[
            frame_data("a", context_id="cam1", rois=[box(), box("bus")]),
            frame_data("b", context_id="cam2"),
        ],
    )
    return version_publish(version=draft, user=manager)


def toast_of(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


# Login


def page_urls(version: Version) -> list[str]:
    return [
        reverse("datasets:dataset_list"),
        reverse("datasets:dataset_create"),
        reverse("datasets:dataset_detail", args=[version.dataset_id]),
        reverse("datasets:version_detail", args=[version.pk]),
        reverse("datasets:version_upload", args=[version.pk]),
        reverse("datasets:version_publish", args=[version.pk]),
        reverse("datasets:version_fork", args=[version.pk]),
        reverse("datasets:version_jobs", args=[version.pk]),
        reverse("datasets:job_list"),
        reverse("datasets:job_cancel", args=[1]),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_sends_anonymous_users_to_the_login(client, draft, method):
    for url in page_urls(draft):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_renders_with_its_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"Hyperlabel" in response.content


def test_wrong_password_shows_the_error_on_the_login_page(client, manager):
    response = client.post(reverse("login"), {"username": "manager", "password": "nope"})

    assert response.status_code == 200
    assert "Wrong username or password" in response.text


def test_logout_is_a_post_that_ends_the_session(manager_client):
    response = manager_client.post(reverse("logout"))

    assert response.status_code == 302
    assert manager_client.get(reverse("datasets:dataset_list")).status_code == 302


# Base template


def test_base_template_has_htmx_csrf_header_and_nav(manager_client):
    response = manager_client.get(reverse("datasets:dataset_list"))

    html = response.text
    assert "htmx-2" in html
    assert "unpkg" not in html
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    assert 'href="/tasks/"' in html
    assert "Log out" in html
    assert 'aria-live="polite"' in html


def test_admin_link_shows_for_staff_only(manager_client, admin_client):
    assert reverse("admin:index") not in manager_client.get("/datasets/").text
    assert reverse("admin:index") in admin_client.get("/datasets/").text


def test_messages_show_as_toasts(manager_client):
    response = manager_client.post(reverse("datasets:dataset_create"), {"name": "x"}, follow=True)

    assert "toast--success" in response.text
    assert "Dataset “x” created" in response.text


# Dataset list and create


def test_dataset_list_empty_state_offers_the_create_form_to_managers(manager_client):
    html = manager_client.get(reverse("datasets:dataset_list")).text

    assert "No datasets yet" in html
    assert 'id="dataset-create"' in html


def test_dataset_list_hides_the_create_form_from_annotators(annotator_client):
    html = annotator_client.get(reverse("datasets:dataset_list")).text

    assert "No datasets yet" in html
    assert 'id="dataset-create"' not in html


def test_dataset_create_refuses_users_without_permission(annotator_client):
    response = annotator_client.post(reverse("datasets:dataset_create"), {"name": "mine"})

    assert response.status_code == 403
    assert not Dataset.objects.exists()


def test_dataset_create_makes_a_dataset_and_opens_it(manager_client, manager):
    response = manager_client.post(
        reverse("datasets:dataset_create"), {"name": " roads ", "description": "d"}
    )

    dataset = Dataset.objects.get()
    assert response.status_code == 302
    assert response["Location"] == dataset.get_absolute_url()
    assert (dataset.name, dataset.created_by) == ("roads", manager)
    assert dataset.versions.get().is_draft


def test_dataset_create_over_htmx_redirects_the_browser(manager_client):
    response = manager_client.post(reverse("datasets:dataset_create"), {"name": "roads"}, **HTMX)

    assert response["HX-Redirect"] == Dataset.objects.get().get_absolute_url()


def test_duplicate_dataset_name_shows_the_error_beside_the_field(manager_client, draft):
    response = manager_client.post(
        reverse("datasets:dataset_create"), {"name": "streets", "description": "kept"}, **HTMX
    )

    html = response.text
    assert response.status_code == 200
    assert "<html" not in html
    assert 'class="field__errors" id="id_name_error"' in html
    assert "A dataset named “streets” exists already." in html
    assert "kept</textarea>" in html
    assert Dataset.objects.count() == 1


def test_dataset_create_without_htmx_shows_errors_on_the_full_page(manager_client):
    response = manager_client.post(reverse("datasets:dataset_create"), {"name": ""})

    assert response.status_code == 200
    assert "<html" in response.text
    assert "This field is required." in response.text


def test_dataset_list_shows_counts_and_bounded_queries(
    manager_client, manager, django_assert_max_num_queries
):
    for number in range(6):
        dataset = dataset_create(name=f"set-{number}", user=manager)
        frames_bulk_create(
            version=dataset.versions.get(), frames=[frame_data(f"f{i}") for i in range(number)]
        )

    with django_assert_max_num_queries(6):
        response = manager_client.get(reverse("datasets:dataset_list"))

    rows = response.text.split("<tbody>")[1]
    assert rows.count('class="table__title"') == 6
    assert ">5</span>" in rows


def test_dataset_list_pagination_fragment_for_htmx(manager_client, manager):
    dataset_create(name="one", user=manager)

    response = manager_client.get(reverse("datasets:dataset_list"), **HTMX)

    assert response.text.lstrip().startswith('<section id="dataset-table"')


# Dataset page


def test_dataset_page_shows_the_version_tree_with_badges(manager_client, published):
    version_fork(version=published, name="v1 fork")

    html = manager_client.get(reverse("datasets:dataset_detail", args=[published.dataset_id])).text

    assert html.index(">v1<") < html.index(">v1 fork<")
    assert "badge--published" in html
    assert "badge--draft" in html
    assert '--depth: 1"' in html
    assert "Fork…" in html
    assert "Publish…" in html


def test_dataset_page_hides_publish_and_fork_from_annotators(annotator_client, published):
    version_fork(version=published, name="v2")

    html = annotator_client.get(
        reverse("datasets:dataset_detail", args=[published.dataset_id])
    ).text

    assert "Fork…" not in html
    assert "Publish…" not in html


# Publish


def test_publish_dialog_is_a_modal_fragment_for_htmx(manager_client, draft):
    response = manager_client.get(reverse("datasets:version_publish", args=[draft.pk]), **HTMX)

    assert response.text.lstrip().startswith("<dialog")
    assert "data-modal" in response.text
    assert "Publish “v1”?" in response.text


def test_publish_page_works_without_javascript(manager_client, draft):
    response = manager_client.get(reverse("datasets:version_publish", args=[draft.pk]))

    assert "<html" in response.text
    assert "<dialog" in response.text
    assert " open>" in response.text


def test_publish_freezes_the_version_and_returns_to_the_dataset(manager_client, draft, manager):
    response = manager_client.post(reverse("datasets:version_publish", args=[draft.pk]), **HTMX)

    draft.refresh_from_db()
    assert response["HX-Redirect"] == draft.dataset.get_absolute_url()
    assert draft.is_published
    assert draft.published_by == manager


def test_publish_refuses_users_without_permission(annotator_client, draft):
    response = annotator_client.post(reverse("datasets:version_publish", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 403
    assert draft.is_draft


def test_publish_of_a_version_in_use_asks_again_then_publishes_with_force(
    manager_client, draft, manager
):
    AnnotationTask.objects.create(
        name="Cars", source_version=draft, version=draft, created_by=manager
    )
    url = reverse("datasets:version_publish", args=[draft.pk])

    asked = manager_client.post(url, **HTMX)
    draft.refresh_from_db()
    assert asked.status_code == 200
    assert draft.is_draft
    assert "“Cars”" in asked.text
    assert 'name="force" value="true"' in asked.text
    assert "Publish anyway" in asked.text

    manager_client.post(url, {"force": "true"}, **HTMX)
    draft.refresh_from_db()
    assert draft.is_published


def test_publish_of_a_published_version_says_so_in_the_dialog(manager_client, published):
    response = manager_client.post(reverse("datasets:version_publish", args=[published.pk]), **HTMX)

    assert response.status_code == 200
    assert "is Published" in response.text


# Fork


def test_fork_dialog_suggests_a_free_name(manager_client, published):
    version_fork(version=published, name="v1 fork")

    response = manager_client.get(reverse("datasets:version_fork", args=[published.pk]), **HTMX)

    assert 'value="v1 fork (2)"' in response.text


def test_fork_creates_a_draft_child_and_opens_it(manager_client, published):
    response = manager_client.post(
        reverse("datasets:version_fork", args=[published.pk]), {"name": "next"}, **HTMX
    )

    child = Version.objects.get(name="next")
    assert response["HX-Redirect"] == child.get_absolute_url()
    assert (child.parent, child.is_draft, child.frame_count) == (published, True, 2)


def test_fork_with_a_taken_name_shows_the_error_in_place(manager_client, published):
    response = manager_client.post(
        reverse("datasets:version_fork", args=[published.pk]), {"name": "v1"}, **HTMX
    )

    assert response.status_code == 200
    assert "has a version “v1” already" in response.text
    assert 'id="id_name_error"' in response.text
    assert Version.objects.count() == 1


def test_fork_of_a_draft_explains_it_must_be_published_first(manager_client, draft):
    response = manager_client.get(reverse("datasets:version_fork", args=[draft.pk]), **HTMX)

    assert "only Published versions can be forked" in response.text
    assert 'name="name"' not in response.text


def test_fork_refuses_users_without_permission(annotator_client, published):
    response = annotator_client.post(
        reverse("datasets:version_fork", args=[published.pk]), {"name": "x"}
    )

    assert response.status_code == 403
    assert Version.objects.count() == 1


# Version page


def test_version_page_of_an_empty_draft_shows_the_empty_state_and_upload(manager_client, draft):
    html = manager_client.get(reverse("datasets:version_detail", args=[draft.pk])).text

    assert "No frames yet" in html
    assert 'id="upload"' in html
    assert 'type="file" name="files"' in html


def test_version_page_of_a_published_version_is_read_only(manager_client, published):
    html = manager_client.get(reverse("datasets:version_detail", args=[published.pk])).text

    assert 'id="upload"' not in html
    assert "read-only" in html


def test_frame_grid_shows_thumbnails_roi_counts_and_context(manager_client, published):
    html = manager_client.get(reverse("datasets:version_detail", args=[published.pk])).text

    frame = Frame.objects.get(key="a")
    assert f'src="{reverse("frames:frame_thumb", args=[frame.pk])}"' in html
    assert ">2 ROIs</span>" in html
    assert ">cam1</a>" in html


def test_frame_grid_filters_by_context_id_as_an_htmx_fragment(manager_client, published):
    response = manager_client.get(
        reverse("datasets:version_detail", args=[published.pk]), {"context": "cam2"}, **HTMX
    )

    html = response.text
    assert html.lstrip().startswith('<div id="frame-grid"')
    assert html.count('class="frame-card"') == 1
    assert "frame-card__key" in html
    assert '">b</span>' in html


def test_frame_grid_filter_without_matches_shows_its_empty_state(manager_client, published):
    response = manager_client.get(
        reverse("datasets:version_detail", args=[published.pk]), {"context": "nope"}
    )

    assert "No frames with this context_id" in response.text


def test_frame_grid_queries_are_bounded(manager_client, draft, django_assert_max_num_queries):
    frames_bulk_create(
        version=draft,
        frames=[frame_data(f"f{i:02d}", context_id="c", rois=[box()]) for i in range(70)],
    )
    url = reverse("datasets:version_detail", args=[draft.pk])

    with django_assert_max_num_queries(9):  # 3 for the jobs list
        response = manager_client.get(url)
    with django_assert_max_num_queries(10):
        filtered = manager_client.get(url, {"context": "c", "page": 2})

    assert response.text.count('class="frame-card"') == 60
    assert filtered.text.count('class="frame-card"') == 10
    assert "Page 2 of 2" in filtered.text
    assert "context=c" in filtered.text


# Upload


def test_upload_queues_a_job_and_its_frames_show_in_the_grid_once_it_ran(
    manager_client, draft, jobs
):
    files = [upload("one.png", image_bytes()), upload("two.png", image_bytes())]

    with jobs.queued():
        response = manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]),
            {"files": files, "context_id": "batch-1"},
            **HTMX,
        )
    assert response.status_code == 200
    assert toast_of(response)["message"] == "Upload of 2 images to streets / v1: queued."
    assert not Frame.objects.exists()

    assert jobs.run() == 1
    html = manager_client.get(reverse("datasets:version_detail", args=[draft.pk])).text

    assert "2 frames" in html.split('id="version-header"')[1]
    assert html.count('class="frame-card"') == 2
    assert "Added 2 frames." in html
    assert sorted(Frame.objects.in_version(draft).values_list("key", "context_id")) == [
        ("one", "batch-1"),
        ("two", "batch-1"),
    ]


def test_upload_without_htmx_redirects_back_with_a_message(manager_client, draft):
    response = manager_client.post(
        reverse("datasets:version_upload", args=[draft.pk]),
        {"files": [upload("one.png", image_bytes())]},
    )

    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()


def test_upload_without_files_asks_for_one(manager_client, draft):
    response = manager_client.post(reverse("datasets:version_upload", args=[draft.pk]), **HTMX)

    assert "Choose at least one image or video." in response.text


def test_upload_to_a_published_version_is_refused_in_place(manager_client, published):
    response = manager_client.post(
        reverse("datasets:version_upload", args=[published.pk]),
        {"files": [upload("one.png", image_bytes())]},
        **HTMX,
    )

    assert "is Published" in response.text
    assert Frame.objects.count() == 2


def test_upload_refuses_users_without_permission(annotator_client, draft):
    response = annotator_client.post(
        reverse("datasets:version_upload", args=[draft.pk]),
        {"files": [upload("one.png", image_bytes())]},
    )

    assert response.status_code == 403
    assert not Frame.objects.exists()


def test_permission_errors_render_the_styled_403_page(annotator_client):
    response = annotator_client.post(reverse("datasets:dataset_create"), {"name": "mine"})

    assert "You may not do that" in response.text
    assert "topbar" in response.text


def test_missing_objects_render_the_styled_404_page(manager_client):
    response = manager_client.get(reverse("datasets:dataset_detail", args=[999]))

    assert response.status_code == 404
    assert "Nothing here" in response.text


# View permissions


@pytest.mark.parametrize("page", ["dataset_list", "dataset_detail", "version_detail"])
def test_a_user_in_no_group_sees_no_dataset_page(client, draft, page):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))
    args = {"dataset_list": [], "dataset_detail": [draft.dataset_id], "version_detail": [draft.pk]}
    response = client.get(reverse(f"datasets:{page}", args=args[page]))
    assert response.status_code == 403
    assert b"streets" not in response.content


@pytest.mark.parametrize("page", ["dataset_list", "dataset_detail", "version_detail"])
def test_annotators_see_the_dataset_pages(annotator_client, draft, page):
    args = {"dataset_list": [], "dataset_detail": [draft.dataset_id], "version_detail": [draft.pk]}
    assert annotator_client.get(reverse(f"datasets:{page}", args=args[page])).status_code == 200


def test_a_frame_groups_card_says_how_many_sources_it_has(manager_client, draft):
    sources = [source_data("front"), source_data("rear")]
    frames_bulk_create(version=draft, frames=[group_data("rig", sources)])
    html = manager_client.get(reverse("datasets:version_detail", args=[draft.pk])).text
    assert html.count('class="frame-card__sources"') == 1
    assert ">2 sources</span>" in html
