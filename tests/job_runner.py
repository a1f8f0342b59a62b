"""Runs queued jobs in the test's own process, with the configured backend's real worker code.

Database backend: the `db_worker` command's `Worker.run_task` on each ready task row. RQ backend
(REDIS_URL set): an RQ `SimpleWorker` in burst mode, which runs jobs without forking. Both share
the test's database connection, so they see what the test wrote, committed or not. Nothing is a
fake: the task rows and the Redis queue are the real ones.
"""

from contextlib import contextmanager

from django.conf import settings
from django_tasks import task_backends


def backend_name() -> str:
    return type(task_backends["default"]).__name__


def run_queued_jobs() -> int:
    """Run every task waiting in the queue, then return how many ran."""
    if backend_name() == "RQBackend":
        return _run_rq()
    return _run_db()


def _run_db() -> int:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        with exclusive_transaction():  # as the worker claims a task
            task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            return ran
        worker.run_task(task_result)
        ran += 1


def _run_rq() -> int:
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        """Takes no commands over pub/sub: a burst needs none, and stopping RQ 3.0's listener
        waits up to a minute for its thread."""

        def subscribe(self) -> None:
            pass

        def unsubscribe(self) -> None:
            pass

    queue = django_rq.get_queue("default", job_class=Job)
    waiting = queue.count
    worker = django_rq.get_worker("default", job_class=Job, worker_class=BurstWorker)
    worker.work(burst=True, with_scheduler=False)
    return waiting


def empty_queue() -> None:
    """Forget tasks an earlier test left in Redis (the database backend's rows roll back)."""
    if backend_name() == "RQBackend":
        import django_rq

        django_rq.get_queue("default").empty()


class Jobs:
    """The `jobs` fixture: `with jobs.queued(): <request>` then `jobs.run()`."""

    def __init__(self, capture):
        self._capture = capture

    @contextmanager
    def queued(self):
        """Runs the on-commit hooks of what happens inside, as a real commit would, so the
        request's jobs reach the queue although the test's transaction never commits."""
        with self._capture(execute=True):
            yield

    def run(self) -> int:
        return run_queued_jobs()


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)
