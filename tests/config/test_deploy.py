"""Production defaults: DEBUG off unless asked for, and Django's deployment check passes."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    keep = {"PATH", "HOME", "LANG", "DATABASE_URL"}
    base = {name: value for name, value in os.environ.items() if name in keep}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=base | env, capture_output=True, text=True
    )


PRINT_DEBUG = [
    "-c",
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
]


def test_debug_is_off_unless_the_environment_turns_it_on(tmp_path):
    key = secrets.token_urlsafe(50)
    assert (
        run(PRINT_DEBUG, DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY=key).stdout.strip()
        == "False"
    )
    on = run(
        PRINT_DEBUG, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true", DATA_DIR=str(tmp_path)
    )
    assert on.stdout.strip() == "True"


def test_without_debug_a_secret_key_is_required():
    result = run(PRINT_DEBUG, DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_the_deployment_check_passes_with_only_the_three_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="labels.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
