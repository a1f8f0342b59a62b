from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from config.errors import error_message
from datasets.models import Version
from frames.media import is_media_name
from frames.uploads import frames_import_uploads


def media_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders recursed in name order, keeping only image and video files."""
    files = []
    for path in paths:
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.is_file() and is_media_name(p.name) and not p.name.startswith(".")
            )
            files.extend(sorted(found, key=lambda p: p.relative_to(path).parts))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"No such file or folder: {path}")
    return files


class Command(BaseCommand):
    help = (
        "Import images and videos into a Draft version. Folders are searched recursively in name "
        "order; an image's sequence (context_id) is its folder's name, a video's its file name."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="id of a Draft version")
        parser.add_argument("paths", nargs="+", type=Path, help="image or video files, folders")
        parser.add_argument(
            "--step", type=int, default=1, help="keep every n-th video frame (default: all)"
        )

    def handle(self, *args, version, paths, step, **options):
        try:
            version = Version.objects.select_related("dataset").get(pk=version)
        except Version.DoesNotExist:
            raise CommandError(f"No version with id {version}.") from None
        files = media_files(paths)
        if not files:
            raise CommandError("Found no image or video files there.")
        try:
            keys = frames_import_uploads(version=version, files=files, step=step)
        except ValidationError as error:
            raise CommandError(f"{error_message(error)} Nothing was imported.") from None
        self.stdout.write(
            f"Imported {len(keys)} frames from {len(files)} files into {version}.",
            self.style.SUCCESS,
        )
