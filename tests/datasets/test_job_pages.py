"""The jobs users see: the version page's Jobs list (progress, errors in place, Cancel, polling
while active, the frames once an upload succeeds) and the Jobs page."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from datasets.jobs import job_create
from datasets.models import Job, Version
from datasets.services import dataset_create
from frames.models import Frame
from tests.frames.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
POLLING = 'hx-trigger="every 1s"'


@pytest.fixture
def draft(manager) -> Version:
    return dataset_create(name="streets", user=manager).versions.get()


def make_job(version, user, *, status=Job.Status.QUEUED, title="Upload of 3 images", **fields):
    job = job_create(kind=Job.Kind.UPLOAD, title=title, user=user, version=version, unit="frames")
    Job.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    return job


def running(version, user, done=30, total=120, **fields):
    now = timezone.now()
    fields = {"started_at": now, "heartbeat_at": now, **fields}
    return make_job(
        version, user, status=Job.Status.RUNNING, progress_done=done, progress_total=total, **fields
    )


def version_url(version) -> str:
    return reverse("datasets:version_detail", args=[version.pk])


def jobs_url(version, watching=()) -> str:
    url = reverse("datasets:version_jobs", args=[version.pk])
    return f"{url}?watching={','.join(str(job.pk) for job in watching)}"


def cancel_url(job) -> str:
    return reverse("datasets:job_cancel", args=[job.pk])


def toast_of(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


def section(html: str) -> str:
    """The version page's Jobs list, up to the Frames card."""
    return html.split('id="version-jobs"')[1].split('aria-labelledby="frames-title"')[0]


# The version page's Jobs list


def test_version_page_shows_a_running_job_with_its_progress_and_message(
    manager_client, draft, manager
):
    running(draft, manager, message="Checked street-7.png")

    html = section(manager_client.get(version_url(draft)).text)

    assert "Upload of 3 images" in html
    assert '<span class="badge badge--info">Running</span>' in html
    assert '<progress max="120" value="30"' in html
    assert "<strong>30</strong> of 120 frames · 25 %" in html
    assert "Checked street-7.png" in html
    assert "by manager" in html


def test_a_queued_job_shows_an_indeterminate_bar_and_says_queued(manager_client, draft, manager):
    make_job(draft, manager)

    html = section(manager_client.get(version_url(draft)).text)

    assert "<progress aria-label=" in html  # no value: indeterminate
    assert "Queued…" in html
    assert "queued <time" in html


def test_a_succeeded_job_shows_its_full_bar_and_result(manager_client, draft, manager):
    make_job(
        draft,
        manager,
        status=Job.Status.SUCCEEDED,
        result={"created": 120, "frames": []},
        progress_done=120,
        progress_total=120,
        finished_at=timezone.now(),
    )

    html = section(manager_client.get(version_url(draft)).text)

    assert "Added 120 frames." in html
    assert "badge--success" in html
    assert '<progress max="120" value="120"' in html
    assert "Cancel" not in html
    assert "finished <time" in html


def test_a_failed_job_lists_its_first_errors_in_place_as_text(manager_client, draft, manager):
    errors = [
        {"line": number, "field": "source.uri", "message": f"<b>bad {number}</b>"}
        for number in range(1, 26)
    ]
    make_job(draft, manager, status=Job.Status.FAILED, message="<i>25 problems</i>", errors=errors)

    html = section(manager_client.get(version_url(draft)).text)

    assert "&lt;i&gt;25 problems&lt;/i&gt;" in html
    assert "&lt;b&gt;bad 20&lt;/b&gt;" in html
    assert "bad 21" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    assert '<span class="job__where">Line 3</span><code>source.uri</code>' in html
    assert "and 5 more" in html
    assert 'class="badge badge--danger">Failed' in html


def test_an_error_by_index_names_the_index_and_one_repeating_the_message_is_not_listed_twice(
    manager_client, draft, manager
):
    make_job(
        draft,
        manager,
        status=Job.Status.FAILED,
        message="“fake.jpg” is not an image.",
        errors=[{"message": "“fake.jpg” is not an image."}],
        title="first",
    )
    make_job(
        draft,
        manager,
        status=Job.Status.FAILED,
        message="1 frame is wrong.",
        errors=[{"index": 0, "field": "id", "message": "Key taken."}],
        title="second",
    )

    html = section(manager_client.get(version_url(draft)).text)

    assert html.count("“fake.jpg” is not an image.") == 1
    assert '<span class="job__where">Index 0</span><code>id</code><span>Key taken.</span>' in html


