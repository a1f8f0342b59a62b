# Label rows carry the version that wrote their frame row (label rules read a version's lineage
# only), and each version gets its label summary (VersionLabel).

import django.db.models.deletion
from django.db import migrations, models


def fill_label_versions(apps, schema_editor):
    RoiLabel = apps.get_model("frames", "RoiLabel")
    Frame = apps.get_model("frames", "Frame")
    quote = schema_editor.quote_name
    labels, frames = quote(RoiLabel._meta.db_table), quote(Frame._meta.db_table)
    schema_editor.execute(
        f"UPDATE {labels} SET version_id = "
        f"(SELECT f.version_id FROM {frames} f WHERE f.id = {labels}.frame_id)"
    )


def fill_summaries(apps, schema_editor):
    VersionLabel = apps.get_model("frames", "VersionLabel")
    VersionFrame = apps.get_model("frames", "VersionFrame")
    RoiLabel = apps.get_model("frames", "RoiLabel")
    quote = schema_editor.quote_name
    summary = quote(VersionLabel._meta.db_table)
    members, labels = quote(VersionFrame._meta.db_table), quote(RoiLabel._meta.db_table)
    schema_editor.execute(
        f"INSERT INTO {summary} (version_id, label, count) "
        f"SELECT m.version_id, r.label, COUNT(*) FROM {members} m "
        f"JOIN {labels} r ON r.frame_id = m.frame_id GROUP BY m.version_id, r.label"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0003_job_active_index_whole"),
        ("frames", "0004_frame_uri_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="roilabel", name="frames_roilabel_rule"),
        migrations.AddField(
            model_name="roilabel",
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
        migrations.RunPython(fill_label_versions, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="roilabel",
            index=models.Index(
                fields=["label", "version", "frame", "confidence", "roi"],
                name="frames_roilabel_lineage",
            ),
        ),
        migrations.CreateModel(
            name="VersionLabel",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "version_id",
                        "label",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="datasets.version",
                    ),
                ),
                ("label", models.CharField(max_length=255)),
                ("count", models.IntegerField()),
            ],
        ),
        migrations.RunPython(fill_summaries, migrations.RunPython.noop, elidable=True),
    ]
