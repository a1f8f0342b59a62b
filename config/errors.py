"""Domain errors and the API's one error shape: {"code", "message", "errors"?}."""

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ConflictError(ValidationError):
    """Valid input that clashes with the current state (a Published version, a stale save)."""

    def __init__(self, message, code=None, params=None, *, current=None):
        super().__init__(message, code=code, params=params)
        self.current = current


class BodyTooLarge(exceptions.APIException):
    """A request body past its limit (413), refused before it is read."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


NUL_TEXT = "Text cannot hold the NUL character (\\u0000); remove it."


def refuse_nul(value: str, field: str) -> None:
    """PostgreSQL refuses NUL in text (a 500 at the insert); refuse it as bad input first."""
    if "\x00" in value:
        raise ValidationError({field: ValidationError(NUL_TEXT, code="nul_character")})


MAX_NAME_LENGTH = 200  # the name columns of datasets, versions and tasks


def clean_name(name, *, what: str) -> str:
    """A name as given, stripped: required, at most MAX_NAME_LENGTH characters, no NUL."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError(
            {"name": ValidationError(f"Give the {what} a name.", code="required")}
        )
    if len(name) > MAX_NAME_LENGTH:
        message = f"A name has at most {MAX_NAME_LENGTH} characters."
        raise ValidationError({"name": ValidationError(message, code="max_length")})
    refuse_nul(name, "name")
    return name


def error_message(error: ValidationError) -> str:
    if error.messages:
        return error.messages[0]
    return f"The request was refused ({getattr(error, 'code', None) or 'no reason given'})."


def _validation_body(exc: ValidationError) -> dict:
    code = getattr(exc, "code", None)
    if code is None and hasattr(exc, "error_list") and exc.error_list:
        code = exc.error_list[0].code
    if code is None and hasattr(exc, "error_dict"):
        first = next(iter(exc.error_dict.values()))[0]
        code = first.code
    body = {"code": code or "invalid", "message": error_message(exc)}
    if isinstance(getattr(exc, "errors", None), list):  # a bulk import's [{"index", "field", …}]
        body["errors"] = exc.errors
    elif hasattr(exc, "error_dict"):
        body["errors"] = exc.message_dict
        field, messages = next(iter(exc.message_dict.items()))
        body["message"] = messages[0] if field == "__all__" else f"{field}: {messages[0]}"
    return body


def _first_code(codes) -> str:
    """The code of the first error in DRF's nested codes ({"name": ["required"]} -> required)."""
    if isinstance(codes, dict):
        return _first_code(next(iter(codes.values()))) if codes else "invalid"
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "The request was refused; no reason given."
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        body = _validation_body(exc)
        if isinstance(exc, ConflictError):
            if exc.current is not None:
                body["current"] = exc.current
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):  # a multipart body's fields past Django's limit
        exc = BodyTooLarge(
            "The form fields of this request are larger than DATA_UPLOAD_MAX_MEMORY_SIZE "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes); send less at a time."
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ValidationError(
            f"Too many form fields or files in one request ({exc}); send fewer at a time.",
            code="too_many_fields",
        )
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        code = getattr(exc, "code", None) or "permission_denied"
        exc = exceptions.PermissionDenied(str(exc) or None, code=code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    body = {"code": _first_code(codes), "message": _first_message(detail)}
    if isinstance(detail, dict | list) and isinstance(exc, exceptions.ValidationError):
        body["errors"] = detail
    response.data = body
    return response
