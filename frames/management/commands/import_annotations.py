import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from config.errors import error_message
from datasets.models import Version
from frames.annotation_imports import annotations_import
from frames.imports import IMPORT_FORMATS, jsonl_import


class Command(BaseCommand):
    help = (
        "Import a COCO, YOLO or VOC file into a Draft version, in this process, as the import job "
        "does: images matched to frames by key or file name get their annotations added, images "
        "in the archive without a frame become frames, the rest is skipped with the reason. "
        "`--format hyperlabel` imports a JSON Lines file of frames. All or nothing; prints the "
        "report as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="id of a Draft version")
        parser.add_argument("file", type=Path, help="COCO JSON, or a zip (COCO, YOLO, VOC)")
        parser.add_argument("--format", choices=IMPORT_FORMATS, default="coco")
        parser.add_argument(
            "--user", help="username recorded as the saver in the frames' history (default none)"
        )

    def handle(self, *args, version, file, format, user, **options):
        try:
            version = Version.objects.select_related("dataset").get(pk=version)
        except Version.DoesNotExist:
            raise CommandError(f"No version with id {version}.") from None
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        saver = self._user(user)
        try:
            if format == "hyperlabel":
                report = jsonl_import(version=version, open_file=lambda: file.open("rb"))
            else:
                report = annotations_import(
                    version=version,
                    path=str(file),
                    format=format,
                    name=file.name,
                    user=saver,
                )
        except ValidationError as error:
            for problem in getattr(error, "errors", [])[1:]:
                self.stderr.write(_where(problem) + problem["message"])
            raise CommandError(f"{error_message(error)} Nothing was imported.") from None
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))

    def _user(self, username: str | None):
        if username is None:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user “{username}”.") from None


def _where(problem: dict) -> str:
    parts = [str(problem[k]) for k in ("file", "line", "index", "field") if problem.get(k)]
    return ", ".join(parts) + ": " if parts else ""
