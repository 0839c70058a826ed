"""A freshly made ``Auth0ResourceProtector`` works on its first request, without ``reset()`` first.

Every fixture resets the shared ``require_auth``; these tests build new protectors instead, so the
state a protector starts in is the one checked (RFC 6750 §2.1 request, §3 answers), and they pin
who announces an authenticated token on Authlib's ``token_authenticated`` signal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from authlib.integrations.django_oauth2.signals import token_authenticated
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory

from apiexample.auth import Auth0ResourceProtector
from apiexample.validator import Auth0JWTBearerTokenValidator
from fake_issuer import FakeIssuer

View = Callable[[HttpRequest], HttpResponse]


def protected_view(protector: Auth0ResourceProtector, scope: str | None = None) -> View:
    """A view guarded by ``protector`` that echoes the token's subject."""

    def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"sub": request.oauth_token["sub"]})  # type: ignore[attr-defined]

    return cast(View, protector(scope)(view))


def test_a_fresh_protector_builds_a_real_validator(tenant: FakeIssuer) -> None:
    protector = Auth0ResourceProtector()
    assert isinstance(protector.validator, Auth0JWTBearerTokenValidator)
    assert protector.validator.config.issuer == tenant.issuer


def test_a_fresh_protector_answers_its_first_request(tenant: FakeIssuer) -> None:
    view = protected_view(Auth0ResourceProtector())
    request = RequestFactory().get("/x", HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}")
    response = view(request)
    assert response.status_code == 200
    refused = view(RequestFactory().get("/x", HTTP_AUTHORIZATION=f"Bearer {tenant.mint(drop=['exp'])}"))
    assert refused.status_code == 401


def test_a_fresh_protector_checks_the_scope(tenant: FakeIssuer) -> None:
    view = protected_view(Auth0ResourceProtector(), "read:messages")
    granted = view(RequestFactory().get("/x", HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}"))
    denied = view(RequestFactory().get("/x", HTTP_AUTHORIZATION=f"Bearer {tenant.mint(scope='')}"))
    assert (granted.status_code, denied.status_code) == (200, 403)


def test_the_signal_names_the_protector_class_as_sender(tenant: FakeIssuer) -> None:
    senders: list[object] = []

    def receiver(sender: object, token: object, **kwargs: object) -> None:
        senders.append(sender)

    token_authenticated.connect(receiver)
    try:
        view = protected_view(Auth0ResourceProtector())
        view(RequestFactory().get("/x", HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}"))
    finally:
        token_authenticated.disconnect(receiver)
    assert senders == [Auth0ResourceProtector]
