import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import every view now rather than on the first request, then move everything loaded so far out
# of the collector's view: it lives as long as the process, and a full collection walking it took
# 40-60 ms in the middle of a request.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
