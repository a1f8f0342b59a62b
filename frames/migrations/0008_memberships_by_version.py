# A version's frame ids by the index alone (PostgreSQL: version_id INCLUDE frame_id), so filters
# join a version's memberships without reading every version's. SQLite's primary key serves it.

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        members = apps.get_model("frames", "VersionFrame")._meta.db_table
        schema_editor.execute(
            "CREATE INDEX frames_versionframe_frames ON "
            f"{schema_editor.quote_name(members)} (version_id) INCLUDE (frame_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS frames_versionframe_frames")


class Migration(migrations.Migration):
    dependencies = [
        ("frames", "0007_empty_frames_by_version"),
    ]

    operations = [migrations.RunPython(create, drop)]
