"""Checks on uploaded files: what is refused, with which code, and that nothing is kept."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from frames.media import media_name
from frames.models import Frame
from frames.uploads import frames_import_uploads
from tests.datasets.factories import VersionFactory

from .media_files import image_bytes, png_header_only, stored_files, upload, write_clip

pytestmark = pytest.mark.django_db


def refused(version, files, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        frames_import_uploads(version=version, files=files, **kwargs)
    return caught.value


def assert_nothing_imported(version, media_root) -> None:
    version.refresh_from_db()
    assert version.frame_count == 0
    assert not Frame.objects.in_version(version).exists()
    assert stored_files(media_root) == []
    assert list(media_root.glob("frames/*/*")) == []  # no empty batch folder either


def test_text_file_named_jpg_is_refused_by_name(media_root):
    version = VersionFactory()
    error = refused(version, [upload("holiday.jpg", b"this is not a picture")])
    assert error.code == "not_an_image"
    assert "holiday.jpg" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_truncated_png_is_refused(media_root):
    version = VersionFactory()
    noisy = Image.effect_noise((200, 200), 64).convert("RGB")
    output = io.BytesIO()
    noisy.save(output, format="PNG")
    data = output.getvalue()
    error = refused(version, [upload("cut.png", data[: len(data) // 2])])
    assert error.code == "corrupt_image"
    assert "cut.png" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_image_over_the_pixel_setting_is_refused(settings, media_root):
    settings.UPLOAD_MAX_PIXELS = 1000
    version = VersionFactory()
    error = refused(version, [upload("big.png", image_bytes(size=(50, 30)))])
    assert error.code == "too_many_pixels"
    assert "big.png" in error.messages[0]
    assert "1,500" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_decompression_bomb_is_refused_before_decoding(settings, media_root):
    settings.UPLOAD_MAX_PIXELS = 10_000
    version = VersionFactory()
    error = refused(version, [upload("bomb.png", png_header_only(5000, 5000))])
    assert error.code == "too_many_pixels"
    assert_nothing_imported(version, media_root)


def test_decompression_bomb_beyond_pillows_own_limit_gives_our_error(media_root):
    version = VersionFactory()
    error = refused(version, [upload("bomb.png", png_header_only(40_000, 40_000))])
    assert error.code == "too_many_pixels"
    assert "bomb.png" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_file_over_the_size_setting_is_refused(settings, media_root):
    settings.UPLOAD_MAX_BYTES = 100
    version = VersionFactory()
    error = refused(version, [upload("heavy.png", image_bytes(size=(80, 80)) + b"\0" * 200)])
    assert error.code == "file_too_large"
    assert "heavy.png" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_bad_file_after_good_ones_keeps_none_of_them(media_root):
    version = VersionFactory()
    files = [
        upload("a.png", image_bytes()),
        upload("b.jpg", image_bytes("JPEG")),
        upload("c.png", b""),
    ]
    error = refused(version, files)
    assert "c.png" in error.messages[0]
    assert_nothing_imported(version, media_root)


@pytest.mark.parametrize(
    ("format", "name", "stored_suffix"),
    [
        ("JPEG", "a.jpg", ".jpg"),
        ("PNG", "a.png", ".png"),
        ("WEBP", "a.webp", ".webp"),
        ("BMP", "a.bmp", ".bmp"),
        ("TIFF", "a.tif", ".png"),  # browsers cannot show TIFF
        ("GIF", "a.gif", ".gif"),
    ],
)
def test_allowed_formats_are_stored_with_their_size(format, name, stored_suffix, media_root):
    version = VersionFactory()
    [key] = frames_import_uploads(
        version=version, files=[upload(name, image_bytes(format, (41, 23)))]
    )
    frame = Frame.objects.in_version(version).get()
    assert (key, frame.width, frame.height) == ("a", 41, 23)
    stored = media_root / media_name(frame.uri)
    assert stored.suffix == stored_suffix
    Image.open(stored).verify()


def test_animated_gif_keeps_its_first_frame_as_png(media_root):
    first, second = Image.new("RGB", (20, 10), "red"), Image.new("RGB", (20, 10), "blue")
    output = io.BytesIO()
    first.save(output, format="GIF", save_all=True, append_images=[second])
    version = VersionFactory()
    frames_import_uploads(version=version, files=[upload("anim.gif", output.getvalue())])
    stored = Image.open(media_root / media_name(Frame.objects.get().uri))
    assert stored.format == "PNG"
    assert stored.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_rotated_camera_jpeg_records_the_size_a_browser_shows(media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = image_bytes("JPEG", size=(60, 20), exif=exif.tobytes())
    version = VersionFactory()
    frames_import_uploads(version=version, files=[upload("phone.jpg", data)])
    frame = Frame.objects.get()
    assert (frame.width, frame.height) == (20, 60)


def test_unreadable_video_is_refused_and_nothing_is_kept(media_root):
    version = VersionFactory()
    error = refused(version, [upload("clip.mp4", b"\0\1\2 not a video" * 100)])
    assert error.code == "unreadable_video"
    assert "clip.mp4" in error.messages[0]
    assert_nothing_imported(version, media_root)


def test_truncated_video_with_good_images_is_refused_whole(tmp_path, media_root):
    clip = write_clip(tmp_path / "cut.mp4", frames=20)
    data = clip.read_bytes()
    version = VersionFactory()
    files = [upload("a.png", image_bytes()), upload("cut.mp4", data[: len(data) // 3])]
    error = refused(version, files)
    assert error.code == "unreadable_video"
    assert_nothing_imported(version, media_root)


def test_video_over_the_size_setting_is_refused(settings, tmp_path, media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    clip = write_clip(tmp_path / "long.mp4", frames=30, size=(160, 120))
    version = VersionFactory()
    error = refused(version, [clip])
    assert error.code == "file_too_large"
    assert_nothing_imported(version, media_root)


@pytest.mark.parametrize(
    "tail", [b"<html><script>alert(1)</script></html>", b"PK\x03\x04" + b"\0" * 26, b"\0"]
)
def test_png_with_data_after_its_end_is_refused_as_a_polyglot(media_root, tail):
    version = VersionFactory(frames=[])
    error = refused(version, [upload("poly.png", image_bytes("PNG") + tail)])
    assert error.code == "trailing_data"
    assert "poly.png" in error.messages[0]
    assert_nothing_imported(version, media_root)


@pytest.mark.parametrize("context_id", ["cam\x00", "c" * 256])
def test_a_bad_context_id_is_refused_naming_it(media_root, context_id):
    version = VersionFactory(frames=[])
    error = refused(version, [upload("one.png", image_bytes("PNG"))], context_id=context_id)
    assert list(error.error_dict) == ["context_id"]
    assert_nothing_imported(version, media_root)
