"""8 annotators and a Manager at once, over HTTP against gunicorn on PostgreSQL.

gunicorn (3 workers of 4 threads, DEBUG off) serves the test database, whose rows this test
commits (`transaction=True`). Each annotator thread works the task — `next`, saves of its item's
frames (a locked ROI it then tries to move, a stale revision on purpose), `done`, a save of a frame
of an item it finished — and tries a frame it does not hold, on the task's version and later on
the fork. Meanwhile a Manager edits random frames (racing the annotators), publishes the version
with `force` once half the items are done, saves once more (refused), forks it and edits the fork.

Every request and answer is recorded. Then: nothing answered 5xx or broke the connection; every
answer was one the sender could expect (saves 200, 403 `not_your_item`, or 409 with a known code;
once the publish has answered, every save on the version is 409 `version_published`); per frame,
the accepted saves carry revisions 2, 3, … without a gap or a repeat (a repeat is a lost update),
the frame as read at the end is the last accepted save (or the import), and its history is the
import (revision 1, recorded at the first save) plus exactly one entry per accepted save, with
the right user and change; the fork shows the published frames, its own saves and both histories.
"""

import random
import re
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from annotations.management.commands._http import Client, start_server, stop_server, wait_until_up
from tests.annotations.factories import AnnotatorFactory, ManagerFactory, make_task
from tests.datasets.factories import VersionFactory
from tests.frames.factories import box, frame_data

from .conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

ANNOTATORS = 8
FRAMES = 48
CLIP = 2  # frames an item
ITEMS = FRAMES // CLIP
SAVES_PER_FRAME = 5
WORK_SECONDS = 30  # annotators take no new item after this; the whole test stays under a minute
PUBLISH_BY = 12  # seconds: the Manager publishes then even if fewer than half the items are done
FORK_SAVES = 8
WIDTH = 640  # the frames' width: nudged boxes stay inside
LABELS = ("car", "bus", "person")
SEED = 11

OK, CREATED, EMPTY = (200, None), (201, None), (204, None)
STALE = (409, "stale_revision")
PUBLISHED = (409, "version_published")
LOCKED = (409, "roi_locked")
NOT_YOURS = (403, "not_your_item")
SAVE_CONFLICTS = {"stale_revision", "version_published", "roi_locked"}
CLIENT_ERROR = re.compile(r"(Bad Request|Forbidden|Not Found|Conflict|Unauthorized): /")
EDITABLE = ("id", "type", "labels", "points", "confidence", "locked")


# The server


