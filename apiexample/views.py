"""The quickstart's three endpoints (README, endpoints), GET only, JSON always."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from apiexample.auth import require_auth

REQUIRED_SCOPE = "read:messages"
PUBLIC_MESSAGE = "Hello from a public endpoint! You don't need to be authenticated to see this."
PRIVATE_MESSAGE = "Hello from a private endpoint! You need to be authenticated to see this."
SCOPED_MESSAGE = (
    "Hello from a private endpoint! You need to be authenticated and have a scope of "
    "read:messages to see this."
)

View = Callable[[HttpRequest], HttpResponse]


def safe_methods_only(view: View) -> View:
    """Answer 405 with a JSON body to anything but GET and HEAD, before any token is looked at."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                {"error": "method_not_allowed", "error_description": "Use GET."}, status=405
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return wrapper


@safe_methods_only
def public(request: HttpRequest) -> HttpResponse:
    """No authentication."""
    return JsonResponse({"message": PUBLIC_MESSAGE})


@safe_methods_only
@require_auth()
def private(request: HttpRequest) -> HttpResponse:
    """A valid access token."""
    return JsonResponse({"message": PRIVATE_MESSAGE})


@safe_methods_only
@require_auth(REQUIRED_SCOPE)
def private_scoped(request: HttpRequest) -> HttpResponse:
    """A valid access token with the ``read:messages`` scope."""
    return JsonResponse({"message": SCOPED_MESSAGE})


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path: a JSON 404 (never Django's HTML page, even with DEBUG on)."""
    return JsonResponse({"error": "not_found", "error_description": "No such endpoint."}, status=404)
