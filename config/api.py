"""What every API view shares: permissions named per action, bounded JSON bodies, checked URL
ids and query parameters, and documented error responses."""

import orjson
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import parsers, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound, ParseError

from config.converters import MAX_ID
from config.errors import NUL_TEXT, BodyTooLarge
from datasets.models import Version

# Bodies of every JSON endpoint are bounded by this setting unless a view names another one for
# an action in `body_limits` (a bulk import: API_MAX_BULK_BODY_BYTES).
DEFAULT_BODY_LIMIT = "API_MAX_BODY_BYTES"

VERSION_PARAMETER = OpenApiParameter(
    "version_pk", int, OpenApiParameter.PATH, description="The version's id."
)


# An `action_permissions` value for actions open to every logged-in user (they see their own rows).
ANY_USER = "any logged-in user"


class ActionPermissions(permissions.BasePermission):
    """Each view names the model permission every action needs (`action_permissions`).

    Reads need `view_*` too. An action missing from the map is refused, so a new action cannot
    slip through unguarded.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action in (None, "metadata"):  # an unrouted method or OPTIONS: 405 follows
            return True
        needed = view.action_permissions.get(view.action)
        if needed is None:
            self.message = "This action is not allowed here."
            return False
        if needed == ANY_USER or request.user.has_perm(needed):
            return True
        self.message = _denied_message(needed)
        return False


def _denied_message(permission: str) -> str:
    app_label, codename = permission.split(".")
    name = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .values_list("name", flat=True)
        .first()
    )
    return (
        f"You do not have the permission “{name or permission}” ({permission}); "
        "Managers have it. Ask an administrator."
    )


def body_limit(view) -> tuple[int, str]:
    """The largest body `view`'s current action takes, and the setting that says so."""
    name = getattr(view, "body_limits", {}).get(getattr(view, "action", None), DEFAULT_BODY_LIMIT)
    return getattr(settings, name), name


def too_large(size: int | None, limit: int, setting: str) -> BodyTooLarge:
    given = "" if size is None else f" is {_bytes(size)}; it"
    return BodyTooLarge(
        f"The request body{given} may be at most {_bytes(limit)} here (setting {setting}). "
        "Send less at a time, e.g. in smaller batches."
    )


def _bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:,.1f} MB ({size:,} bytes)"
    return f"{size:,} bytes"


def _content_length(request) -> int | None:
    if request is None:
        return None
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class JSONParser(parsers.JSONParser):
    """DRF's parser with orjson: a 10,000-frame bulk body parses in a fifth of the time.

    The body is bounded before it is read (413 `too_large`): by its Content-Length, and by reading
    at most one byte past the limit when the length is not given (a chunked body). Like DRF's
    strict mode it refuses NaN and Infinity; the body must be UTF-8 (RFC 8259). A string holding
    NUL (which JSON can only write as \\u0000) is refused naming where it is: PostgreSQL cannot
    store it in text.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        context = parser_context or {}
        limit, setting = body_limit(context.get("view"))
        size = _content_length(context.get("request"))
        if size is not None and size > limit:
            raise too_large(size, limit, setting)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise too_large(None, limit, setting)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if b"\\u0000" in body:  # rare, and a literal backslash-u0000 text matches too: look
            field = nul_field(data)
            if field is not None:
                raise ValidationError({field: ValidationError(NUL_TEXT, code="nul_character")})
        return data


def nul_field(data) -> str | None:
    """Where the first string (value or key) holding NUL is in parsed JSON: `rois[2].labels[0]`.

    Iterative: a body may nest as deep as orjson allows (1,024), deeper than Python recursion.
    """
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "The body"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                name = key.replace("\x00", "\\u0000")
                where = f"{path}.{name}" if path else name
                if "\x00" in key:
                    return where
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value)))
            )
    return None


def drop_parsed_body(request) -> None:
    """Forget the body DRF parsed and keeps for the request's lifetime (a bulk import's frames)."""
    request._full_data = request._data = None


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    code = serializers.CharField(help_text="Machine-readable: `stale_revision`, `not_found`, …")
    message = serializers.CharField(help_text="What is wrong and what to do, for people.")
    errors = serializers.JSONField(
        required=False,
        help_text='Details per field (`{"rois[2].points": ["…"]}`) or per bulk item '
        '(`[{"index", "field", "message"}]`).',
    )


class ApiSchema(AutoSchema):
    """Adds the error responses every endpoint can give (401, 403, and 400/404/413 where they
    apply); documents PATCH bodies as the views check them, `max_items` of pass-through list
    fields (a frame's `rois`, a task's `filters`) as maxItems, and serializers that set
    `refuses_unknown_fields` as closed objects (additionalProperties: false)."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        # Views check a PATCH body with the whole serializer (`validated`), not a partial one: a
        # frame PATCH needs its `revision`. Described as such, not as drf-spectacular's "Patched"
        # copy with every field optional.
        method = self.method
        if method == "PATCH":
            self.method = "POST"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False  # the view or service answers 400 for them
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        max_items = getattr(field, "max_items", None)
        if max_items is not None and isinstance(schema, dict) and schema.get("type") == "array":
            schema = {**schema, "maxItems": max_items}
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # 400 anywhere: a query parameter holding NUL is refused before any view code runs.
        codes = ["401", "403", "400"]
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            codes.append("404")  # no such object, or a paginated list's page past the end
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")  # the body is over its limit (JSONParser)
            codes.append("415")  # a body of a media type the view does not parse
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses


class ApiViewSet(viewsets.GenericViewSet):
    metadata_class = None  # OPTIONS answers 405: /api/schema/ describes every endpoint
    parser_classes = [JSONParser]
    lookup_value_regex = "[0-9]+"
    permission_classes = [ActionPermissions]
    schema = ApiSchema()
    action_permissions: dict[str, str] = {}
    # {action: name of the setting bounding its body}; other actions: API_MAX_BODY_BYTES.
    body_limits: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        numeric = self.lookup_value_regex.startswith("[0-9]")
        lookup = (self.lookup_url_kwarg or self.lookup_field) if numeric else None
        check_url_ids(kwargs, lookup=lookup)


def check_url_ids(kwargs: dict, *, lookup: str | None) -> None:
    """Numbers in a URL (`pk`, `version_pk`, the viewset's numeric lookup such as `position`)
    beyond 64 bits are no row: 404 in the API's error shape, before the number reaches SQL,
    where it would overflow the column (a 500). Any part holding NUL is no row either."""
    for name, value in kwargs.items():
        if not isinstance(value, str):
            continue
        is_id = name == lookup or name == "pk" or name.endswith("_pk")
        if is_id and value.isdigit() and (len(value) > 19 or int(value) > MAX_ID):
            raise NotFound(f"No object has {name} {value[:30]}: ids fit 64 bits.")
        if "\x00" in value:
            raise NotFound(f"No object has a {name} containing NUL (\\u0000).")


class VersionScopedViewSet(ApiViewSet):
    """Endpoints under /api/versions/{version_pk}/: the version is looked up once, 404 if none."""

    @cached_property
    def version(self) -> Version:
        return get_object_or_404(Version, pk=self.kwargs["version_pk"])


def validated(serializer_class, data, **kwargs) -> dict:
    """The checked input of `serializer_class`; a 400 naming the field otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
