"""The rows a bulk import and a frame write both insert: field lists, value builders, and
`insert_annotations` (ROIs with their label index rows)."""

from config.bulk import allocate_ids, insert_rows
from frames.models import ANNOTATION_FIELDS, Roi, RoiLabel
from frames.sources import stored_sources

# Values of a frame and of an annotation as the inserts take them, after their ids.
FRAME_FIELDS = [
    "key",
    "context_id",
    "timestamp",
    "uri",
    "width",
    "height",
    "meta",
    "sources",
    "annotation_count",
]
# A ROI row as `insert_annotations` writes it.
ROI_COLUMNS = ["id", "frame_id", "version_id", "position", *ANNOTATION_FIELDS]


def frame_values(key: str, frame: dict) -> list:
    return [
        key,
        frame["context_id"],
        frame["timestamp"],
        frame["uri"],
        frame["width"],
        frame["height"],
        frame["meta"],
        stored_sources(frame["sources"]),
        len(frame["annotations"]),
    ]


def _annotation_values(position: int, annotation: dict) -> list:
    return [position, *(annotation[field] for field in ANNOTATION_FIELDS)]


def insert_annotations(
    frame_ids_and_annotations, *, version_id: int, at_most: int | None = None
) -> None:
    """Insert ROIs and their label rows for [(frame_id, [annotation dicts])] of frame rows that
    version `version_id` wrote.

    With `at_most` (no fewer than the annotations to come), the pairs may be an iterator that
    makes them as the rows stream out: ids are taken for `at_most`, and those left unused are
    gaps, as a sequence has. An annotation goes at its index in the list, or at its `position`
    when it has one (a save by id keeps each changed annotation's place).
    """
    labels = []
    if at_most is None:
        pairs = [(frame_id, anns) for frame_id, anns in frame_ids_and_annotations]
        at_most = sum(len(anns) for _, anns in pairs)
    else:
        pairs = frame_ids_and_annotations
    roi_ids = iter(allocate_ids(Roi, at_most))

    def roi_rows():
        # Label rows are collected while the ROI rows stream out, so the database writes ROIs
        # while Python builds the rest.
        for frame_id, annotations in pairs:
            for index, annotation in enumerate(annotations):
                position = annotation.get("position", index)
                roi_id = next(roi_ids)
                labels.extend(
                    (roi_id, frame_id, version_id, label, annotation["confidence"])
                    for label in annotation["labels"]
                )
                yield [roi_id, frame_id, version_id, *_annotation_values(position, annotation)]

    insert_rows(Roi, ROI_COLUMNS, roi_rows())
    insert_rows(RoiLabel, ["roi_id", "frame_id", "version_id", "label", "confidence"], labels)
