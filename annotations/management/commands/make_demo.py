"""Demo data drawn on the spot (no downloads): street scenes with boxes, polygons, key points,
ellipses, polylines and masks, and a camera rig whose frames have three sources (FrameGroups).

The images go to `demo/<sequence>/` in the media storage; the video goes through the normal video
import. Everything in the database is made in one transaction, so a failed run leaves nothing.
"""

import io
import random
import tempfile
from pathlib import Path

import cv2
import numpy
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from annotations.roles import ANNOTATORS, MANAGERS
from annotations.services import frame_save, task_create, version_publish
from datasets.models import Dataset, Version
from datasets.services import dataset_create
from frames.imports import frames_import_json
from frames.masks import encode
from frames.media import media_uri
from frames.services import version_fork
from frames.uploads import frames_import_uploads

DATASET = "Demo streets"
FORK = "v2 working"
LOGINS = [("admin", MANAGERS, True), ("annotator", ANNOTATORS, False)]
SEQUENCES = [("main-street", "day"), ("market-square", "day"), ("park-lane", "day")]
SEQUENCES += [("harbour-road", "night")]
WIDTH, HEIGHT = 640, 400
VIDEO_NAME, VIDEO_SIZE, VIDEO_FPS = "demo-drive.mp4", (320, 240), 12
EMPTY_EVERY = 10  # every tenth image shows an empty street, with no annotation at all
RIG, RIG_CAMERAS = "camera-rig", ("front", "left", "right")


def _confidence(rng: random.Random) -> float:
    return round(rng.uniform(0.3, 1.0), 2)


def _inside(points) -> list[list[int]]:
    return [[min(max(round(x), 0), WIDTH), min(max(round(y), 0), HEIGHT)] for x, y in points]


