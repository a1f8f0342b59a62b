"""Media work done a few items ahead in threads, its results taken in order.

Pillow's decoders and OpenCV's codecs release the GIL, so one worker process decodes and encodes
on two cores while its own thread stores files and reports progress. Results come back in the
order of the items, and an item's error is raised when its turn comes, so the first bad file is
the one named, as without threads. Only a few items are ever in flight, which bounds the memory.
"""

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

THREADS = 2


@contextmanager
def in_order(
    work: Callable, items: Iterable, *, threads: int = THREADS, ahead: int = 2 * THREADS
) -> Iterator[Iterator]:
    """An iterator of `work(item)` for each item, computed up to `ahead` items early.

    `items` is read lazily, in the caller's thread. Leaving the block, normally or by an error,
    drops what has not started and waits for what has.
    """
    pool = ThreadPoolExecutor(threads, thread_name_prefix="media")
    try:
        yield _results(pool, work, items, ahead)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _results(pool: ThreadPoolExecutor, work: Callable, items: Iterable, ahead: int) -> Iterator:
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
