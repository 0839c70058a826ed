"""The fake tenant's ``/oauth/token`` with a DPoP proof (RFC 9449 §5, §8), over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from fake_issuer.dpop import (
    NonceMissing,
    check_dpop_proof,
    generate_dpop_key,
    key_thumbprint,
    mint_dpop_proof,
)
from fake_issuer.issuer import DEFAULT_CLIENT_ID
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.server.clients import DEFAULT_CLIENT_SECRET
from fake_issuer.server.http import IssuerServer
from fake_issuer.tokens import Signer

NOW = 1_700_000_000.0
BODY = {
    "grant_type": "client_credentials",
    "client_id": DEFAULT_CLIENT_ID,
    "client_secret": DEFAULT_CLIENT_SECRET,
}


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    """A running server with the default client, on a fixed clock."""
    with IssuerServer(clock=lambda: NOW) as running:
        yield running


def post(server: IssuerServer, proof: str | None) -> requests.Response:
    """A client-credentials request for the default audience, with ``proof`` as the ``DPoP`` header."""
    headers = {} if proof is None else {"DPoP": proof}
    body = {**BODY, "audience": server.issuer.audience}
    return requests.post(server.issuer.token_url, json=body, headers=headers, timeout=10)


def proof(server: IssuerServer, key: SigningKey, **options: Any) -> str:
    """A proof for ``POST {token_url}`` at the server's time."""
    options.setdefault("clock", lambda: NOW)
    return mint_dpop_proof(key, htm="POST", htu=server.issuer.token_url, **options)


def claims_of(server: IssuerServer, token: str) -> dict[str, object]:
    """The claims of ``token`` once its signature checks out against the server's JWKS."""
    keys = KeySet.import_key_set(requests.get(server.issuer.jwks_url, timeout=10).json())
    return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)


@pytest.mark.parametrize("alg", ["ES256", "PS256", "RS256"])
def test_a_proof_gets_a_dpop_bound_token(server: IssuerServer, alg: str) -> None:
    key = generate_dpop_key(alg)
    response = post(server, proof(server, key, alg=alg))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "DPoP"
    assert claims_of(server, body["access_token"])["cnf"] == {"jkt": key_thumbprint(key)}


def test_without_a_proof_the_token_is_a_bearer_token(server: IssuerServer) -> None:
    body = post(server, None).json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in claims_of(server, body["access_token"])


def test_the_nonce_challenge_then_a_token(server: IssuerServer) -> None:
    server.tenants[""].dpop_nonce = True
    key = generate_dpop_key()
    first = post(server, proof(server, key))
    assert first.status_code == 400
    assert first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["DPoP-Nonce"]
    second = post(server, proof(server, key, nonce=nonce))
    assert second.status_code == 200
    assert second.json()["token_type"] == "DPoP"


def test_a_bad_proof_is_refused_with_invalid_dpop_proof(server: IssuerServer) -> None:
    response = post(
        server, proof(server, generate_dpop_key(), claims={"htu": "https://elsewhere.test/oauth/token"})
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_client_errors_come_before_the_proof(server: IssuerServer) -> None:
    response = requests.post(server.issuer.token_url, json={"grant_type": "password"}, timeout=10)
    assert response.json()["error"] == "unsupported_grant_type"


KEY = generate_dpop_key(label="token-endpoint")
HTU = "https://tenant.test/oauth/token"


def good(**options: Any) -> str:
    """A proof ``check_dpop_proof`` accepts for POST HTU at NOW, spoiled by ``options``."""
    return mint_dpop_proof(KEY, htm="POST", htu=HTU, clock=lambda: NOW, **options)


REFUSALS: dict[str, tuple[str | dict[str, Any], str]] = {
    "two-segments": ("a.b", "not a compact JWS"),
    "header-not-json": ("bm90IGpzb24.e30.e30", "not a compact JWS"),
    "header-array": ("W10.e30.", "must be JSON objects"),
    "typ-jwt": ({"header": {"typ": "JWT"}}, "typ dpop\\+jwt"),
    "alg-none": ({"alg": "none"}, "asymmetric alg"),
    "alg-hs256": ({"alg": "HS256"}, "asymmetric alg"),
    "jwk-string": ({"header": {"jwk": "x"}}, "must be a public key"),
    "jwk-private": ({"embed_private": True}, "must be a public key"),
    "jwk-rsa-for-es256": ({"header": {"jwk": generate_rsa_key("x").public_jwk()}}, "does not verify"),
    "ec-jwk-for-rs256": ({"header": {"alg": "RS256"}}, "does not verify"),
    "jwk-member-number": (
        {"header": {"jwk": {"kty": "EC", "crv": "P-256", "x": 5, "y": "AA"}}},
        "does not verify",
    ),
    "stranger-signed": ({"signer": Signer("ES256", key=generate_dpop_key(label="other"))}, "does not verify"),
    "htm-get": ({"claims": {"htm": "GET"}}, "not for POST"),
    "iat-stale": ({"iat": NOW - 301}, "current iat"),
    "no-jti": ({"drop": ["jti"]}, "current iat"),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_check_dpop_proof_refuses(name: str) -> None:
    spoil, message = REFUSALS[name]
    value = spoil if isinstance(spoil, str) else good(**spoil)
    with pytest.raises(ValueError, match=message):
        check_dpop_proof(value, htm="POST", htu=HTU, now=NOW)


def test_check_dpop_proof_accepts_and_demands_the_nonce() -> None:
    assert check_dpop_proof(good(), htm="POST", htu=HTU, now=NOW) == key_thumbprint(KEY)
    assert check_dpop_proof(good(nonce="n"), htm="POST", htu=HTU, now=NOW, nonce="n") == key_thumbprint(KEY)
    with pytest.raises(NonceMissing):
        check_dpop_proof(good(), htm="POST", htu=HTU, now=NOW, nonce="n")
    rsa = generate_dpop_key("PS384")
    signed = mint_dpop_proof(rsa, htm="POST", htu=HTU, clock=lambda: NOW, alg="PS384")
    assert check_dpop_proof(signed, htm="POST", htu=HTU, now=NOW) == key_thumbprint(rsa)
