"""What every app's pages share for htmx: fragment requests, toasts, navigation, dialogs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event


def is_fragment_request(request: HttpRequest) -> bool:
    """htmx asked for a part of the page (a history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """`base.html` shows `message` as a toast when the response arrives."""
    trigger_client_event(response, "toast", {"message": message, "level": level})
    return response


def navigate(request: HttpRequest, url: str) -> HttpResponse:
    """After a write: a full page load, also when htmx sent the form."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def render_dialog(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The page's `dialog` fragment for htmx (opened as a modal), else the whole page."""
    if is_fragment_request(request):
        return render(request, f"{template}#dialog", {**context, "is_modal": True})
    return render(request, template, context)
