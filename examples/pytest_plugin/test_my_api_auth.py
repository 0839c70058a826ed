"""The outside project's tests: no setup beyond pytest.ini and conftest.py, only the plugin's fixtures."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest
import requests
from my_api_auth import verify

from fake_issuer import FakeIssuer
from fake_issuer.server.http import IssuerServer


def test_a_token_from_the_tenant_is_accepted(fake_issuer_server: IssuerServer) -> None:
    issuer = fake_issuer_server.issuer
    claims = verify(issuer.mint(), issuer=issuer.issuer, audience="https://my-api.example/")
    assert claims["scope"] == "read:messages"


def test_a_client_credentials_token_is_accepted(fake_issuer_server: IssuerServer) -> None:
    issuer = fake_issuer_server.issuer
    body = {
        "grant_type": "client_credentials",
        "client_id": issuer.client_id,
        "client_secret": "fake-client-secret",
        "audience": "https://my-api.example/",
    }
    token = requests.post(issuer.token_url, json=body, timeout=5).json()["access_token"]
    assert (
        verify(token, issuer=issuer.issuer, audience="https://my-api.example/")["sub"]
        == f"{issuer.client_id}@clients"
    )


def test_a_rotated_key_is_picked_up(fake_issuer_server: IssuerServer) -> None:
    issuer = fake_issuer_server.issuer
    issuer.rotate()
    assert (
        verify(issuer.mint(), issuer=issuer.issuer, audience="https://my-api.example/")["iss"]
        == issuer.issuer
    )


def test_a_key_the_tenant_does_not_publish_is_refused(fake_issuer_server: IssuerServer) -> None:
    issuer = fake_issuer_server.issuer
    with pytest.raises(jwt.PyJWKClientError):
        verify(issuer.mint(key=issuer.new_key()), issuer=issuer.issuer, audience="https://my-api.example/")


def test_a_jwks_outage_is_an_error_not_a_pass(fake_issuer_server: IssuerServer) -> None:
    fake_issuer_server.fail("status")
    issuer = fake_issuer_server.issuer
    with pytest.raises(jwt.PyJWKClientConnectionError):
        verify(issuer.mint(), issuer=issuer.issuer, audience="https://my-api.example/")
    assert fake_issuer_server.take_request().path == "/.well-known/jwks.json"


def test_in_process_tenant_for_code_that_uses_requests(
    fake_issuer: FakeIssuer, mint_token: Callable[..., str]
) -> None:
    jwks = requests.get(fake_issuer.jwks_url, timeout=5).json()  # answered in-process by `responses`
    token = mint_token(scope="read:messages write:messages")
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="https://my-api.example/")
    assert claims["scope"] == "read:messages write:messages"
    assert fake_issuer.mock.fetches == 1
