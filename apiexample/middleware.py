"""Every error the API sends is JSON (the policy's answers), including the ones Django itself produces.

Django answers a bad ``Host`` header (400) or an unexpected exception (500) with an HTML page, the
debug page when DEBUG is on; this outermost middleware replaces any non-JSON error with a JSON one.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

Handler = Callable[[HttpRequest], HttpResponse]


def json_errors(get_response: Handler) -> Handler:
    """Middleware: turn an error response that is not JSON into ``{"error", "error_description"}``."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        status = HTTPStatus(response.status_code)
        return JsonResponse(
            {"error": status.phrase.lower().replace(" ", "_"), "error_description": status.description},
            status=response.status_code,
        )

    return middleware