def test_a_version_without_jobs_keeps_a_hidden_empty_jobs_list(manager_client, draft):
    html = manager_client.get(version_url(draft)).text

    assert '<section id="version-jobs"' in html
    jobs = html.split('<section id="version-jobs"')[1].split("</section>")[0]
    assert " hidden" in jobs.split(">")[0]
    assert "job-list" not in jobs
    assert POLLING not in html


def test_the_jobs_list_polls_only_while_a_job_is_active(manager_client, draft, manager):
    job = make_job(draft, manager)

    html = manager_client.get(version_url(draft)).text
    assert POLLING in html
    assert f'hx-get="{jobs_url(draft, [job])}"' in html

    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, finished_at=timezone.now())
    assert POLLING not in manager_client.get(version_url(draft)).text
    poll = manager_client.get(jobs_url(draft, [job]), **HTMX)
    assert poll.text.lstrip().startswith('<section id="version-jobs"')
    assert POLLING not in poll.text


def test_a_running_job_whose_worker_died_shows_as_failed(manager_client, draft, manager, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    job = running(draft, manager, heartbeat_at=long_ago)

    html = section(manager_client.get(version_url(draft)).text)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Failed" in html
    assert "The worker running this job stopped" in html
    assert POLLING not in html


def test_the_version_jobs_list_shows_other_users_jobs_without_their_cancel_button(
    annotator_client, draft, manager
):
    job = make_job(draft, manager)

    html = section(annotator_client.get(version_url(draft)).text)

    assert "Upload of 3 images" in html
    assert cancel_url(job) not in html


def test_the_jobs_list_poll_refuses_users_without_view_permission(client, draft, manager):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))
    assert client.get(jobs_url(draft), **HTMX).status_code == 403


def test_the_jobs_list_poll_queries_are_bounded(
    manager_client, draft, manager, django_assert_max_num_queries
):
    active = [running(draft, manager, title=f"running {n}") for n in range(3)]
    for number in range(8):
        make_job(draft, manager, status=Job.Status.SUCCEEDED, title=f"done {number}")

    with django_assert_max_num_queries(7):
        response = manager_client.get(jobs_url(draft, active), **HTMX)

    assert response.text.count('class="job job--') == 3 + 5
    with django_assert_max_num_queries(8):
        manager_client.get(version_url(draft))


def test_the_jobs_list_poll_without_htmx_goes_to_the_version_page(manager_client, draft):
    response = manager_client.get(jobs_url(draft))

    assert response["Location"] == version_url(draft)


def test_a_poll_toasts_only_the_users_own_jobs_but_refreshes_the_frames_for_any(
    manager_client, draft, annotator
):
    job = make_job(draft, annotator, status=Job.Status.SUCCEEDED, message="Added 0 frames.")

    response = manager_client.get(jobs_url(draft, [job]), **HTMX)

    assert "HX-Trigger" not in response
    assert 'id="frame-grid"' in response.text


def test_watching_ignores_what_is_not_a_job_id(manager_client, draft, manager):
    job = make_job(draft, manager)

    response = manager_client.get(
        reverse("datasets:version_jobs", args=[draft.pk]),
        {"watching": f"x,²,-1,99999999999999999999999,{job.pk}"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "HX-Trigger" not in response


# Upload through the page, then the job


def test_an_upload_queues_a_job_that_the_jobs_list_shows_at_once(manager_client, draft, jobs):
    files = [upload("one.png", image_bytes()), upload("two.png", image_bytes())]

    with jobs.queued():
        response = manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]),
            {"files": files, "context_id": "batch-1"},
            **HTMX,
        )

    job = Job.objects.get()
    html = response.text
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="upload"')
    assert toast_of(response)["message"] == f"{job.title}: queued."
    assert '<section id="version-jobs" class="card card--flush"' in html
    jobs_html = html.split('id="version-jobs"')[1]
    assert 'hx-swap-oob="true"' in jobs_html.split(">")[0]
    assert f'hx-get="{jobs_url(draft, [job])}"' in jobs_html
    assert "Upload of 2 images to streets / v1" in jobs_html
    assert "Queued…" in jobs_html
    assert not Frame.objects.exists()


def test_once_the_upload_job_succeeds_the_poll_brings_the_frames_and_header_once(
    manager_client, draft, jobs
):
    with jobs.queued():
        manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]),
            {"files": [upload("one.png", image_bytes()), upload("two.png", image_bytes())]},
            **HTMX,
        )
    job = Job.objects.get()
    assert jobs.run() == 1

    response = manager_client.get(
        jobs_url(draft, [job]), HTTP_HX_CURRENT_URL=f"http://testserver{version_url(draft)}", **HTMX
    )

    html = response.text
    assert "Added 2 frames." in html
    assert POLLING not in html
    assert 'id="frame-grid" class="frame-grid-wrap" hx-swap-oob="true"' in html
    assert html.count('class="frame-card"') == 2
    header = html.split('id="version-header"')[1]
    assert header.startswith(' class="page-header" hx-swap-oob="true"')
    assert "2 frames" in header
    assert toast_of(response) == {"message": f"{job.title}: Added 2 frames.", "level": "success"}

    again = manager_client.get(jobs_url(draft), **HTMX)  # the page no longer watches it
    assert "frame-grid" not in again.text
    assert "HX-Trigger" not in again


