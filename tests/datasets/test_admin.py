import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from annotations.models import AnnotationTask
from annotations.services import version_publish
from datasets.jobs import job_create
from datasets.models import Dataset, Job, Version
from datasets.services import dataset_create
from frames.models import Frame, Roi
from frames.services import frames_bulk_create, version_fork
from tests.annotations.factories import ManagerFactory, make_task
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(admin_user) -> Version:
    dataset = dataset_create(name="streets", user=admin_user)
    version = dataset.versions.get()
    frames_bulk_create(
        version=version, frames=[frame_data("a", rois=[box("car")]), frame_data("b")]
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def published(draft, admin_user) -> Version:
    return version_publish(version=draft, user=admin_user)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", [Dataset, Version, Frame, Roi])
def test_admin_lists_every_model(admin_client, draft, model):
    assert model in site._registry
    assert admin_client.get(changelist_url(model)).status_code == 200


def test_admin_searches_frames_by_key_and_context_and_rois_by_label(admin_client, draft):
    frames = admin_client.get(changelist_url(Frame), {"q": "a"})
    rois = admin_client.get(changelist_url(Roi), {"q": "car"})

    assert list(frames.context["cl"].result_list) == [Frame.objects.get(key="a")]
    assert [roi.labels for roi in rois.context["cl"].result_list] == [["car"]]


def test_admin_dataset_add_goes_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:datasets_dataset_add"),
        {"name": "new", "description": "", "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0},
    )

    dataset = Dataset.objects.get(name="new")
    assert response.status_code == 302
    assert dataset.created_by == admin_user
    assert list(dataset.versions.values_list("name", "status")) == [("v1", "draft")]


def test_admin_dataset_delete_removes_versions_and_frames(admin_client, published):
    version_fork(version=published, name="child")

    confirm = admin_client.get(
        reverse("admin:datasets_dataset_delete", args=[published.dataset_id])
    )
    admin_client.post(
        reverse("admin:datasets_dataset_delete", args=[published.dataset_id]), {"post": "yes"}
    )

    assert "Versions: 2" in confirm.text
    assert not Dataset.objects.exists()
    assert not Version.objects.exists()
    assert not Frame.objects.exists()


def test_a_manager_deletes_a_dataset_an_active_task_uses_after_a_confirmation_naming_it(
    client, draft
):
    manager = ManagerFactory(is_staff=True)
    make_task(draft, manager, name="Label cars")
    client.force_login(manager)
    url = reverse("admin:datasets_dataset_delete", args=[draft.dataset_id])

    confirm = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert "Active annotation task: Label cars" in confirm.text
    assert response.status_code == 302
    assert not Dataset.objects.exists()
    assert not AnnotationTask.objects.exists()
    assert not Frame.objects.exists()


def test_admin_shows_a_published_version_read_only(admin_client, published):
    response = admin_client.get(change_url(published))

    assert response.status_code == 200
    assert 'name="name"' not in response.text
    assert 'name="_save"' not in response.text


def test_admin_refuses_to_save_a_published_version(admin_client, published):
    admin_client.post(change_url(published), {"name": "renamed", "description": ""})

    published.refresh_from_db()
    assert published.name == "v1"


def test_admin_renames_a_draft_version_through_the_service(admin_client, draft):
    response = admin_client.post(change_url(draft), {"name": "first", "description": "d"})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.name, draft.description) == ("first", "d")


def test_admin_version_rename_to_a_taken_name_shows_the_error(admin_client, published):
    child = version_fork(version=published, name="child")

    response = admin_client.post(change_url(child), {"name": "v1", "description": ""})

    child.refresh_from_db()
    assert response.status_code == 200
    assert "has a version “v1” already" in response.text
    assert child.name == "child"


def run_action(client, action: str, versions) -> None:
    client.post(
        changelist_url(Version),
        {"action": action, "_selected_action": [version.pk for version in versions]},
    )


def test_admin_publish_action_publishes_drafts_and_reports_refusals(
    admin_client, draft, admin_user
):
    other = dataset_create(name="other").versions.get()
    AnnotationTask.objects.create(
        name="Busy", source_version=other, version=other, created_by=admin_user
    )

    run_action(admin_client, "publish", [draft, other])

    draft.refresh_from_db()
    other.refresh_from_db()
    assert draft.is_published
    assert other.is_draft
    messages = [str(message) for message in admin_client.get("/admin/").context["messages"]]
    assert any("“Busy”" in message for message in messages)


