import pytest

from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data


@pytest.fixture
def street_version(db):
    """Six frames in two contexts with known annotations."""
    return VersionFactory(
        frames=[
            frame_data("a1", context_id="cam1", timestamp=0, rois=[box("car", confidence=0.9)]),
            frame_data(
                "a2",
                context_id="cam1",
                timestamp=40,
                rois=[box("car", confidence=0.3), box("car", confidence=0.6), box("bus")],
            ),
            frame_data(
                "a3",
                context_id="cam1",
                timestamp=80,
                rois=[box(["car", "occluded"], meta={"occluded": True})],
            ),
            frame_data("b1", context_id="cam2", timestamp=0, frame_labels=[{"labels": ["night"]}]),
            frame_data("b2", context_id="cam2", timestamp=40, meta={"weather": "rain"}),
            frame_data(
                "b3",
                context_id="cam2",
                timestamp=80,
                rois=[box("person", confidence=0.5)],
                meta={"weather": "sun"},
            ),
        ]
    )
