"""Synthetic frames for benchmarks: URI-only frames with boxes of a fixed label set."""

import random
import time

from datasets.services import dataset_create
from frames.services import frames_bulk_create

LABELS = [f"label{index}" for index in range(10)]
WIDTH, HEIGHT = 1280, 720


def synthetic_frames(
    count: int, *, rois: int, start: int = 0, contexts: int = 1000, seed: int = 0, empty_share=0.1
):
    """`count` frame dicts in the import shape; `empty_share` of them carry no ROI."""
    rng = random.Random(seed + start)
    per_context = max(1, count // contexts)
    for index in range(start, start + count):
        boxes = [] if rng.random() < empty_share else [_box(rng) for _ in range(rois)]
        yield {
            "id": f"f{index:08d}",
            "context_id": f"cam{index // per_context:05d}",
            "timestamp": (index % per_context) * 40,
            "source": {
                "uri": f"https://images.example/{index}.jpg",
                "width": WIDTH,
                "height": HEIGHT,
            },
            "meta": {"weather": rng.choice(["rain", "sun", "fog"]), "speed": rng.randint(0, 120)},
            "rois": boxes,
        }


def _box(rng: random.Random) -> dict:
    x, y = rng.randint(0, WIDTH - 100), rng.randint(0, HEIGHT - 100)
    return {
        "type": "box",
        "labels": [rng.choice(LABELS)],
        "points": [[x, y], [x + rng.randint(5, 99), y + rng.randint(5, 99)]],
        "confidence": round(rng.random(), 3),
        "meta": {"occluded": rng.random() < 0.3},
        "color": "#3366ff",
    }


def build_version(frames: int, *, rois: int, name: str, batch: int = 20_000):
    """A Draft version of `frames` synthetic frames in a new dataset, loaded as a user's imports
    load it: with no ANALYZE but the one the imports run themselves."""
    version = dataset_create(name=f"{name}-{time.time_ns()}").versions.get()
    for start in range(0, frames, batch):
        count = min(batch, frames - start)
        frames_bulk_create(
            version=version, frames=list(synthetic_frames(count, rois=rois, start=start))
        )
    version.refresh_from_db()
    return version
