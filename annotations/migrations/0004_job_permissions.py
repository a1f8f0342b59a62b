from django.db import migrations

from annotations.roles import noop, sync_groups


class Migration(migrations.Migration):
    """Managers see and cancel everyone's jobs."""

    dependencies = [
        ("annotations", "0003_skips_and_frame_revisions"),
        ("datasets", "0002_job"),
    ]

    operations = [migrations.RunPython(sync_groups, noop)]
