import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.exports import EXPORT_FORMATS, export_plan, write_export
from config.errors import error_message
from datasets.models import Version
from frames.exports import local_output


class Command(BaseCommand):
    help = (
        "Export a version's frames and annotations to a file, in this process (no job): "
        "hyperlabel (JSON Lines), coco, coco-results, yolo or voc. --filters takes the filters "
        "of task creation as JSON; --task a task's frames in its order; --images puts the "
        "images in (a zip). Prints the report (shapes written, converted, skipped) as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="id of the version")
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument("--filters", help='JSON, e.g. \'[{"mode": "empty"}]\'')
        parser.add_argument("--task", type=int, help="id of a task on this version")
        parser.add_argument("--images", action="store_true", help="include the images (a zip)")

    def handle(self, *args, version, format, out, filters, task, images, **options):
        self.verbosity = options["verbosity"]
        try:
            version = Version.objects.select_related("dataset").get(pk=version)
        except Version.DoesNotExist:
            raise CommandError(f"No version with id {version}.") from None
        try:
            filters = json.loads(filters) if filters else None
        except json.JSONDecodeError as error:
            raise CommandError(f"--filters is not valid JSON: {error.msg}.") from None
        try:
            plan = export_plan(
                version=version, format=format, filters=filters, task=task, include_images=images
            )
        except ValidationError as error:
            raise CommandError(error_message(error)) from None
        try:
            output = local_output(str(out), zipped=plan.zipped)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        try:
            report = write_export(
                version=version, params=plan.params(), output=output, progress=self._progress
            )
        except ValidationError as error:
            out.unlink(missing_ok=True)
            raise CommandError(error_message(error)) from None
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        if plan.zipped and out.suffix != ".zip":
            self.stderr.write(f"Note: {out} is a zip archive.")
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))

    def _progress(self, done, total=None, *, message=""):
        if self.verbosity > 1 and message:
            sys.stderr.write(f"{message}\n")
