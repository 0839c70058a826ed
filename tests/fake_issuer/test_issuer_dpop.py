"""FakeIssuer's dialects (Auth0's, RFC 9068 §2.2), DPoP binding (RFC 9449 §6.1) and Organization claims."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from fake_issuer.dpop import access_token_hash, generate_dpop_key, jwk_thumbprint
from fake_issuer.encoding import b64url_decode


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decoded header and payload of a compact JWS."""
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def test_the_rfc9068_profile_has_its_typ_client_id_and_jti_and_no_azp_or_gty() -> None:
    issuer = FakeIssuer(clock=lambda: 1_700_000_000.2)
    header, claims = parts(issuer.mint(profile="rfc9068"))
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": issuer.signing_key.kid}
    jti = claims.pop("jti")
    assert isinstance(jti, str)
    assert jti
    assert claims == {
        "iss": DEFAULT_ISSUER,
        "sub": f"{issuer.client_id}@clients",
        "aud": [DEFAULT_AUDIENCE, DEFAULT_ISSUER + "userinfo"],
        "iat": 1_700_000_000,
        "exp": 1_700_086_400,
        "client_id": issuer.client_id,
        "scope": "read:messages",
    }
    assert parts(issuer.mint(profile="rfc9068"))[1]["jti"] != jti


def test_the_auth0_profile_is_the_default() -> None:
    issuer = FakeIssuer(clock=lambda: 1_700_000_000)
    assert issuer.mint(profile="auth0") == issuer.mint()


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        FakeIssuer().mint(profile="okta")  # type: ignore[arg-type]


def test_dpop_key_binds_the_token_to_the_keys_thumbprint() -> None:
    key = generate_dpop_key()
    _, claims = parts(FakeIssuer().mint(dpop_key=key))
    public = {name: key.public_jwk()[name] for name in ("kty", "crv", "x", "y")}
    assert claims["cnf"] == {"jkt": jwk_thumbprint(public)}
    assert "cnf" not in parts(FakeIssuer().mint())[1]


def test_org_claims_and_overrides() -> None:
    issuer = FakeIssuer()
    _, claims = parts(issuer.mint(org_id="org_abc", org_name="acme"))
    assert (claims["org_id"], claims["org_name"]) == ("org_abc", "acme")
    _, claims = parts(
        issuer.mint(org_id="org_abc", dpop_key=generate_dpop_key(), claims={"org_id": 7, "cnf": []})
    )
    assert (claims["org_id"], claims["cnf"]) == (7, [])
    assert "org_name" not in claims


def test_dpop_proof_uses_the_issuers_clock() -> None:
    issuer = FakeIssuer(clock=lambda: 1234.9)
    key = generate_dpop_key()
    proof = issuer.dpop_proof(key, htm="GET", htu="https://a.test/x", access_token="t")
    _, claims = parts(proof)
    assert (claims["iat"], claims["ath"], claims["htm"]) == (1234, access_token_hash("t"), "GET")
    assert parts(issuer.dpop_proof(key, htm="GET", htu="https://a.test/x", clock=lambda: 5.0))[1]["iat"] == 5
