"""A version's label summary (`VersionLabel`): how many of its annotations carry each label.

The label list of a version (the API's labels endpoint, the editor's and the task form's
suggestions, the export's class list) reads these few rows instead of every label row of a
million frames. Each write that changes a version's annotations passes its change here, in the
same transaction: a save, a bulk import, an annotation import, frames removed, a fork.
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection

from config.sql import chunked, table

from .models import RoiLabel, VersionFrame, VersionLabel


def labels_counted(annotations: Iterable[dict]) -> Counter:
    """How many of the annotations carry each label."""
    return Counter(label for annotation in annotations for label in annotation["labels"])


def labels_changed(old: Iterable[dict], new: Iterable[dict]) -> Counter:
    """Per label, the annotations gained (or lost, negative) going from `old` to `new`."""
    change = labels_counted(new)
    change.subtract(labels_counted(old))
    return change


def count_labels(version_id: int, change: Mapping[str, int]) -> None:
    """Add `change` ({label: annotations gained, or lost when negative}) to the version's summary:
    one statement.

    Labels go in sorted order, so two saves of one version lock the same rows in the same order
    and cannot deadlock. A label no annotation carries any more keeps its row at 0 (readers skip
    it): deleting it would cost every such save a second statement.
    """
    rows = sorted((label, n) for label, n in change.items() if n)
    summary = table(VersionLabel)
    with connection.cursor() as cursor:
        for chunk in chunked(rows, 1000):
            cursor.execute(
                f"INSERT INTO {summary} (version_id, label, count) "
                f"VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))} "
                "ON CONFLICT (version_id, label) DO UPDATE "
                f"SET count = {summary}.count + excluded.count",
                [value for label, n in chunk for value in (version_id, label, n)],
            )


def uncount_labels(version_id: int, removed: Counter) -> None:
    """Take annotations the version no longer has ({label: how many}) out of its summary."""
    count_labels(version_id, Counter({label: -n for label, n in removed.items()}))


def copy_label_counts(*, source_id: int, target_id: int) -> None:
    """A fork starts with its parent's summary, as it starts with its frames."""
    summary = table(VersionLabel)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {summary} (version_id, label, count) "
            f"SELECT %s, label, count FROM {summary} WHERE version_id = %s AND count > 0",
            [target_id, source_id],
        )


def label_counts_scanned(version_id: int) -> dict[str, int]:
    """The summary worked out from the label rows of every frame the version sees: what the kept
    summary must equal (the migration fills it so; tests compare the two)."""
    members, label_rows = table(VersionFrame), table(RoiLabel)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.label, COUNT(*) FROM {members} m "
            f"JOIN {label_rows} r ON r.frame_id = m.frame_id "
            "WHERE m.version_id = %s GROUP BY r.label",
            [version_id],
        )
        return dict(cursor.fetchall())


def rebuild_label_counts(version_id: int) -> None:
    """Replace the version's summary with what a scan gives (repair; the writes keep it exact)."""
    VersionLabel.objects.filter(version_id=version_id).delete()
    counts = label_counts_scanned(version_id)
    VersionLabel.objects.bulk_create(
        VersionLabel(version_id=version_id, label=label, count=count)
        for label, count in counts.items()
    )