def database_url() -> str:
    """The test database (pytest-django's test_<name>) as a DATABASE_URL for gunicorn."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}@{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Server:
    port: int
    log: Path

    def log_tail(self, lines: int = 80) -> str:
        """The server's last lines, without Django's one-line warnings about 4xx answers."""
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join([line for line in text if not CLIENT_ERROR.match(line)][-lines:])


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """gunicorn on a free loopback port over the committed test database; stopped at the end."""
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process, port = start_server(
            workers=3, threads=4, env={"DATABASE_URL": database_url()}, log=log
        )
        try:
            client = Client(port, "none", timeout=30)
            wait_until_up(client, process)
            client.close()
            yield Server(port=port, log=log_path)
        finally:
            # Before pytest-django flushes the database: no server connection may hold it.
            stop_server(process)


# Recording


@dataclass
class Call:
    who: str
    kind: str  # next, save, done, read, publish, fork
    method: str
    path: str
    version: int | None = None
    key: str | None = None
    sent: dict | None = None
    expect: frozenset = frozenset()  # (status, code) pairs; version_published by the clock
    status: int = 0
    code: str | None = None
    revision: int | None = None
    body: object = None
    began: float = 0.0
    ended: float = 0.0
    error: str | None = None

    def __str__(self) -> str:
        sent = f" revision={self.sent.get('revision')}" if isinstance(self.sent, dict) else ""
        answer = self.error or f"{self.status} {self.code or ''} revision={self.revision}"
        return f"{self.who}: {self.method} {self.path}{sent} -> {answer}"


class Actor:
    """One user on one keep-alive connection; every call is recorded in `calls`."""

    def __init__(self, name: str, port: int, token: str):
        self.name = name
        self.client = Client(port, token, timeout=60)
        self.calls: list[Call] = []

    def call(self, kind, method, path, body=None, *, version=None, key=None, expect=()) -> Call:
        call = Call(self.name, kind, method, path, version, key, body, frozenset(expect))
        call.began = time.monotonic()
        try:
            call.status, call.body, _ = self.client.call(method, path, body)
        except OSError as error:  # a broken connection: a worker died or timed out
            call.error = repr(error)
        call.ended = time.monotonic()
        if isinstance(call.body, dict):
            call.code = call.body.get("code") if call.status >= 400 else None
            call.revision = call.body.get("revision")
        self.calls.append(call)
        if call.error:
            raise AssertionError(str(call))
        return call


@dataclass
class Shared:
    version: int
    task: int
    keys: list[str]
    deadline: float
    publish_by: float
    fork: int | None = None
    publish_sent: float = float("inf")
    publish_done: float = float("inf")
    half_done: threading.Event = field(default_factory=threading.Event)
    done_items: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Keys of items handed out: the Manager edits these mostly, so saves race on the same frame.
    claimed: list[str] = field(default_factory=list)

    def item_done(self) -> None:
        with self.lock:
            self.done_items += 1
            if self.done_items >= ITEMS // 2:
                self.half_done.set()


def frame_path(version: int, key: str) -> str:
    return f"/api/versions/{version}/frames/{key}/"


# Edits as an editor would send them


def sendable(rois: list[dict]) -> list[dict]:
    return [{name: roi[name] for name in EDITABLE} for roi in rois]


def nudged(rois: list[dict], rng: random.Random, *, target: str | None = None) -> list[dict]:
    """One box moved a few pixels sideways: `target`, else an unlocked one."""
    rois = sendable(rois)
    if target is None:
        candidates = [roi for roi in rois if not roi["locked"]]
    else:
        candidates = [roi for roi in rois if roi["id"] == target]
    if candidates:
        roi = rng.choice(candidates)
        (x0, y0), (x1, y1) = roi["points"]
        dx = rng.choice((-3, -2, -1, 1, 2, 3))
        if x0 + dx < 0 or x1 + dx > WIDTH:
            dx = -dx
        roi["points"] = [[x0 + dx, y0], [x1 + dx, y1]]
    return rois


def edited(rois: list[dict], rng: random.Random) -> list[dict]:
    """A box added, an unlocked one removed, or one moved."""
    rois = sendable(rois)
    unlocked = [roi for roi in rois if not roi["locked"]]
    roll = rng.random()
    if roll < 0.2 and len(rois) < 6:
        x, y = rng.randrange(0, 500), rng.randrange(0, 380)
        added = box(rng.choice(LABELS), x=x, y=y, w=40, h=30, id=uuid.uuid4().hex[:12])
        return [*rois, {**added, "locked": False}]
    if roll < 0.35 and len(unlocked) > 1:
        gone = rng.choice(unlocked)["id"]
        return [roi for roi in rois if roi["id"] != gone]
    return nudged(rois, rng)


# The annotators and the Manager


class Worker:
    """Saves through a view of the frames it last saw (`known`), kept up to date by the answers."""

    def __init__(self, actor: Actor, shared: Shared, seed: int):
        self.actor, self.shared, self.rng = actor, shared, random.Random(seed)
        self.known: dict[tuple[int, str], dict] = {}

    def read(self, version: int, key: str) -> dict:
        call = self.actor.call("read", "GET", frame_path(version, key), expect={OK})
        assert call.status == 200, str(call)
        self.known[version, key] = call.body
        return call.body

    def save(self, version, key, rois, *, expect, revision=None, meta=None) -> Call:
        frame = self.known[version, key]
        body = {"revision": frame["revision"] if revision is None else revision, "rois": rois}
        if meta is not None:
            body["meta"] = meta
        path = frame_path(version, key)
        call = self.actor.call("save", "PATCH", path, body, version=version, key=key, expect=expect)
        if call.status == 200:
            self.known[version, key] = call.body
        elif call.code == "stale_revision" and isinstance(call.body.get("current"), dict):
            self.known[version, key] = call.body["current"]
        return call


class Annotator(Worker):
    def run(self) -> None:
        shared, version = self.shared, self.shared.version
        held: set[str] = set()  # keys of every item this annotator claimed (held or done)
        finished: list[str] = []
        self.published = False
        for _ in range(ITEMS):  # never more items than the task has
            if time.monotonic() >= shared.deadline:
                break
            item = self.actor.call(
                "next", "POST", f"/api/tasks/{shared.task}/next/", expect={OK, EMPTY}
            )
            if item.status != 200:
                break
            frames = item.body["frames"]
            held.update(frame["id"] for frame in frames)
            shared.claimed.extend(frame["id"] for frame in frames)
            for frame in frames:
                self.known[version, frame["id"]] = frame
            if item.body["position"] % 2 and not self.published:
                self.lock_move_unlock(frames[0]["id"])
            for frame in frames:
                for number in range(1 if self.published else SAVES_PER_FRAME):
                    meta = {"by": self.actor.name, "n": number} if number == 1 else None
                    self.own_save(frame["id"], edited(self.current(frame["id"]), self.rng), meta)
            self.stale_save(frames[-1]["id"])
            self.foreign_save(version, held)
            if shared.fork is not None:
                self.foreign_save(shared.fork, set())  # nobody holds the fork's frames
            done = self.actor.call(
                "done",
                "POST",
                f"/api/tasks/{shared.task}/items/{item.body['position']}/done/",
                expect={OK},
            )
            assert done.status == 200, str(done)
            shared.item_done()
            if finished and not self.published:  # a frame of an item it finished stays its own
                key = self.rng.choice(finished)
                self.own_save(key, edited(self.current(key), self.rng))
            finished.extend(frame["id"] for frame in frames)

    def current(self, key: str) -> list[dict]:
        return self.known[self.shared.version, key]["rois"]

    def own_save(self, key: str, rois: list[dict], meta=None, *, expect=(OK, STALE)) -> Call:
        call = self.save(self.shared.version, key, rois, expect=expect, meta=meta)
        self.published |= call.code == "version_published"
        return call

    def lock_move_unlock(self, key: str) -> None:
        """Lock a box (allowed), move it (409 `roi_locked`), unlock it (allowed)."""
        rois = sendable(self.current(key))
        target = next((roi["id"] for roi in rois if not roi["locked"]), None)
        if target is None:
            return
        for roi in rois:
            roi["locked"] = roi["locked"] or roi["id"] == target
        if self.own_save(key, rois).status != 200:
            return
        moved = nudged(self.current(key), self.rng, target=target)
        self.own_save(key, moved, expect=(LOCKED, STALE))
        unlocked = sendable(self.current(key))
        for roi in unlocked:
            roi["locked"] = roi["locked"] and roi["id"] != target
        self.own_save(key, unlocked)

    def stale_save(self, key: str) -> None:
        """A save from a revision older than the one it saw: always 409 `stale_revision`."""
        frame = self.known[self.shared.version, key]
        rois = edited(frame["rois"], self.rng)
        call = self.save(
            self.shared.version, key, rois, revision=frame["revision"] - 1, expect={STALE}
        )
        self.published |= call.code == "version_published"

    def foreign_save(self, version: int, held: set[str]) -> None:
        """A frame it does not hold, from its current revision: 403 `not_your_item`."""
        key = self.rng.choice([key for key in self.shared.keys if key not in held])
        frame = self.read(version, key)
        self.save(version, key, edited(frame["rois"], self.rng), expect={NOT_YOURS})


class Manager(Worker):
    def run(self) -> None:
        shared, version = self.shared, self.shared.version
        # Edits racing the annotators' until half the items are done.
        while not shared.half_done.wait(0.01) and time.monotonic() < shared.publish_by:
            busy = shared.claimed[-ANNOTATORS * CLIP :]
            key = self.rng.choice(busy if busy and self.rng.random() < 0.8 else shared.keys)
            frame = self.read(version, key)
            self.save(version, key, nudged(frame["rois"], self.rng), expect={OK, STALE})
        path = f"/api/versions/{version}/publish/"
        shared.publish_sent = time.monotonic()
        published = self.actor.call("publish", "POST", path, {"force": True}, expect={OK})
        shared.publish_done = time.monotonic()
        assert published.status == 200, str(published)
        # Refused from now on, even for a Manager (the clock rule expects version_published).
        key = self.rng.choice(shared.keys)
        self.save(version, key, nudged(self.read(version, key)["rois"], self.rng), expect=())
        self.actor.call("publish", "POST", path, {"force": True}, expect={PUBLISHED})
        fork = self.actor.call(
            "fork",
            "POST",
            f"/api/versions/{version}/fork/",
            {"name": "live fork"},
            expect={CREATED},
        )
        assert fork.status == 201, str(fork)
        shared.fork = fork.body["id"]
        for key in self.rng.sample(shared.keys, FORK_SAVES):
            frame = self.read(shared.fork, key)
            self.save(shared.fork, key, nudged(frame["rois"], self.rng), expect={OK})


def run_all(workers: list[Worker], seconds: float) -> list[str]:
    """Run every worker in its own thread; the tracebacks of those that failed."""
    failures: list[str] = []

    def run(worker: Worker) -> None:
        try:
            worker.run()
        except Exception:
            failures.append(f"{worker.actor.name}:\n{traceback.format_exc()}")
        finally:
            worker.actor.client.close()

    threads = [threading.Thread(target=run, args=(worker,), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds)
    failures += [f"{thread.name} still running" for thread in threads if thread.is_alive()]
    return failures


# What the answers must say


def short(body) -> str:
    text = " ".join(str(body).split())
    return text if len(text) <= 300 else text[:300] + "…"


def answer(call: Call) -> tuple[int, str | None]:
    return call.status, call.code


def answer_problems(calls: list[Call], shared: Shared) -> list[str]:
    problems = []
    for call in calls:
        allowed = set(call.expect)
        if call.kind == "save" and call.version == shared.version:
            if call.began >= shared.publish_done:
                allowed = {PUBLISHED}  # sent after the publish answered
            elif call.ended >= shared.publish_sent:
                allowed.add(PUBLISHED)  # the two raced
        if call.status >= 500:
            problems.append(f"5xx: {call} {short(call.body)}")
        elif answer(call) not in allowed:
            problems.append(f"unexpected: {call} {short(call.body)}; expected {sorted(allowed)}")
        if call.kind == "save" and (
            call.status not in (200, 403, 409)
            or (call.status == 409 and call.code not in SAVE_CONFLICTS)
        ):
            problems.append(f"a save answered neither applied nor refused: {call}")
        if call.code == "stale_revision":
            current = call.body.get("current") or {}
            if not current.get("revision", 0) > call.sent["revision"]:
                problems.append(f"409 stale_revision without a newer current: {call}")
        saved = call.kind == "save" and call.status == 200
        if saved and normalized(call.body["rois"]) != normalized(call.sent["rois"]):
            problems.append(f"the answer is not what was saved: {call}")
    return problems


def normalized(rois: list[dict]) -> dict[str, tuple]:
    """ROIs by id, by value (order-insensitive); ids are unique."""
    by_id = {
        roi["id"]: (
            roi["type"],
            tuple(roi["labels"]),
            tuple(tuple(point) for point in roi["points"]),
            float(roi["confidence"]),
            bool(roi["locked"]),
        )
        for roi in rois
    }
    assert len(by_id) == len(rois), f"repeated ROI ids: {rois}"
    return by_id


def difference(before: dict, after: dict) -> dict:
    """The history's `change` of ROIs between two normalized states, lists sorted."""
    return {
        "added": sorted(uid for uid in after if uid not in before),
        "changed": sorted(uid for uid in after if uid in before and before[uid] != after[uid]),
        "removed": sorted(uid for uid in before if uid not in after),
    }


