# "Empty frames" reads the empty frames of a version's lineage: the partial index is by version.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("frames", "0006_roi_version"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="frame", name="frames_frame_empty"),
        migrations.AddIndex(
            model_name="frame",
            index=models.Index(
                condition=models.Q(annotation_count=0),
                fields=["version"],
                name="frames_frame_empty_by_version",
            ),
        ),
    ]
