"""`manage.py make_thumbnails`: thumbnails for media imported before imports made them."""

from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from frames.media import thumb_name
from tests.datasets.factories import VersionFactory
from tests.frames.factories import frame_data
from tests.frames.media_files import image_bytes

pytestmark = pytest.mark.django_db


def test_make_thumbnails_fills_in_what_older_imports_lack(media_root):
    (media_root / "old").mkdir()
    (media_root / "old" / "a.png").write_bytes(image_bytes(size=(600, 300)))
    (media_root / "old" / "broken.png").write_bytes(b"not an image")
    frames = [frame_data("a"), frame_data("b"), frame_data("c")]
    frames[0]["source"]["uri"] = frames[1]["source"]["uri"] = "media:old/a.png"
    frames[2]["source"]["uri"] = "media:old/broken.png"
    VersionFactory(frames=frames)
    out, err = StringIO(), StringIO()
    call_command("make_thumbnails", stdout=out, stderr=err)
    assert out.getvalue().strip() == "Made 1 thumbnails; 0 present or missing files, 1 unreadable."
    assert "old/broken.png: not readable as an image" in err.getvalue()
    assert Image.open(media_root / thumb_name("old/a.png")).size == (256, 128)
    out = StringIO()
    call_command("make_thumbnails", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("Made 0 thumbnails; 1 present")
