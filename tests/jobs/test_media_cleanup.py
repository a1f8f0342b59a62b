"""Deleting frames or datasets removes, in a job, the media files no frame uses any more."""

import pytest

from annotations.services import frame_save, version_publish
from datasets.models import Job
from frames.media import media_name, thumb_name
from frames.models import Frame
from frames.services import version_fork
from frames.uploads import frames_import_uploads
from tests.datasets.factories import VersionFactory
from tests.frames.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


def files_of(version, media_root) -> dict[str, str]:
    """{key: storage name} of the version's frames."""
    frames = Frame.objects.in_version(version).values_list("key", "uri")
    return {key: media_name(uri) for key, uri in frames}


def exists(media_root, name: str) -> bool:
    return (media_root / name).is_file()


@pytest.fixture
def draft(manager):
    version = VersionFactory(frames=[])
    frames_import_uploads(
        version=version, files=[upload("a.png", image_bytes()), upload("b.png", image_bytes())]
    )
    return version


def test_deleting_a_frame_removes_its_image_and_thumbnail(manager_api, jobs, draft, media_root):
    names = files_of(draft, media_root)
    assert all(exists(media_root, thumb_name(name)) for name in names.values())
    with jobs.queued():
        response = manager_api.delete(f"/api/versions/{draft.pk}/frames/a/")
    assert response.status_code == 204
    assert exists(media_root, names["a"])  # only once the job runs
    assert jobs.run() == 1
    job = Job.objects.get()
    assert (job.kind, job.status, job.result) == (
        "media_cleanup",
        "succeeded",
        {"removed": 2, "checked": 1},
    )
    assert not exists(media_root, names["a"])
    assert not exists(media_root, thumb_name(names["a"]))
    assert exists(media_root, names["b"])
    assert exists(media_root, thumb_name(names["b"]))


def test_a_file_another_frame_row_still_uses_stays(manager, manager_api, jobs, draft, media_root):
    names = files_of(draft, media_root)
    version_publish(version=draft, user=manager)
    child = version_fork(version=draft, name="child", user=manager)
    # Saving in the child copies the frame row (same image) before changing it.
    frame_save(version=child, key="a", revision=1, user=manager, meta={"seen": True})
    assert Frame.objects.filter(key="a").count() == 2
    with jobs.queued():
        assert manager_api.delete(f"/api/versions/{child.pk}/frames/a/").status_code == 204
    jobs.run()
    assert Job.objects.get().result == {"removed": 0, "checked": 1}
    assert exists(media_root, names["a"])
    assert exists(media_root, thumb_name(names["a"]))


def test_deleting_a_dataset_removes_its_versions_folders(manager_api, jobs, draft, media_root):
    names = files_of(draft, media_root)
    with jobs.queued():
        response = manager_api.delete(f"/api/datasets/{draft.dataset.pk}/")
    assert response.status_code == 204
    jobs.run()
    assert Job.objects.get().status == "succeeded"
    assert not any(exists(media_root, name) for name in names.values())
    assert not (media_root / "frames" / str(draft.pk)).exists()


def test_a_delete_that_rolls_back_queues_no_cleanup(manager_api, jobs, draft, media_root):
    with jobs.queued():
        response = manager_api.delete(f"/api/versions/{draft.pk}/frames/missing/")
    assert response.status_code == 404
    assert not Job.objects.exists()