def replay(state: dict, saves: list[Call]) -> tuple[dict, list[tuple]]:
    """The frame after the saves, from `state`, and one history entry per save."""
    state, entries = dict(state), []
    for save in saves:
        rois = normalized(save.sent["rois"])
        change = {"rois": difference(state["rois"], rois)}
        if "meta" in save.sent:
            change["meta"] = save.sent["meta"] != state["meta"]
            state["meta"] = save.sent["meta"]
        state |= {"revision": state["revision"] + 1, "rois": rois, "updated_by": save.who}
        entries.append((save.revision, save.who, change))
    return state, entries


def as_read(frame: dict) -> dict:
    return {
        "revision": frame["revision"],
        "rois": normalized(frame["rois"]),
        "meta": frame["meta"],
        "updated_by": frame["updated_by"],
    }


def history_as_read(entries: list[dict]) -> list[tuple]:
    read = []
    for entry in entries:
        change = dict(entry["change"])
        if "rois" in change:
            change["rois"] = {part: sorted(ids) for part, ids in change["rois"].items()}
        read.append((entry["revision"], entry["user"], change))
    return read


def accepted_saves(calls: list[Call], version: int, key: str) -> list[Call]:
    saves = [c for c in calls if c.kind == "save" and c.status == 200]
    return sorted(
        (c for c in saves if (c.version, c.key) == (version, key)), key=lambda c: c.revision
    )


