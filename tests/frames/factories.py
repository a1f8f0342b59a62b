"""Frames and ROIs, and `frame_data`/`box`: frames as the import services take them.

A factory-made frame goes in through `frames_bulk_create`, so its membership row, label index rows,
`annotation_count` and the version's `frame_count` are those of an imported frame. `RoiFactory`
adds one annotation to a frame in place, writing its label rows and the frame's count as the
services do (`tests/frames/test_factories.py` checks both against an import).
"""

import uuid
from collections import Counter

import factory
from django.db import transaction
from django.db.models import F
from factory.django import DjangoModelFactory

from frames.colors import label_color
from frames.labels import count_labels
from frames.models import Frame, Roi, RoiLabel
from frames.services import frames_bulk_create
from tests.datasets.factories import VersionFactory


def box(label="car", *, x=10, y=10, w=20, h=20, confidence=1.0, **extra) -> dict:
    """A box ROI as import input; `label` may be a list of labels."""
    labels = label if isinstance(label, list) else [label]
    return {
        "type": "box",
        "labels": labels,
        "points": [[x, y], [x + w, y + h]],
        "confidence": confidence,
        **extra,
    }


def frame_data(
    key: str,
    *,
    context_id="",
    timestamp=0,
    rois=(),
    frame_labels=(),
    meta=None,
    width=640,
    height=480,
) -> dict:
    """One frame as import input (the API's and `frames_bulk_create`'s shape)."""
    return {
        "id": key,
        "context_id": context_id,
        "timestamp": timestamp,
        "source": {"uri": f"https://example.com/{key}.jpg", "width": width, "height": height},
        "meta": meta or {},
        "rois": list(rois),
        "frame_labels": list(frame_labels),
    }


def source_data(source_id: str, *, width=1920, height=1080, meta=None, uri=None) -> dict:
    """One source of a FrameGroup as import input."""
    return {
        "id": source_id,
        "uri": uri or f"https://example.com/{source_id}.jpg",
        "width": width,
        "height": height,
        "meta": meta or {},
    }


def group_data(key: str, sources: list[dict], **fields) -> dict:
    """A frame of several sources (a FrameGroup) as import input: `frame_data` with `sources`
    in place of its one `source`."""
    data = frame_data(key, **fields)
    del data["source"]
    return data | {"sources": sources}


class FrameFactory(DjangoModelFactory[Frame]):
    """A frame of `version`, imported; `rois=[box(...)]` and `frame_labels=[...]` are import input.

    Traits: `annotated` (one "car" box).
    """

    class Meta:
        model = Frame
        skip_postgeneration_save = True

    class Params:
        annotated = factory.Trait(rois=factory.LazyFunction(lambda: [box("car")]))

    version = factory.SubFactory(VersionFactory)
    key = factory.Sequence(lambda n: f"frame-{n}")
    context_id = ""
    timestamp = 0
    uri = factory.LazyAttribute(lambda o: f"https://example.com/{o.key}.jpg")
    width = 640
    height = 480
    meta = factory.Dict({})
    # Import input, not fields.
    rois = ()
    frame_labels = ()

    @classmethod
    def _build(cls, model_class, *args, rois=(), frame_labels=(), **kwargs):
        count = len(rois) + len(frame_labels)
        return super()._build(model_class, *args, annotation_count=count, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, version, rois=(), frame_labels=(), **kwargs):
        data = frame_data(
            kwargs["key"],
            context_id=kwargs["context_id"],
            timestamp=kwargs["timestamp"],
            rois=rois,
            frame_labels=frame_labels,
            meta=kwargs["meta"],
            width=kwargs["width"],
            height=kwargs["height"],
        )
        data["source"]["uri"] = kwargs["uri"]
        frames_bulk_create(version=version, frames=[data])
        version.refresh_from_db(fields=["frame_count", "updated_at"])
        return model_class.objects.get(memberships__version=version, memberships__key=kwargs["key"])


POINTS = {
    Roi.Type.BOX: [[10, 10], [30, 30]],
    Roi.Type.POLYGON: [[10, 10], [30, 10], [20, 30]],
    Roi.Type.KEYPOINTS: [[10, 10]],
    Roi.Type.FRAME: [],
}


class RoiFactory(DjangoModelFactory[Roi]):
    """One more annotation on `frame` (a box by default), after its others, with its label rows.

    Written in place, as a Draft edits a frame it wrote; a row a Published version holds is refused.
    Traits: `polygon`, `frame_label` (a label of the whole frame, no points).
    """

    class Meta:
        model = Roi
        skip_postgeneration_save = True

    class Params:
        polygon = factory.Trait(type=Roi.Type.POLYGON)
        frame_label = factory.Trait(
            type=Roi.Type.FRAME, labels=factory.LazyFunction(lambda: ["day"])
        )

    frame = factory.SubFactory(FrameFactory)
    version = factory.LazyAttribute(lambda o: o.frame.version)
    uid = factory.LazyFunction(lambda: uuid.uuid4().hex)
    position = factory.LazyAttribute(lambda o: o.frame.rois.count() if o.frame.pk else 0)
    type = Roi.Type.BOX
    labels = factory.LazyFunction(lambda: ["car"])
    points = factory.LazyAttribute(lambda o: list(POINTS[o.type]))
    confidence = 1.0
    meta = factory.Dict({})
    color = factory.LazyAttribute(lambda o: label_color(o.labels[0]))
    locked = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs["frame"].version.is_published:
            raise ValueError("A Published version's frame never changes; annotate a Draft's.")
        with transaction.atomic():
            roi = super()._create(model_class, *args, **kwargs)
            version_id = roi.frame.version_id
            RoiLabel.objects.bulk_create(
                RoiLabel(
                    roi=roi,
                    frame_id=roi.frame_id,
                    version_id=version_id,
                    label=label,
                    confidence=roi.confidence,
                )
                for label in roi.labels
            )
            # Only the Draft that wrote the row sees it: a Draft has no forks.
            count_labels(version_id, Counter(roi.labels))
            Frame.objects.filter(pk=roi.frame_id).update(annotation_count=F("annotation_count") + 1)
        roi.frame.refresh_from_db(fields=["annotation_count"])
        return roi
