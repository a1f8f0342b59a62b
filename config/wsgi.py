import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Everything loaded so far lives as long as the process: move it out of the collector's view, so
# a full collection no longer walks it in the middle of a request.
gc.freeze()
