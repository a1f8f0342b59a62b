"""Failed logins: counted per address and user name in the shared cache, then refused with 429."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3


def token(client: APIClient, username: str, password: str):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def fail_times(client: APIClient, username: str, times: int) -> None:
    for _ in range(times):
        assert token(client, username, "wrong").status_code == 400


def test_the_token_endpoint_answers_429_after_the_limit_even_with_the_right_password(annotator):
    client = APIClient()
    fail_times(client, "annotator", 3)

    response = token(client, "annotator", "pw-annotator")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "annotator" in response.json()["message"]


def test_below_the_limit_the_right_password_still_gets_a_token(annotator):
    client = APIClient()
    fail_times(client, "annotator", 2)

    assert token(client, "annotator", "pw-annotator").status_code == 200


def test_other_user_names_from_the_same_address_are_not_throttled(annotator, manager):
    client = APIClient()
    fail_times(client, "annotator", 3)

    assert token(client, "manager", "pw-manager").status_code == 200


def test_another_address_may_still_log_in_as_that_user(annotator):
    fail_times(APIClient(REMOTE_ADDR="10.1.1.1"), "annotator", 3)

    assert token(APIClient(REMOTE_ADDR="10.2.2.2"), "annotator", "pw-annotator").status_code == 200


def test_the_login_page_answers_429_with_the_reason_after_the_limit(client, annotator):
    for _ in range(3):
        client.post(reverse("login"), {"username": "annotator", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "annotator", "password": "pw-annotator"})

    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "_auth_user_id" not in client.session


def test_failures_on_the_login_page_count_for_the_token_endpoint_too(client, annotator):
    for _ in range(3):
        client.post(reverse("login"), {"username": "annotator", "password": "wrong"})

    assert token(APIClient(), "annotator", "pw-annotator").status_code == 429


def test_the_admin_login_refuses_a_throttled_user(client, manager):
    manager.is_staff = True
    manager.save()
    fail_times(APIClient(), "manager", 3)

    client.post(reverse("admin:login"), {"username": "manager", "password": "pw-manager"})

    assert "_auth_user_id" not in client.session


def test_counts_live_in_the_cache_table_every_process_reads(annotator, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    fail_times(APIClient(), "annotator", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHES['default']['LOCATION']}")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("login-failures:" in key for key in keys)


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "12345678901"])
def test_common_and_numeric_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


REDIS_CHECK = """
import django; django.setup()
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from config.throttle import is_throttled, record_failure
assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
request = RequestFactory().post("/login/", REMOTE_ADDR="10.9.9.9")
name = "redis-check-" + settings.SECRET_KEY[:8]
for _ in range(settings.LOGIN_FAILURE_LIMIT):
    record_failure(request, name)
print(is_throttled(request, name))
cache.clear()
"""


def test_with_redis_configured_the_counts_live_in_redis():
    """A second process (another web worker) sees the counts a first one wrote."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"SECRET_KEY": secrets.token_urlsafe(50), "REDIS_URL": "redis://127.0.0.1:6379/15"}
    env |= {"LOGIN_FAILURE_LIMIT": "3"}
    writer = REDIS_CHECK.replace("print(is_throttled(request, name))\ncache.clear()", "")
    reader = REDIS_CHECK.replace(
        "for _ in range(settings.LOGIN_FAILURE_LIMIT):\n    record_failure(request, name)\n", ""
    )
    subprocess.run([sys.executable, "-c", writer], env=env, check=True, cwd=ROOT)
    result = subprocess.run(
        [sys.executable, "-c", reader], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.stdout.strip() == "True", result.stderr
