# ROIs carry the version that wrote their frame row, with a BRIN index on PostgreSQL, so a ROI
# rule reads the blocks of a version's lineage only.

import django.db.models.deletion
from django.db import migrations, models


def fill_roi_versions(apps, schema_editor):
    Roi = apps.get_model("frames", "Roi")
    Frame = apps.get_model("frames", "Frame")
    quote = schema_editor.quote_name
    rois, frames = quote(Roi._meta.db_table), quote(Frame._meta.db_table)
    schema_editor.execute(
        f"UPDATE {rois} SET version_id = "
        f"(SELECT f.version_id FROM {frames} f WHERE f.id = {rois}.frame_id)"
    )


def brin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rois = schema_editor.quote_name(apps.get_model("frames", "Roi")._meta.db_table)
        schema_editor.execute(
            f"CREATE INDEX frames_roi_version ON {rois} USING brin (version_id) "
            "WITH (autosummarize = on)"
        )


def drop_brin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS frames_roi_version")


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0003_job_active_index_whole"),
        ("frames", "0005_label_lineage_and_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="roi",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="datasets.version",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_roi_versions, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(brin_index, drop_brin_index),
    ]
