import pytest

from .site import LiveDatabase, Site
from .videos import write_video


@pytest.fixture(scope="module")
def live_database(tmp_path_factory):
    """A migrated database of the module's own, which other processes can open (see site.py)."""
    database = LiveDatabase.create(tmp_path_factory.mktemp("live-data"))
    yield database
    database.drop()


@pytest.fixture
def site(live_database, tmp_path):
    """Servers and workers started by the test on its database; all stopped at the end."""
    site = Site(live_database, tmp_path)
    yield site
    site.close()


@pytest.fixture(scope="session")
def long_video(tmp_path_factory) -> bytes:
    """900 frames of 1280x720: several seconds of decoding for a worker."""
    path = tmp_path_factory.mktemp("videos") / "long.mp4"
    return write_video(path, frames=900).read_bytes()


@pytest.fixture(scope="session")
def short_video(tmp_path_factory) -> bytes:
    """30 small frames: a job that ends at once."""
    path = tmp_path_factory.mktemp("videos") / "short.mp4"
    return write_video(path, frames=30, size=(320, 240)).read_bytes()
