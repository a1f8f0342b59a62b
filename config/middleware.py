"""A request whose query string holds NUL is refused before any view runs.

PostgreSQL cannot hold NUL in text, so a `?context=a%00` that reaches a query is a 500. This one
check covers the pages and the API (which gets its `{code, message}` shape).
"""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "The query string holds a NUL character (%00); remove it."


def refuse_nul_middleware(get_response):
    def middleware(request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"code": "nul_character", "message": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
