"""``app_settings``: what an application needs to trust an in-process or served tenant."""

from __future__ import annotations

import types
from typing import Any

import pytest

from fake_issuer import AppSettings, FakeIssuer, app_settings
from fake_issuer.server import IssuerServer


def test_an_in_process_tenant_needs_no_ca() -> None:
    issuer = FakeIssuer("https://tenant.example", audience="urn:api")
    assert app_settings(issuer) == AppSettings(
        "https://tenant.example/",
        "urn:api",
        "https://tenant.example/.well-known/jwks.json",
        "https://tenant.example/oauth/token",
        None,
    )
    assert len(app_settings(issuer)) == 5


def test_a_server_behind_another_issuer_still_serves_its_urls_on_loopback() -> None:
    with IssuerServer(issuer="https://tenant.example/", tls=True) as server:
        found = app_settings(server)
        assert found["issuer"] == "https://tenant.example/"
        assert found["jwks_url"] == server.url + ".well-known/jwks.json"
        assert found["token_url"] == server.url + "oauth/token"
        assert found["ca_path"] == str(server.ca_path)


def test_to_django_sets_prefixed_names_and_renames(settings: Any) -> None:
    found = app_settings(FakeIssuer(audience="urn:api"))
    found.to_django(settings, prefix="JWT_", issuer="AUTH_ISSUER")
    assert found["issuer"] == settings.AUTH_ISSUER  # pytest-django's settings read django.conf's
    assert ("urn:api", found["jwks_url"]) == (settings.JWT_AUDIENCE, settings.JWT_JWKS_URL)
    assert settings.JWT_CA_PATH is None
    target = types.SimpleNamespace()
    found.to_django(target)
    assert found["token_url"] == target.FAKE_ISSUER_TOKEN_URL


def test_to_django_refuses_an_unknown_name() -> None:
    with pytest.raises(TypeError, match="no setting named isuer"):
        app_settings(FakeIssuer()).to_django(types.SimpleNamespace(), isuer="X")
