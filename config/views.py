"""Logging in, on the page and for an API token: a throttled address and user name get a 429.

The authentication backend (`config/auth.py`) counts failures and refuses throttled attempts on
every login path; these views only turn a throttled attempt into a 429 that says so.
"""

from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from .api import ErrorSerializer
from .throttle import is_throttled, throttled_message


def _username(data) -> str:
    value = data.get("username", "") if hasattr(data, "get") else ""
    return value if isinstance(value, str) else ""


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        username = _username(request.POST)
        if is_throttled(request, username):
            context = self.get_context_data(throttled=throttled_message(username))
            return self.render_to_response(context, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return super().post(request, *args, **kwargs)


class TokenView(ObtainAuthToken):
    @extend_schema(
        summary="A token for a user name and password",
        responses={
            200: OpenApiResponse(
                description='{"token": "<key>"}; send `Authorization: Token <key>`'
            ),
            400: ErrorSerializer,
            415: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request, *args, **kwargs):
        username = _username(request.data)
        if is_throttled(request, username):
            body = {"code": "throttled", "message": throttled_message(username)}
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return super().post(request, *args, **kwargs)


def not_found(request, exception):
    """A URL no route takes: the API's error shape under /api/, else Django's page."""
    if request.path_info.startswith("/api/"):
        body = {"code": "not_found", "message": f"No API endpoint at {request.path_info}."}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)
