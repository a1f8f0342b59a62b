"""Failed logins counted per address and user name, in the cache every web process shares.

After `LOGIN_FAILURE_LIMIT` failures within `LOGIN_FAILURE_WINDOW` seconds, that address may not
try that user name again until the window has passed: the login page and the token endpoint answer
429. The counts live in Django's cache (the database cache by default, Redis when `REDIS_URL` is
set), so every gunicorn worker and every machine sees the same number.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

THROTTLED = (
    "Too many failed logins for “%(username)s” from your address; wait %(seconds)s seconds, "
    "then try again."
)


def _key(request: HttpRequest, username: str) -> str:
    # Hashed: user names are free text and cache keys have a restricted alphabet and length.
    who = f"{request.META.get('REMOTE_ADDR', '')}\n{username.strip().lower()}"
    return "login-failures:" + hashlib.sha256(who.encode()).hexdigest()


def is_throttled(request: HttpRequest, username: str) -> bool:
    return cache.get(_key(request, username), 0) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(request: HttpRequest, username: str) -> None:
    key = _key(request, username)
    # add() starts the window at the first failure; incr() keeps its expiry.
    if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def throttled_message(username: str) -> str:
    return THROTTLED % {"username": username, "seconds": settings.LOGIN_FAILURE_WINDOW}