def frame_problems(reader: Actor, calls, version, key, base, history) -> tuple[list[str], dict]:
    """The frame as read and its history against its accepted saves; (problems, state)."""
    saves = accepted_saves(calls, version, key)
    where = f"version {version} frame {key}"
    revisions = [save.revision for save in saves]
    first = base["revision"] + 1
    problems = []
    if revisions != list(range(first, first + len(saves))):
        problems.append(
            f"{where}: accepted saves answered revisions {revisions}, not {first}… in turn "
            "(a repeat is a lost update): " + "; ".join(map(str, saves))
        )
    expected, entries = replay(base, saves)
    read = reader.call("read", "GET", frame_path(version, key), expect={OK})
    if read.status != 200 or as_read(read.body) != expected:
        problems.append(f"{where}: reads {short(read.body)}, expected {expected}")
    history = history + entries
    if history and history[0][0] != 1:
        history = [(1, None, {"imported": True}), *history]
    recorded = reader.call("read", "GET", frame_path(version, key) + "history/", expect={OK})
    if recorded.status != 200 or history_as_read(recorded.body) != history:
        problems.append(f"{where}: history {short(recorded.body)}, expected {history}")
    return problems, {"state": expected, "history": history}


# The test


def test_annotators_and_a_manager_at_once_over_http(gunicorn):
    started = time.monotonic()
    manager = ManagerFactory(username="live-manager")
    annotators = [AnnotatorFactory(username=f"live-annotator-{n}") for n in range(ANNOTATORS)]
    imported = {
        f"f{n:02d}": [
            box(
                LABELS[(n + b) % 3],
                x=20 + 120 * b,
                y=40 + 5 * n,
                w=80,
                h=60,
                id=f"b{b}",
                locked=False,
            )
            for b in range(3)
        ]
        for n in range(FRAMES)
    }
    version = VersionFactory(
        frames=[
            frame_data(key, context_id="cam", timestamp=n, rois=rois)
            for n, (key, rois) in enumerate(imported.items())
        ]
    )
    task = make_task(
        version, manager, "live", iteration={"order": "random", "seed": SEED, "clip_length": CLIP}
    )
    assert task.item_count == ITEMS
    shared = Shared(
        version=version.pk,
        task=task.pk,
        keys=list(imported),
        deadline=started + WORK_SECONDS,
        publish_by=started + PUBLISH_BY,
    )

    def actor(user) -> Actor:
        return Actor(user.username, gunicorn.port, Token.objects.create(user=user).key)

    boss = Manager(actor(manager), shared, SEED)
    workers = [Annotator(actor(user), shared, SEED + n) for n, user in enumerate(annotators, 1)]
    failures = run_all([boss, *workers], seconds=WORK_SECONDS + 60)
    calls = sorted((c for w in [boss, *workers] for c in w.actor.calls), key=lambda c: c.began)
    problems = failures + answer_problems(calls, shared)

    reader = Actor("reader", gunicorn.port, Token.objects.get(user=manager).key)
    status = reader.call("read", "GET", f"/api/versions/{version.pk}/", expect={OK})
    if status.status != 200 or status.body["status"] != "published":
        problems.append(f"version {version.pk} after the publish: {status.body}")
    for key, rois in imported.items():
        base = {"revision": 1, "rois": normalized(rois), "meta": {}, "updated_by": None}
        found, published = frame_problems(reader, calls, version.pk, key, base, [])
        problems += found
        if shared.fork is not None:
            problems += frame_problems(
                reader, calls, shared.fork, key, published["state"], published["history"]
            )[0]
    problems += answer_problems(reader.calls, shared)
    if "Traceback" in gunicorn.log.read_text(errors="replace"):
        problems.append("the server logged an exception")
    assert not problems, "\n".join(problems[:30]) + f"\n--- gunicorn:\n{gunicorn.log_tail()}"

    # The run did what it is for: saves accepted and refused for each reason, on both versions.
    seen = [answer(c) for c in calls if c.kind == "save"]
    counts = {kind: seen.count(kind) for kind in (OK, STALE, LOCKED, NOT_YOURS, PUBLISHED)}
    assert counts[OK] >= FRAMES, counts
    assert all(counts.values()), counts
    assert any(c.status == 200 and c.version == shared.fork for c in calls), "no save on the fork"
    assert time.monotonic() - started < 60