def test_admin_fork_action_makes_a_uniquely_named_draft(admin_client, published):
    version_fork(version=published, name="v1 fork")

    run_action(admin_client, "fork", [published])

    child = Version.objects.get(name="v1 fork (2)")
    assert (child.parent, child.is_draft, child.frame_count) == (published, True, 2)


def test_admin_fork_action_refuses_a_draft(admin_client, draft):
    run_action(admin_client, "fork", [draft])

    assert Version.objects.count() == 1


def test_admin_shows_frames_of_a_published_version_read_only(admin_client, published):
    frame = Frame.objects.get(key="a")

    response = admin_client.get(change_url(frame))
    admin_client.post(change_url(frame), {"meta": '{"x": 1}', "opened_revision": frame.revision})

    frame.refresh_from_db()
    assert 'name="meta"' not in response.text
    assert frame.meta == {}


def test_admin_saves_frame_meta_through_the_service(admin_client, draft):
    frame = Frame.objects.get(key="a")

    response = admin_client.post(
        change_url(frame), {"meta": '{"weather": "rain"}', "opened_revision": frame.revision}
    )

    frame.refresh_from_db()
    assert response.status_code == 302
    assert frame.meta == {"weather": "rain"}
    assert frame.revision == 2
    assert frame.rois.count() == 1


def test_admin_frame_meta_must_be_an_object(admin_client, draft):
    frame = Frame.objects.get(key="a")

    response = admin_client.post(
        change_url(frame), {"meta": "[1, 2]", "opened_revision": frame.revision}
    )

    frame.refresh_from_db()
    assert "Metadata must be a JSON object" in response.text
    assert frame.revision == 1


def test_admin_frame_save_on_a_stale_revision_is_refused(admin_client, draft):
    frame = Frame.objects.get(key="a")

    response = admin_client.post(change_url(frame), {"meta": "{}", "opened_revision": 0})

    frame.refresh_from_db()
    assert "was saved by someone else" in response.text
    assert frame.revision == 1


def test_admin_rois_are_read_only(admin_client, draft):
    roi = Roi.objects.get()

    response = admin_client.get(change_url(roi))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text


# Jobs


@pytest.fixture
def jobs_made(draft, admin_user) -> list[Job]:
    upload = job_create(
        kind=Job.Kind.UPLOAD,
        title="Upload of 3 images",
        user=admin_user,
        version=draft,
        unit="frames",
        params={"staging": "incoming/abc"},
    )
    Job.objects.filter(pk=upload.pk).update(
        status=Job.Status.RUNNING, progress_done=30, progress_total=120
    )
    cleanup = job_create(kind=Job.Kind.MEDIA_CLEANUP, title="Media cleanup", user=None)
    Job.objects.filter(pk=cleanup.pk).update(status=Job.Status.SUCCEEDED)
    return [Job.objects.get(pk=upload.pk), Job.objects.get(pk=cleanup.pk)]


def test_admin_lists_jobs_with_their_progress(admin_client, jobs_made):
    response = admin_client.get(changelist_url(Job))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == jobs_made[::-1]
    assert "30 / 120 frames (25 %)" in response.text
    assert "Upload of 3 images" in response.text


def test_admin_filters_jobs_by_kind_and_status_and_searches_titles(admin_client, jobs_made):
    def listed(**query):
        return list(admin_client.get(changelist_url(Job), query).context["cl"].result_list)

    upload, cleanup = jobs_made
    assert listed(kind__exact="media_cleanup") == [cleanup]
    assert listed(status__exact="running") == [upload]
    assert listed(q="images") == [upload]


def test_admin_jobs_are_read_only(admin_client, jobs_made):
    upload = jobs_made[0]

    change = admin_client.get(change_url(upload))
    posted = admin_client.post(change_url(upload), {"title": "renamed"})

    assert change.status_code == 200
    assert 'name="_save"' not in change.text
    assert "staging" not in change.text  # params stay internal
    assert admin_client.get(reverse("admin:datasets_job_add")).status_code == 403
    assert posted.status_code == 403
    assert (
        admin_client.get(reverse("admin:datasets_job_delete", args=[upload.pk])).status_code == 403
    )
    assert Job.objects.get(pk=upload.pk).title == "Upload of 3 images"
