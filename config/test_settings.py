"""The test suite's settings: development mode (no HTTPS redirect, a generated key), else as is.

Django's test runner still runs every test with `DEBUG = False`; production defaults are checked
by `tests/config/test_deploy.py`, which starts `manage.py` with `config.settings`.
"""

import os

os.environ.setdefault("DEBUG", "true")

from .settings import *  # noqa: F403