def _car(draw, x: int, ground: int, width: int, color) -> list[list[int]]:
    height = width * 45 // 100
    draw.rectangle([x, ground - height * 6 // 10, x + width, ground - 8], fill=color)
    draw.rectangle(
        [x + width // 5, ground - height, x + width * 4 // 5, ground - height * 6 // 10],
        fill=color,
    )
    for wheel in (x + width // 5, x + width * 4 // 5):
        draw.ellipse([wheel - 9, ground - 18, wheel + 9, ground], fill=(20, 20, 20))
    return [[x, ground - height], [x + width, ground]]


def car(draw, rng, horizon):
    width = rng.randint(90, 170)
    x, ground = rng.randint(0, WIDTH - width), rng.randint(horizon + 60, HEIGHT - 2)
    color = rng.choice([(200, 30, 30), (30, 60, 200), (230, 230, 230), (40, 40, 40)])
    return {"type": "box", "labels": ["car"], "points": _car(draw, x, ground, width, color)}


def person(draw, rng, horizon):
    size = rng.randint(60, 110)
    x, feet = rng.randint(20, WIDTH - 20), rng.randint(horizon + size // 2, HEIGHT - 2)
    head, hip = (x, feet - size + 8), (x, feet - size * 45 // 100)
    hands = [(x - size // 4, feet - size * 6 // 10), (x + size // 4, feet - size * 6 // 10)]
    feet_points = [(x - size // 6, feet), (x + size // 6, feet)]
    color = rng.choice([(250, 200, 60), (60, 160, 90), (150, 70, 160)])
    draw.ellipse([x - 8, head[1] - 8, x + 8, head[1] + 8], fill=(230, 190, 160))
    draw.line([(x, head[1] + 8), hip], fill=color, width=6)
    for end in hands:
        draw.line([(x, feet - size * 7 // 10), end], fill=color, width=4)
    for end in feet_points:
        draw.line([hip, end], fill=(40, 40, 90), width=5)
    if rng.random() < 0.4:
        points = [head, *hands, *feet_points]
        return {"type": "keypoints", "labels": ["person"], "points": _inside(points)}
    box = [(x - size // 4, feet - size), (x + size // 4, feet)]
    return {"type": "box", "labels": ["person"], "points": _inside(box)}


def bike(draw, rng, horizon):
    radius = rng.randint(12, 20)
    x, ground = rng.randint(radius, WIDTH - 4 * radius), rng.randint(horizon + 40, HEIGHT - 2)
    rear, front = (x, ground - radius), (x + 3 * radius, ground - radius)
    for cx, cy in (rear, front):
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline="black", width=3)
    seat = (x + radius, ground - 2 * radius - 6)
    draw.line([rear, seat, (x + 2 * radius, ground - radius), rear], fill=(0, 120, 200), width=3)
    draw.line([seat, front], fill=(0, 120, 200), width=3)
    box = [(x - radius, ground - 2 * radius - 8), (x + 4 * radius, ground)]
    return {"type": "box", "labels": ["bike"], "points": _inside(box)}


def tree(draw, rng, horizon):
    size = rng.randint(70, 140)
    x, ground = rng.randint(size // 2, WIDTH - size // 2), rng.randint(horizon, horizon + 50)
    trunk = size // 8
    draw.rectangle([x - trunk, ground - size // 3, x + trunk, ground], fill=(110, 70, 30))
    crown = [
        (x, ground - size),
        (x + size // 2, ground - size // 3),
        (x - size // 2, ground - size // 3),
    ]
    draw.polygon(crown, fill=(30, 120 + rng.randint(0, 60), 40))
    outline = [
        crown[0],
        crown[1],
        (x + trunk, ground - size // 3),
        (x + trunk, ground),
        (x - trunk, ground),
        (x - trunk, ground - size // 3),
        crown[2],
    ]
    return {"type": "polygon", "labels": ["tree"], "points": _inside(outline)}


def sign(draw, rng, horizon):
    radius = rng.randint(14, 24)
    x, ground = rng.randint(radius, WIDTH - radius), rng.randint(horizon + 20, HEIGHT - 2)
    top = ground - 70
    draw.line([(x, top), (x, ground)], fill=(120, 120, 120), width=4)
    octagon = [
        (x + radius * dx, top + radius * dy)
        for dx, dy in ((-0.4, -1), (0.4, -1), (1, -0.4), (1, 0.4), (0.4, 1), (-0.4, 1), (-1, 0.4))
    ] + [(x - radius, top - radius * 0.4)]
    draw.polygon(octagon, fill=(200, 20, 20), outline="white")
    return {"type": "polygon", "labels": ["sign"], "points": _inside(octagon)}


DRAWERS = [car, car, person, person, bike, tree, sign]


def draw_scene(rng: random.Random, night: bool, empty: bool) -> tuple[Image.Image, list[dict]]:
    horizon = rng.randint(130, 190)
    sky = (15, 20, 45) if night else (120 + rng.randint(0, 40), 170 + rng.randint(0, 40), 235)
    image = Image.new("RGB", (WIDTH, HEIGHT), sky)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(0, 5)):  # unlabelled buildings on the skyline
        left, top = rng.randint(0, WIDTH - 60), horizon - rng.randint(30, 110)
        shade = rng.randint(60, 170) // (3 if night else 1)
        draw.rectangle(
            [left, top, left + rng.randint(40, 120), horizon], fill=(shade, shade - 10, shade - 20)
        )
    grass = (20, 50, 25) if night else (70, 140 + rng.randint(-20, 20), 60)
    draw.rectangle([0, horizon, WIDTH, HEIGHT], fill=grass)
    draw.rectangle(
        [0, horizon + 50, WIDTH, HEIGHT - 30], fill=(60, 60, 65) if night else (95, 95, 100)
    )
    for x in range(rng.randint(0, 40), WIDTH, 80):
        draw.rectangle([x, horizon + 120, x + 40, horizon + 126], fill=(230, 230, 200))
    rois = []
    for _ in range(0 if empty else rng.randint(1, 6)):
        roi = rng.choice(DRAWERS)(draw, rng, horizon)
        rois.append(roi | {"confidence": _confidence(rng)})
    if not empty:
        rois += [
            extra(draw, rng, horizon, night) | {"confidence": _confidence(rng)}
            for extra in (sky_light, lane, puddle)
            if rng.random() < 0.5
        ]
    return image, rois


def sky_light(draw, rng, horizon, night):
    """The sun or the moon: an ellipse."""
    r = rng.randint(12, 22)
    x, y = rng.randint(r, WIDTH - r), rng.randint(r, max(r, horizon - 40))
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(235, 235, 210) if night else (255, 220, 80))
    label = "moon" if night else "sun"
    return {"type": "ellipse", "labels": [label], "points": [[x - r, y - r], [x + r, y + r]]}


def lane(draw, rng, horizon, night):
    """The line of lane markings: a polyline."""
    y = horizon + 123
    return {"type": "polyline", "labels": ["lane"], "points": [[0, y], [WIDTH // 2, y], [WIDTH, y]]}


def puddle(draw, rng, horizon, night):
    """A puddle on the road: a mask of an irregular blob."""
    cx, cy = rng.randint(80, WIDTH - 80), rng.randint(horizon + 60, HEIGHT - 50)
    rx, ry = rng.randint(25, 60), rng.randint(8, 18)
    rows, columns = numpy.ogrid[:HEIGHT, :WIDTH]
    wobble = 1 + 0.25 * numpy.sin(columns / 7.0)
    blob = ((columns - cx) / rx) ** 2 + ((rows - cy) / (ry * wobble)) ** 2 <= 1
    draw.bitmap((0, 0), Image.fromarray(blob.astype(numpy.uint8) * 255), fill=(70, 90, 120))
    return {"type": "mask", "labels": ["puddle"], "mask": encode(blob)}


def _save_jpeg(name: str, image: Image.Image) -> str:
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    if default_storage.exists(name):  # left by an earlier demo whose dataset was deleted
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(output.getvalue()))


def demo_images(per_sequence: int) -> list[dict]:
    frames = []
    for sequence, time_of_day in SEQUENCES:
        for index in range(per_sequence):
            rng = random.Random(f"{sequence}-{index}")
            empty = index % EMPTY_EVERY == 2
            image, rois = draw_scene(rng, time_of_day == "night", empty)
            key = f"{sequence}-{index:04d}"
            labels = [] if empty else [{"labels": [time_of_day], "confidence": 1.0}]
            frames.append(
                {
                    "id": key,
                    "context_id": sequence,
                    "timestamp": index * 500,
                    "source": {
                        "uri": media_uri(_save_jpeg(f"demo/{sequence}/{key}.jpg", image)),
                        "width": WIDTH,
                        "height": HEIGHT,
                    },
                    "meta": {
                        "camera": sequence,
                        "weather": rng.choice(["clear", "cloudy", "rain"]),
                    },
                    "rois": rois,
                    "frame_labels": labels,
                }
            )
    return frames


def rig_images(count: int) -> list[dict]:
    """A car's three cameras, one frame a moment: FrameGroups of three sources."""
    frames = []
    for index in range(count):
        key = f"{RIG}-{index:04d}"
        sources, rois = [], []
        for camera in RIG_CAMERAS:
            rng = random.Random(f"{RIG}-{camera}-{index}")
            image, shapes = draw_scene(rng, night=False, empty=False)
            uri = media_uri(_save_jpeg(f"demo/{RIG}/{key}-{camera}.jpg", image))
            sources.append(
                {
                    "id": camera,
                    "uri": uri,
                    "width": WIDTH,
                    "height": HEIGHT,
                    "meta": {"camera": camera},
                }
            )
            rois += [shape | {"source": camera} for shape in shapes]
        frames.append(
            {
                "id": key,
                "context_id": RIG,
                "timestamp": index * 500,
                "sources": sources,
                "meta": {"camera": RIG},
                "rois": rois,
                "frame_labels": [{"labels": ["day"], "confidence": 1.0}],
            }
        )
    return frames


def write_demo_video(path: Path, frame_count: int) -> list[list[list[int]]]:
    """A car crossing a road; returns its box in every frame."""
    width, height = VIDEO_SIZE
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), VIDEO_FPS, VIDEO_SIZE)
    boxes = []
    for number in range(frame_count):
        x = 5 + (width - 110) * number // max(frame_count - 1, 1)
        image = Image.new("RGB", VIDEO_SIZE, (135, 190, 235))
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 120, width, height], fill=(95, 95, 100))
        boxes.append(_car(draw, x, 200, 100, (200, 30, 30)))
        writer.write(cv2.cvtColor(numpy.asarray(image), cv2.COLOR_RGB2BGR))
    writer.release()
    return boxes


def add_video(version: Version, frame_count: int, user: User) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / VIDEO_NAME
        boxes = write_demo_video(path, frame_count)
        keys = frames_import_uploads(version=version, files=[path])
    for key, points in zip(keys, boxes, strict=True):
        roi = {"type": "box", "labels": ["car"], "points": points, "confidence": 0.9}
        frame_save(version=version, key=key, revision=1, rois=[roi], user=user)
    return len(keys)


def ensure_user(username: str, group: str, is_admin: bool) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": is_admin, "is_superuser": is_admin}
    )
    if created:
        user.set_password(username)
        user.save()
    user.groups.add(Group.objects.get(name=group))
    return user


class Command(BaseCommand):
    help = f"Create the demo logins and dataset “{DATASET}” once; later runs change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="a few frames only (for tests)")

    def handle(self, *args, small: bool, **options):
        if Dataset.objects.filter(name=DATASET).exists():
            self.stdout.write(f"Demo data exists already (dataset “{DATASET}”); nothing to do.")
        else:
            self._make(per_sequence=3 if small else 60, video_frames=8 if small else 60)
        for username, group, _ in LOGINS:
            self.stdout.write(f"  Log in as {username} / {username} ({group}).")

    @transaction.atomic
    def _make(self, *, per_sequence: int, video_frames: int) -> None:
        admin = None
        for username, group, is_admin in LOGINS:
            user = ensure_user(username, group, is_admin)
            admin = admin or user
        dataset = dataset_create(
            name=DATASET,
            description="Synthetic street scenes: cars, people, bikes, trees and signs.",
            user=admin,
        )
        root = dataset.versions.get()
        images = demo_images(per_sequence) + rig_images(max(per_sequence // 10, 3))
        frames_import_json(version=root, frames=images)
        video_count = add_video(root, video_frames, admin)
        version_publish(version=root, user=admin)
        fork = version_fork(version=root, name=FORK, user=admin)
        tasks = self._tasks(fork, admin)
        rois = sum(len(frame["rois"]) for frame in images) + video_count
        self.stdout.write(
            f"Made dataset “{DATASET}”: {root.name} Published with {len(images)} frames in "
            f"{len(SEQUENCES) + 1} sequences (one of a three-camera rig) and {video_count} "
            f"frames of {VIDEO_NAME} "
            f"({rois} ROIs), and “{fork.name}”, a Draft fork of it, with tasks "
            f"{', '.join(f'“{task.name}”' for task in tasks)}.",
            self.style.SUCCESS,
        )

    def _tasks(self, version: Version, user: User) -> list:
        """Tasks so an annotator has work at once: cars to check in order, the video in clips, the
        camera rig's FrameGroups, a random sample."""
        return [
            task_create(
                name="Check cars",
                version=version,
                user=user,
                filters=[
                    {"mode": "by_label", "rules": [{"labels": ["car"], "confidence": [0, 0.8]}]}
                ],
                iteration={"order": "sequential"},
            ),
            task_create(
                name="Drive clip review",
                version=version,
                user=user,
                filters=[{"mode": "all", "frame_query": f'context_id:"{VIDEO_NAME}"'}],
                iteration={"order": "sequential", "clip_length": 10},
            ),
            task_create(
                name="Camera rig review",
                version=version,
                user=user,
                filters=[
                    {
                        "mode": "all",
                        "frame_query": f"context_id:{RIG}",
                        "source_query": "id:front AND meta.camera:front",
                    }
                ],
                iteration={"order": "sequential"},
            ),
            task_create(
                name="Random sample",
                version=version,
                user=user,
                filters=[],
                iteration={"order": "random", "seed": 2026, "limit": 50},
            ),
        ]
