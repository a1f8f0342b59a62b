import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from config.errors import error_message
from datasets.models import Version
from frames.imports import frames_import_json
from frames.services import BulkImportError


class Command(BaseCommand):
    help = (
        "Import frames from a JSON file: a list of {id, context_id, timestamp, source: {uri, width, "
        "height}, meta, rois, frame_labels}. uri is an http(s) URL or media:<path in MEDIA_ROOT>. "
        "All or nothing: every error is printed with the frame's index and field."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="id of a Draft version")
        parser.add_argument("file", type=Path, help="JSON file with a list of frames")

    def handle(self, *args, version, file, **options):
        try:
            version = Version.objects.select_related("dataset").get(pk=version)
        except Version.DoesNotExist:
            raise CommandError(f"No version with id {version}.") from None
        frames = self._load(file)
        try:
            keys = frames_import_json(version=version, frames=frames)
        except BulkImportError as error:
            for item in error.errors:
                where = f"frame {item['index']}" + (f", {item['field']}" if item["field"] else "")
                self.stderr.write(f"{where}: {item['message']}")
            raise CommandError(
                f"{len(error.errors)} error(s) in {file}; nothing was imported."
            ) from None
        except ValidationError as error:
            raise CommandError(f"{error_message(error)} Nothing was imported.") from None
        self.stdout.write(f"Imported {len(keys)} frames into {version}.", self.style.SUCCESS)

    def _load(self, file: Path):
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{file} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from None
