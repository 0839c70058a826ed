"""Three endpoints: public, any valid token, and a token with scope read:messages."""

from __future__ import annotations

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from messages_api.auth import scope_required


@api_view(["GET"])
@permission_classes([AllowAny])
def public(request: Request) -> Response:
    """Anyone."""
    return Response({"message": "public"})


@api_view(["GET"])
def private(request: Request) -> Response:
    """Any valid token."""
    return Response({"message": "private", "sub": str(request.user)})


@api_view(["GET"])
@permission_classes([IsAuthenticated, scope_required("read:messages")])
def messages(request: Request) -> Response:
    """A token with scope read:messages."""
    return Response({"messages": ["hello"]})


urlpatterns = [
    path("api/public", public),
    path("api/private", private),
    path("api/messages", messages),
]
