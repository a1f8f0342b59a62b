"""Frames are shared, copy-on-write rows; a version sees them through `VersionFrame`.

Forking a Published version copies only its membership rows (version, key, frame). A Draft edits a
frame in place when it owns the row (`Frame.version`) and copies it first otherwise, so the parent
never changes. Foreign keys on the big tables are not enforced by the database
(`db_constraint=False`): they would make a fork and a bulk import several times slower; the
services keep them consistent.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Substr
from django.urls import reverse

from config.sql import code_point
from datasets.models import Version

URI_INDEX_LENGTH = 512


class FrameQuerySet(models.QuerySet):
    def in_version(self, version: Version):
        return self.filter(memberships__version=version)

    def using_uris(self, uris: list[str]):
        """Frames whose image is one of `uris`, found through the URI index."""
        heads = {uri[:URI_INDEX_LENGTH] for uri in uris}
        return self.annotate(uri_head=Substr("uri", 1, URI_INDEX_LENGTH)).filter(
            uri_head__in=heads, uri__in=uris
        )

    def sequential(self):
        """`context_id`, then `timestamp`, then key; strings by code point, as tasks order them."""
        return self.order_by(code_point("context_id"), "timestamp", code_point("key"))


class Frame(models.Model):
    key = models.CharField(max_length=255)
    # The version that wrote this row; it may edit the row in place while it is a Draft.
    version = models.ForeignKey(
        Version, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    context_id = models.CharField(max_length=255, blank=True, default="")
    timestamp = models.BigIntegerField(default=0)
    uri = models.CharField(max_length=2048)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    meta = models.JSONField(default=dict, blank=True)
    # A FrameGroup's sources [{"id", "uri", "width", "height", "meta"}], the first mirrored in
    # uri, width and height; empty for the usual frame of one source ("default", no meta), so
    # such frames cost nothing more (`frames.sources.frame_sources` reads both).
    sources = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    # ROIs plus frame labels, kept by the services: "empty frames" reads it instead of NOT EXISTS.
    annotation_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # Who saved the frame last; None for an imported frame nobody has saved.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    objects = FrameQuerySet.as_manager()

    class Meta:
        permissions = [
            # Managers: any frame of a Draft. Without it a user saves only frames of task items
            # they hold (annotations.services.frame_save).
            ("change_any_frame", "Can save any frame of a Draft version, outside tasks"),
        ]
        indexes = [
            # Empty frames by the version that wrote them: "empty frames" reads its lineage's.
            models.Index(
                fields=["version"],
                name="frames_frame_empty_by_version",
                condition=models.Q(annotation_count=0),
            ),
            # Which frames use a media file (`frames.cleanup`); a prefix, as a btree entry is
            # bounded and a URI may be 2,048 characters of any script.
            models.Index(Substr("uri", 1, URI_INDEX_LENGTH), name="frames_frame_uri"),
            # FrameGroups, for the media cleanup's look at their other sources' files.
            models.Index(fields=["id"], name="frames_frame_group", condition=~models.Q(sources=[])),
        ]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("frames:frame_image", args=[self.pk])


class VersionFrameQuerySet(models.QuerySet):
    def of(self, version: Version):
        return self.filter(version=version)

    def under_keys(self, keys):
        return self.filter(key__in=keys)

    def sequential(self):
        """The sequential order of tasks and pages: as `FrameQuerySet.sequential`."""
        return self.order_by(code_point("frame__context_id"), "frame__timestamp", code_point("key"))


class VersionFrame(models.Model):
    """Membership: `version` sees frame row `frame` under `key`."""

    pk = models.CompositePrimaryKey("version_id", "key")
    version = models.ForeignKey(
        Version, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    key = models.CharField(max_length=255)
    frame = models.ForeignKey(
        Frame,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="memberships",
    )

    objects = VersionFrameQuerySet.as_manager()

    # No other index. One on version (including frame_id) let filters read a version's frame ids
    # by the index alone (~200 ms less on 1M among 7M memberships), but right after a fork, with
    # no statistics for the new version yet, the planner took it for a save's lookup by
    # (version, key) and read a million entries per save; and it slowed forks by 0.4 s.

    def __str__(self) -> str:
        return f"{self.version_id}:{self.key}"


class Roi(models.Model):
    """One annotation: a shape drawn on one of the frame's sources, or a frame label (no points).

    Coordinates are the source image's pixels. A box or ellipse is its box before `rotation`
    (degrees, clockwise, about its centre); a mask keeps its COCO RLE in `mask` and its bounding
    box in `points`.
    """

    class Type(models.TextChoices):
        BOX = "box", "Box"
        POLYGON = "polygon", "Polygon"
        KEYPOINTS = "keypoints", "Key points"
        ELLIPSE = "ellipse", "Ellipse"
        POLYLINE = "polyline", "Polyline"
        MASK = "mask", "Mask"
        FRAME = "frame", "Frame label"

    frame = models.ForeignKey(
        Frame, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="rois"
    )
    # The version that wrote the frame row, as on `RoiLabel`: a ROI rule reads the blocks of the
    # version's lineage only, through a BRIN index (rows go in version by version, and it costs an
    # import next to nothing).
    version = models.ForeignKey(
        Version, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    uid = models.CharField(max_length=64)
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=16, choices=Type)
    labels = models.JSONField(default=list)
    points = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=1.0)
    meta = models.JSONField(default=dict, blank=True)
    color = models.CharField(max_length=7)
    locked = models.BooleanField(default=False)
    # The id of the frame source the shape is drawn on (frame labels: the whole frame, "").
    source = models.CharField(max_length=64, default="default", blank=True)
    rotation = models.FloatField(default=0.0)
    # {"size": [height, width], "counts": compressed COCO RLE} of a mask; None for other shapes.
    mask = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["frame", "position"]
        # PostgreSQL also has a BRIN index on version_id (migration 0006; SQLite has no BRIN).
        indexes = [models.Index(fields=["frame", "position"], name="frames_roi_frame")]

    def __str__(self) -> str:
        return f"{self.type} {','.join(self.labels)}"

    @property
    def is_frame_label(self) -> bool:
        return self.type == self.Type.FRAME


# An annotation's values as services pass them around (cleaned, read back, compared, written):
# the ROI's columns but its keys and place.
ANNOTATION_FIELDS = (
    "uid",
    "type",
    "labels",
    "points",
    "confidence",
    "meta",
    "color",
    "locked",
    "source",
    "rotation",
    "mask",
)

# What a shape (a ROI with points) may be; frame labels are the other kind of annotation.
SHAPE_TYPES = [kind for kind in Roi.Type if kind != Roi.Type.FRAME]
# The shapes that are a box before their rotation.
ROTATABLE_TYPES = (Roi.Type.BOX, Roi.Type.ELLIPSE)


class SourceRow(models.Model):
    """One source of a frame, as a row: the view `frames_source_row` unfolds `Frame.sources`
    (or a frame's one implicit source) so a task's source query compiles to plain lookups."""

    frame = models.ForeignKey(
        Frame, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    source = models.CharField(max_length=64)
    uri = models.CharField(max_length=2048)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    meta = models.JSONField(default=dict)

    class Meta:
        managed = False
        db_table = "frames_source_row"

    def __str__(self) -> str:
        return f"{self.frame_id}:{self.source}"


class RoiLabel(models.Model):
    """One row per (ROI, label): the index that label rules and Lucene `label:` queries use."""

    # The composite key doubles as the (roi) index, saving an index write per row on import.
    pk = models.CompositePrimaryKey("roi_id", "label")
    roi = models.ForeignKey(
        Roi,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="label_rows",
    )
    frame = models.ForeignKey(
        Frame, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # The version that wrote the frame row (`Frame.version`). A version sees rows written by
    # itself and its ancestors only, so a label rule reads the rows of that lineage, not of every
    # dataset in the database.
    version = models.ForeignKey(
        Version, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    label = models.CharField(max_length=255)
    confidence = models.FloatField()

    class Meta:
        indexes = [
            # The roi column lets a Lucene label term on a ROI query read this index alone.
            models.Index(
                fields=["label", "version", "frame", "confidence", "roi"],
                name="frames_roilabel_lineage",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class VersionLabel(models.Model):
    """How many annotations of a version carry a label: the version's label list, read without
    a scan. Every write that changes a version's annotations keeps it exact (`frames.labels`)."""

    pk = models.CompositePrimaryKey("version_id", "label")
    # The primary key is the version's index.
    version = models.ForeignKey(Version, on_delete=models.CASCADE, db_index=False, related_name="+")
    label = models.CharField(max_length=255)
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.label} ×{self.count}"
