"""The task's stream: selected frames in sequential order, cut into clips, shuffled, limited.

An item is a list of frame keys (one key unless the clip length is above 1). The permutation
depends only on the seed and the sequential list, so any client can re-derive it.
"""

import random
from dataclasses import dataclass
from itertools import groupby

from django.core.exceptions import ValidationError

from frames.validation import short

from .models import AnnotationTask

Order = AnnotationTask.Order

MAX_SEED = 2**32 - 1
MAX_CLIP_LENGTH = 10_000
MAX_LIMIT = 2**31 - 1  # AnnotationTask.limit is a PositiveIntegerField


@dataclass(frozen=True)
class Iteration:
    order: str = Order.SEQUENTIAL
    seed: int | None = None
    limit: int | None = None
    clip_length: int = 0


def _error(field: str, message: str) -> ValidationError:
    return ValidationError(
        {f"iteration.{field}": ValidationError(message, code="invalid_iteration")}
    )


def _whole(value, field: str, minimum: int, maximum: int | None = None) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        upper = f" to {maximum}" if maximum is not None else " or more"
        raise _error(field, f"Expected a whole number from {minimum}{upper}; got {short(value)}.")
    return value


def clean_iteration(data, *, generate_seed: bool = True) -> Iteration:
    """Checked settings; a random order without a seed gets a generated one."""
    data = data or {}
    if not isinstance(data, dict):
        raise ValidationError(
            {"iteration": ValidationError("Iteration is an object.", code="invalid_iteration")}
        )
    order = data.get("order") or Order.SEQUENTIAL
    if order not in Order.values:
        raise _error("order", f"Order is {' or '.join(Order.values)}; got {short(order)}.")
    seed = data.get("seed")
    seed = None if seed in (None, "") else _whole(seed, "seed", 0, MAX_SEED)
    if order == Order.RANDOM and seed is None and generate_seed:
        seed = random.SystemRandom().randint(0, MAX_SEED)
    limit = data.get("limit")
    limit = None if limit in (None, "") else _whole(limit, "limit", 1, MAX_LIMIT)
    clip_length = _whole(data.get("clip_length") or 0, "clip_length", 0, MAX_CLIP_LENGTH)
    return Iteration(order=order, seed=seed, limit=limit, clip_length=clip_length)


def sequential_keys(memberships):
    """(context_id, key) pairs of a VersionFrame queryset in sequential order."""
    return memberships.sequential().values_list("frame__context_id", "key")


def items_from(rows, iteration: Iteration) -> list[list[str]]:
    """Cut sequential (context_id, key) rows into items, shuffle, and apply the frame limit."""
    size = iteration.clip_length
    if size > 1:
        items = []
        for _, group in groupby(rows, key=lambda row: row[0]):
            keys = [key for _, key in group]
            items.extend(keys[start : start + size] for start in range(0, len(keys), size))
    else:
        items = [[key] for _, key in rows]
    if iteration.order == Order.RANDOM:
        random.Random(iteration.seed).shuffle(items)
    return limited(items, iteration.limit)


def limited(items: list[list[str]], limit: int | None) -> list[list[str]]:
    if limit is None:
        return items
    kept, frames = [], 0
    for item in items:
        if frames >= limit:
            break
        item = item[: limit - frames]
        kept.append(item)
        frames += len(item)
    return kept
