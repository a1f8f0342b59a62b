"""Hyperlabel JSON Lines: one frame a line, in the bulk-import shape, nothing converted.

Importing the file into an empty Draft (`POST /api/versions/{id}/imports/`, format `hyperlabel`)
gives the same frames: keys, context ids, timestamps, sources, meta, ROIs and frame labels with
their ids, labels, points, rotations, masks, sources, confidence, colours, locks and meta. A frame
gives its `sources` (the full list, one source "default" for a plain frame), never the `source`
shorthand beside them (an import takes one or the other). With images the download is a zip:
`frames.jsonl` and `images/<key made safe><extension>` (`<key>__<source><extension>` per source
of a frame with several); the records keep their sources' `uri`.
"""

import orjson

from . import Output, Report, add_image, no_progress, record_sources, source_record
from .names import UniqueNames, image_extension

FRAME_LABEL = "frame_label"  # what the report calls a frame label among the shape types
JSONL = "frames.jsonl"
LINE = orjson.OPT_APPEND_NEWLINE
BATCH = 256


class HyperlabelWriter:
    extension = ".jsonl"
    uses_labels = False  # the export need not gather the scope's labels first

    def __init__(self, output: Output, *, labels: list[str], include_images: bool) -> None:
        self.output = output
        self.include_images = include_images
        self.names = UniqueNames() if include_images else None
        self.report = Report()
        self.file = output.open(JSONL)
        self.lines: list[bytes] = []  # written BATCH at a time: a write call a line cost more

    def write(self, record: dict) -> None:
        self.lines.append(orjson.dumps(record, option=LINE))
        if len(self.lines) >= BATCH:
            self._flush()
        report = self.report
        report.frames += 1
        written = report.written
        for roi in record["rois"]:
            written[roi["type"]] += 1
        if record["frame_labels"]:
            written[FRAME_LABEL] += len(record["frame_labels"])
        if self.include_images:
            sources = record_sources(record)
            stems = self.names.source_stems(record["id"], [source["id"] for source in sources])
            several = len(sources) > 1
            for source, stem in zip(sources, stems, strict=True):
                name = f"images/{stem}{image_extension(source['uri'])}"
                add_image(self.output, report, source_record(record, source, several=several), name)

    def _flush(self) -> None:
        self.file.write(b"".join(self.lines))
        self.lines = []

    def close(self, progress=no_progress) -> Report:
        self._flush()
        self.file.close()
        return self.report