def test_the_frames_refresh_keeps_the_page_filter(manager_client, draft, jobs):
    with jobs.queued():
        manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]),
            {"files": [upload("a.png", image_bytes())], "context_id": "cam1"},
            **HTMX,
        )
        manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]),
            {"files": [upload("b.png", image_bytes())], "context_id": "cam2"},
            **HTMX,
        )
    jobs.run()

    response = manager_client.get(
        jobs_url(draft, Job.objects.all()),
        HTTP_HX_CURRENT_URL=f"http://testserver{version_url(draft)}?context=cam2",
        **HTMX,
    )

    grid = response.text.split('id="frame-grid"')[1]
    assert grid.count('class="frame-card"') == 1
    assert ">b</span>" in grid
    assert "2 more ended" not in toast_of(response)["message"]
    assert "(1 more ended too)" in toast_of(response)["message"]


def test_a_failed_upload_shows_the_bad_file_in_place_and_adds_no_frames(
    manager_client, draft, jobs
):
    files = [upload("good.png", image_bytes()), upload("bad.jpg", b"not an image")]
    with jobs.queued():
        manager_client.post(
            reverse("datasets:version_upload", args=[draft.pk]), {"files": files}, **HTMX
        )
    job = Job.objects.get()
    jobs.run()

    response = manager_client.get(jobs_url(draft, [job]), **HTMX)

    assert "bad.jpg" in response.text
    assert "job__message--error" in response.text
    assert "frame-grid" not in response.text
    assert toast_of(response)["level"] == "error"
    assert not Frame.objects.exists()


def test_an_upload_refused_at_once_shows_the_error_in_the_form_and_queues_nothing(
    manager_client, draft, settings
):
    settings.UPLOAD_MAX_BYTES = 10

    response = manager_client.post(
        reverse("datasets:version_upload", args=[draft.pk]),
        {"files": [upload("huge.png", image_bytes())]},
        **HTMX,
    )

    assert response.text.lstrip().startswith('<section id="upload"')
    assert 'id="id_files_error"' in response.text
    assert "“huge.png” is" in response.text
    assert "version-jobs" not in response.text
    assert not Job.objects.exists()


# Cancel


def test_cancel_of_a_queued_job_by_its_user_shows_it_cancelled(manager_client, draft, manager):
    job = make_job(draft, manager)

    response = manager_client.post(cancel_url(job), HTTP_HX_TARGET="version-jobs", **HTMX)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert response.text.lstrip().startswith('<section id="version-jobs"')
    assert "Cancelled before it started" in response.text
    assert POLLING not in response.text
    assert toast_of(response)["level"] == "success"


def test_cancel_of_a_running_job_says_it_is_stopping(manager_client, draft, manager):
    job = running(draft, manager)

    response = manager_client.post(cancel_url(job), HTTP_HX_TARGET="version-jobs", **HTMX)

    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (Job.Status.RUNNING, True)
    assert "Cancelling…" in response.text
    assert cancel_url(job) not in response.text  # no second Cancel
    assert POLLING in response.text


def test_cancel_of_an_ended_job_says_so_and_changes_nothing(manager_client, draft, manager):
    job = make_job(draft, manager, status=Job.Status.SUCCEEDED, finished_at=timezone.now())

    response = manager_client.post(cancel_url(job), HTTP_HX_TARGET="version-jobs", **HTMX)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert response.status_code == 200
    assert toast_of(response) == {
        "message": f"Job {job.pk} has already ended (succeeded).",
        "level": "error",
    }


def test_cancel_of_another_users_job_is_refused_to_an_annotator(annotator_client, draft, manager):
    job = make_job(draft, manager)

    response = annotator_client.post(cancel_url(job), HTTP_HX_TARGET="version-jobs", **HTMX)

    job.refresh_from_db()
    assert response.status_code == 403
    assert (job.status, job.cancel_requested) == (Job.Status.QUEUED, False)


def test_a_manager_may_cancel_anyones_job(manager_client, draft, annotator):
    job = make_job(draft, annotator)

    assert cancel_url(job) in manager_client.get(version_url(draft)).text
    manager_client.post(cancel_url(job), HTTP_HX_TARGET="version-jobs", **HTMX)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_cancel_without_htmx_returns_to_the_page_with_a_message(manager_client, draft, manager):
    job = make_job(draft, manager)

    response = manager_client.post(cancel_url(job), {"next": version_url(draft)}, follow=True)

    assert response.redirect_chain == [(version_url(draft), 302)]
    assert "cancelled before it started" in response.text


