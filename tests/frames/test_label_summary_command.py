"""`manage.py label_summary`: finds a summary that drifted from its label rows and repairs it."""

from io import StringIO

import pytest
from django.core.management import call_command

from frames.labels import label_counts_scanned
from frames.models import VersionLabel
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("label_summary", *args, stdout=out)
    return out.getvalue()


def test_an_exact_summary_is_reported_as_such():
    VersionFactory(frames=[frame_data("a", rois=[box("car")])])
    assert run().strip().endswith("0 of 1 versions differed.")


def test_a_drifted_summary_is_found_and_repaired():
    version = VersionFactory(frames=[frame_data("a", rois=[box("car"), box("bus")])])
    VersionLabel.objects.filter(version=version, label="car").update(count=7)
    VersionLabel.objects.filter(version=version, label="bus").delete()
    assert "summary differs" in run()
    assert "summary repaired" in run("--repair")
    kept = VersionLabel.objects.filter(version=version)
    assert dict(kept.values_list("label", "count")) == label_counts_scanned(version.pk)
    assert run("--version-id", str(version.pk)).strip().endswith("0 of 1 versions differed.")
