"""What every app's admin shares."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from .errors import error_message


class ServiceErrorsMixin:
    """A service refusing a save that its form's checks passed (a race) shows as a message."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # the admin's transaction has rolled back
            self.message_user(request, error_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