def test_cancel_never_returns_to_another_site(manager_client, draft, manager):
    job = make_job(draft, manager)

    response = manager_client.post(cancel_url(job), {"next": "https://example.com/"})

    assert response["Location"] == version_url(draft)


def test_cancel_is_a_post(manager_client, draft, manager):
    job = make_job(draft, manager)

    assert manager_client.get(cancel_url(job)).status_code == 405


# The Jobs page


def test_the_jobs_page_shows_a_manager_everyones_jobs(manager_client, draft, manager, annotator):
    make_job(draft, manager, title="mine")
    make_job(draft, annotator, title="theirs")

    html = manager_client.get(reverse("datasets:job_list")).text

    assert ">mine</h3>" in html
    assert ">theirs</h3>" in html
    assert "Everyone's uploads" in html


def test_the_jobs_page_shows_others_their_own_jobs_only(
    annotator_client, draft, manager, annotator
):
    make_job(draft, manager, title="mine")
    make_job(draft, annotator, title="theirs")

    html = annotator_client.get(reverse("datasets:job_list")).text

    assert ">mine</h3>" not in html
    assert ">theirs</h3>" in html
    assert "Your uploads" in html


def test_the_jobs_page_links_each_job_to_its_version_newest_first(manager_client, draft, manager):
    make_job(draft, manager, title="older")
    make_job(draft, manager, title="newer")
    gone = dataset_create(name="gone", user=manager).versions.get()
    make_job(gone, manager, title="orphan")
    gone.delete()

    html = manager_client.get(reverse("datasets:job_list")).text

    assert html.index(">orphan<") < html.index(">newer<") < html.index(">older<")
    assert f'in <a href="{version_url(draft)}">streets / v1</a>' in html
    assert "its version was deleted" in html


def test_the_jobs_page_is_paginated_and_polls_only_while_active(
    manager_client, draft, manager, django_assert_max_num_queries
):
    for number in range(30):
        make_job(draft, manager, status=Job.Status.SUCCEEDED, title=f"job {number}")
    url = reverse("datasets:job_list")

    with django_assert_max_num_queries(7):
        first = manager_client.get(url)
    second = manager_client.get(url, {"page": 2}, **HTMX)

    assert first.text.count('class="job job--') == 25
    assert POLLING not in first.text
    assert second.text.lstrip().startswith('<section id="job-table"')
    assert second.text.count('class="job job--') == 5
    assert "Page 2 of 2" in second.text

    active = make_job(draft, manager, title="active")
    html = manager_client.get(url).text
    assert POLLING in html
    assert f"?page=1&amp;watching={active.pk}" in html


def test_the_jobs_page_poll_toasts_a_job_that_ended(manager_client, draft, manager):
    job = make_job(draft, manager, status=Job.Status.FAILED, message="Broken.")

    response = manager_client.get(
        reverse("datasets:job_list"), {"page": 1, "watching": job.pk}, **HTMX
    )

    assert response.text.lstrip().startswith('<section id="job-table"')
    assert toast_of(response) == {"message": f"{job.title}: Broken.", "level": "error"}


def test_cancel_from_the_jobs_page_shows_the_jobs_page_again(manager_client, draft, manager):
    job = make_job(draft, manager)

    response = manager_client.post(
        cancel_url(job),
        HTTP_HX_TARGET="job-table",
        HTTP_HX_CURRENT_URL="http://testserver/datasets/jobs/?page=1",
        **HTMX,
    )

    assert response.text.lstrip().startswith('<section id="job-table"')
    assert "Cancelled before it started" in response.text


def test_the_jobs_page_has_an_empty_state(annotator_client):
    html = annotator_client.get(reverse("datasets:job_list")).text

    assert "No jobs yet" in html


def test_the_nav_links_the_jobs_page_and_marks_it_current(manager_client):
    html = manager_client.get(reverse("datasets:job_list")).text

    link = html.split(f'href="{reverse("datasets:job_list")}"')[1].split(">")[0]
    assert 'aria-current="page"' in link
    datasets_link = html.split(f'href="{reverse("datasets:dataset_list")}"')[2].split(">")[0]
    assert "aria-current" not in datasets_link


def test_the_jobs_page_needs_a_login(client):
    url = reverse("datasets:job_list")
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"


def test_slash_jobs_leads_to_the_jobs_page(manager_client):
    response = manager_client.get("/jobs/?page=2")
    assert response.status_code == 302
    assert response["Location"] == reverse("datasets:job_list") + "?page=2"
