"""Time the create form's live count and label suggestions end to end (middleware, form, engine,
template) on an existing version, e.g. one `bench_tasks` built; print one JSON line per case."""

import json
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from annotations.roles import MANAGERS, group_member
from datasets.models import Version

from ._bench_db import migrate_if_needed

RULE = {"rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0", "rules-0-exclude": "include"}
CASES = {
    "all frames": {"mode": "all"},
    "one label, confidence 0.5-1": {
        "mode": "by_label",
        **RULE,
        "rules-0-labels": "label3",
        "rules-0-conf_min": "0.5",
    },
    "one label, 2-3 instances": {
        "mode": "by_label",
        **RULE,
        "rules-0-labels": "label3",
        "rules-0-count_min": "2",
        "rules-0-count_max": "3",
    },
    "empty frames": {"mode": "empty"},
    "Lucene rule query": {
        "mode": "by_label",
        **RULE,
        "rules-0-query": "label3 AND meta.occluded:false",
    },
    "frame query and label rule": {
        "mode": "by_label",
        **RULE,
        "rules-0-labels": "label3",
        "frame_query": "meta.weather:rain",
    },
    "all frames, limit 1000": {"mode": "all", "repetition": "limit", "limit": "1000"},
}


class Command(BaseCommand):
    help = "Time POST /tasks/new/preview/ and GET /tasks/new/labels/ on a version; print JSON."

    def add_arguments(self, parser):
        parser.add_argument("--version-id", type=int, required=True, dest="version_id")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, version_id: int, runs: int, **options):
        migrate_if_needed(self.stderr)
        target = Version.objects.get(pk=version_id)
        client = Client(HTTP_HOST="localhost")
        client.force_login(self._manager())
        base = {"name": "bench", "version": str(target.pk), "order": "sequential"}
        base |= {"repetition": "once"}
        for name, fields in CASES.items():
            data = base | fields
            self._report(name, runs, lambda d=data: self._preview(client, d))
        labels = reverse("annotations:task_labels")
        self._report("labels", runs, lambda: client.get(labels, {"version": target.pk}))

    def _preview(self, client: Client, data: dict):
        response = client.post(reverse("annotations:task_preview"), data)
        # A form error renders no count: timing it would measure the error path.
        if b"data-frame-count" not in response.content:
            raise CommandError(f"The preview showed no count for {data}; check the form fields.")
        return response

    def _report(self, name: str, runs: int, call) -> None:
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            response = call()
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        line = {
            "case": name,
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(timings[-1], 1),
            "runs": runs,
        }
        self.stdout.write(json.dumps(line))

    def _manager(self) -> User:
        return group_member("bench-manager", MANAGERS)
