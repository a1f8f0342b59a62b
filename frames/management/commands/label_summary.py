"""Check each version's label summary against a scan of its label rows; `--repair` rewrites the
ones that differ. The writes keep the summaries exact; this is the check that they did."""

from django.core.management.base import BaseCommand
from django.db import transaction

from datasets.models import Version
from datasets.services import lock_version
from frames.labels import label_counts_scanned, rebuild_label_counts
from frames.models import VersionLabel


class Command(BaseCommand):
    help = "Compare every version's label summary with its label rows; --repair fixes them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--version-id", type=int, action="append", dest="versions", help="only this version"
        )
        parser.add_argument("--repair", action="store_true", help="rewrite summaries that differ")

    def handle(self, *args, versions: list[int] | None, repair: bool, **options):
        chosen = Version.objects.order_by("pk")
        if versions:
            chosen = chosen.filter(pk__in=versions)
        differing = 0
        for each in chosen.iterator():
            if self._matches(each.pk):
                continue
            differing += 1
            if repair:
                with transaction.atomic():
                    lock_version(each, draft=False)  # no write changes it meanwhile
                    rebuild_label_counts(each.pk)
                self.stdout.write(f"Version {each.pk} ({each}): summary repaired.")
            else:
                self.stdout.write(f"Version {each.pk} ({each}): summary differs from its labels.")
        self.stdout.write(f"{differing} of {chosen.count()} versions differed.")

    @staticmethod
    def _matches(version_id: int) -> bool:
        kept = VersionLabel.objects.filter(version_id=version_id, count__gt=0)
        return dict(kept.values_list("label", "count")) == label_counts_scanned(version_id)
