from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from frames.cleanup import MANAGED_FOLDERS, media_gc


class Command(BaseCommand):
    help = (
        "Remove media files no frame uses (with their thumbnails) from the storage folders uploads "
        f"write ({', '.join(f'{folder}/' for folder in MANAGED_FOLDERS)}). Files newer than "
        "--older-than-minutes and the folders of queued or running jobs are left alone, so an "
        "upload on its way is never taken. Deletes normally clean up after themselves; this "
        "finds what a crash or an old release left behind. Exports finished more than "
        "EXPORT_KEEP_DAYS days ago go too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="only files last written this many minutes ago or earlier (default 60)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would go, remove nothing"
        )

    def handle(self, *args, older_than_minutes, dry_run, verbosity, **options):
        if older_than_minutes < 0:
            raise CommandError("--older-than-minutes is 0 or more.")
        result = media_gc(older_than=timedelta(minutes=older_than_minutes), dry_run=dry_run)
        if dry_run or verbosity >= 2:
            verb = "would remove" if dry_run else "removed"
            for name in result["unused"]:
                self.stdout.write(f"{verb} {name}")
            for folder in result["expired_exports"]:
                self.stdout.write(f"{verb} {folder}/ (an expired export)")
        summary = (
            f"Checked {result['checked']} file(s) older than {older_than_minutes} minute(s): "
            f"{len(result['unused'])} unused, {len(result['expired_exports'])} expired export(s)"
        )
        if dry_run:
            self.stdout.write(f"{summary}; nothing removed (dry run).")
        else:
            self.stdout.write(
                f"{summary}; removed {result['removed']} file(s).", self.style.SUCCESS
            )
