"""apiexample.auth and .errors: the lazily built validator, settings changes, error objects."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apiexample.auth import Auth0ResourceProtector, require_auth
from apiexample.errors import BadSignature, InvalidAudience
from fake_issuer import FakeIssuer


def test_validator_is_built_once_and_shared() -> None:
    protector = Auth0ResourceProtector()
    first = protector.validator
    assert protector.validator is first
    assert protector._build_validator() is first  # a thread that lost the race gets the same one


def test_changing_auth0_settings_rebuilds_the_validator(tenant: FakeIssuer) -> None:
    before = require_auth.validator
    with override_settings(DEBUG=True):
        assert require_auth.validator is before  # other settings leave it alone
    with override_settings(AUTH0=before.config):
        assert require_auth.validator is not before


def test_errors_say_which_rule_failed() -> None:
    assert (
        repr(InvalidAudience())
        == "InvalidAudience(rule=7, \"The token's 'aud' claim does not name this API.\")"
    )
    assert (BadSignature.rule, BadSignature.code) == (5, "bad_signature")


def test_authenticated_tokens_are_announced_to_authlibs_signal(tenant: FakeIssuer) -> None:
    from authlib.integrations.django_oauth2.signals import token_authenticated
    from django.test import Client

    received: list[object] = []

    def receiver(sender: object, token: object, **kwargs: object) -> None:
        received.append(token)

    token_authenticated.connect(receiver)
    try:
        Client().get("/api/private", HTTP_AUTHORIZATION=f"Bearer {tenant.mint(scope='x')}")
    finally:
        token_authenticated.disconnect(receiver)
    assert [dict(token)["scope"] for token in received] == ["x"]  # type: ignore[call-overload]


def test_a_request_without_credentials_does_not_need_the_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    def unavailable(config: object) -> object:
        raise RuntimeError("key source cannot be built")

    monkeypatch.setattr("apiexample.auth.key_source_for", unavailable)
    require_auth.reset()
    try:
        response = Client().get("/api/private")
    finally:
        require_auth.reset()
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="apiexample"'
