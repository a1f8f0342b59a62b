"""Thumbnails for media files imported before imports made them (pages never decode originals)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from PIL import Image

from frames.media import MEDIA_SCHEME, media_name, thumb_name, thumbnail_of
from frames.models import Frame

BATCH = 2_000


def names_in_use():
    """Each media file frames point at, once; read in key order so memory stays flat."""
    uris = (
        Frame.objects.filter(uri__startswith=MEDIA_SCHEME)
        .order_by("uri")
        .values_list("uri", flat=True)
        .distinct()
    )
    for uri in uris.iterator(chunk_size=BATCH):
        name = media_name(uri)
        if name is not None:
            yield name


class Command(BaseCommand):
    help = "Make the missing thumbnails of media files frames use; files already done are skipped."

    def handle(self, **options):
        made = skipped = unreadable = 0
        for name in names_in_use():
            thumb = thumb_name(name)
            if default_storage.exists(thumb) or not default_storage.exists(name):
                skipped += 1
                continue
            try:
                with default_storage.open(name) as file:
                    data = thumbnail_of(Image.open(file))
            except Exception as error:  # Pillow's many errors: a file that is not an image
                self.stderr.write(f"{name}: not readable as an image ({error})")
                unreadable += 1
                continue
            default_storage.save(thumb, ContentFile(data))
            made += 1
        self.stdout.write(
            f"Made {made} thumbnails; {skipped} present or missing files, {unreadable} unreadable."
        )
