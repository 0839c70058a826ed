"""DPoP refusals (RFC 9449 §4.3, §7.1): every forged proof, every token the proof does not rescue.

Each expected description and challenge is the one the README's "DPoP" section (and
docs/validation-policy.md) write down, in the order the checks report.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from apiexample.auth import require_auth
from fake_issuer import FakeIssuer
from fake_issuer.dpop import generate_dpop_key, proof_jwk
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.tokens import Signer, encode_token
from tests.apiexample.dpop_requests import ALGS, BEARER, proof_for, refused, send
from tests.endpoints import PRIVATE, SCOPED


@pytest.fixture
def key() -> SigningKey:
    """The client's DPoP key (ES256)."""
    return generate_dpop_key()


# -- proof problems: 401 invalid_dpop_proof, both challenges ------------------------------------------

RSA_1024 = generate_rsa_key("dpop-weak", bits=1024)
STRANGER = generate_dpop_key(label="stranger")
NOW = time.time


def forged(key: SigningKey, token: str, name: str) -> str:
    """A proof for ``token`` spoiled in the way ``name`` says."""
    spoil: dict[str, dict[str, Any]] = {
        "wrong-htu": {"claims": {"htu": "http://testserver/api/public"}},
        "other-host": {"claims": {"htu": "http://evil.test/api/private"}},
        "https-htu": {"claims": {"htu": "https://testserver/api/private"}},
        "htu-not-url": {"claims": {"htu": "not a url"}},
        "htu-number": {"claims": {"htu": 5}},
        "htu-bad-port": {"claims": {"htu": "http://testserver:99999/api/private"}},
        "htu-userinfo": {"claims": {"htu": "http://u@testserver/api/private"}},
        "htu-ftp": {"claims": {"htu": "ftp://testserver/api/private"}},
        "wrong-htm": {"claims": {"htm": "POST"}},
        "lower-htm": {"claims": {"htm": "get"}},
        "no-htm": {"drop": ["htm"]},
        "stale-iat": {"iat": int(NOW()) - 400},
        "future-iat": {"iat": int(NOW()) + 120},
        "string-iat": {"iat": str(int(NOW()))},
        "bool-iat": {"claims": {"iat": True}},
        "nan-iat": {"claims": {"iat": float("inf")}},
        "huge-iat": {"iat": 10**400},
        "no-iat": {"drop": ["iat"]},
        "no-jti": {"drop": ["jti"]},
        "empty-jti": {"jti": ""},
        "number-jti": {"claims": {"jti": 7}},
        "no-ath": {"drop": ["ath"]},
        "wrong-ath": {"claims": {"ath": "x" * 43}},
        "no-typ": {"drop_header": ["typ"]},
        "jwt-typ": {"header": {"typ": "JWT"}},
        "alg-none": {"alg": "none"},
        "alg-hs256": {"alg": "HS256"},
        "alg-lowercase": {"header": {"alg": "es256"}},
        "alg-eddsa": {"header": {"alg": "EdDSA"}},
        "no-jwk": {"drop_header": ["jwk"]},
        "jwk-string": {"header": {"jwk": "key"}},
        "private-jwk": {"embed_private": True},
        "jwk-for-other-curve": {"alg": "ES384", "signer": Signer("ES384", key=generate_dpop_key("ES384"))},
        "jwk-rsa-for-es256": {"header": {"jwk": generate_rsa_key("dpop:rsa").public_jwk()}},
        "jwk-broken": {"header": {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}},
        "jku": {"header": {"jku": "https://evil.test/jwks"}},
        "crit": {"header": {"crit": ["exp"]}},
        "x5c": {"header": {"x5c": ["MII"]}},
        "stranger-signed": {"signer": Signer("ES256", key=STRANGER)},
    }
    return proof_for(key, token, **spoil[name])


FORGERIES = {
    "wrong-htu": "The DPoP proof's 'htu' is not this request's URI.",
    "other-host": "The DPoP proof's 'htu' is not this request's URI.",
    "https-htu": "The DPoP proof's 'htu' is not this request's URI.",
    "htu-not-url": "The DPoP proof's 'htu' is not this request's URI.",
    "htu-number": "The DPoP proof's 'htu' is not this request's URI.",
    "htu-bad-port": "The DPoP proof's 'htu' is not this request's URI.",
    "htu-userinfo": "The DPoP proof's 'htu' is not this request's URI.",
    "htu-ftp": "The DPoP proof's 'htu' is not this request's URI.",
    "wrong-htm": "The DPoP proof's 'htm' is not this request's method.",
    "lower-htm": "The DPoP proof's 'htm' is not this request's method.",
    "no-htm": "The DPoP proof's 'htm' is not this request's method.",
    "stale-iat": "The DPoP proof's 'iat' is outside the accepted window.",
    "future-iat": "The DPoP proof's 'iat' is outside the accepted window.",
    "string-iat": "The DPoP proof's 'iat' is missing or not a number.",
    "bool-iat": "The DPoP proof's 'iat' is missing or not a number.",
    "nan-iat": "The DPoP proof's payload is not a strict JSON object.",
    "huge-iat": "The DPoP proof's 'iat' is outside the accepted window.",  # finite, only far off
    "no-iat": "The DPoP proof's 'iat' is missing or not a number.",
    "no-jti": "The DPoP proof has no 'jti' string.",
    "empty-jti": "The DPoP proof has no 'jti' string.",
    "number-jti": "The DPoP proof has no 'jti' string.",
    "no-ath": "The DPoP proof's 'ath' is not the hash of the access token.",
    "wrong-ath": "The DPoP proof's 'ath' is not the hash of the access token.",
    "no-typ": "The DPoP proof's 'typ' is not dpop+jwt.",
    "jwt-typ": "The DPoP proof's 'typ' is not dpop+jwt.",
    "alg-none": "The DPoP proof's 'alg' is not an accepted asymmetric algorithm.",
    "alg-hs256": "The DPoP proof's 'alg' is not an accepted asymmetric algorithm.",
    "alg-lowercase": "The DPoP proof's 'alg' is not an accepted asymmetric algorithm.",
    "alg-eddsa": "The DPoP proof's 'alg' is not an accepted asymmetric algorithm.",
    "no-jwk": "The DPoP proof's header has no 'jwk' object.",
    "jwk-string": "The DPoP proof's header has no 'jwk' object.",
    "private-jwk": "The DPoP proof's 'jwk' carries private key members.",
    "jwk-for-other-curve": "The DPoP proof's 'jwk' is not a key for ES384.",
    "jwk-rsa-for-es256": "The DPoP proof's 'jwk' is not a key for ES256.",
    "jwk-broken": "The DPoP proof's 'jwk' is not a usable public key.",
    "jku": "The DPoP proof's header carries 'jku', which is not accepted.",
    "crit": "The DPoP proof's header carries 'crit', which is not accepted.",
    "x5c": "The DPoP proof's header carries 'x5c', which is not accepted.",
    "stranger-signed": "The DPoP proof's signature does not verify with its 'jwk'.",
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_proof_is_refused(api: Client, tenant: FakeIssuer, key: SigningKey, name: str) -> None:
    token = tenant.mint(dpop_key=key)
    refused(send(api, PRIVATE, token, forged(key, token, name)), 401, "invalid_dpop_proof", FORGERIES[name])


def test_a_proof_by_a_key_of_another_curve_than_its_alg_is_refused(api: Client, tenant: FakeIssuer) -> None:
    key = generate_dpop_key("ES384")
    token = tenant.mint(dpop_key=key)
    proof = proof_for(key, token, header={"alg": "ES256"}, signer=Signer("ES384", key=key))
    refused(
        send(api, PRIVATE, token, proof),
        401,
        "invalid_dpop_proof",
        "The DPoP proof's 'jwk' is not a key for ES256.",
    )


def test_a_short_rsa_proof_key_is_refused(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint(dpop_key=RSA_1024)
    description = "The DPoP proof's RSA key is shorter than 2048 bits."
    refused(send(api, PRIVATE, token, proof_for(RSA_1024, token)), 401, "invalid_dpop_proof", description)


@pytest.mark.parametrize(
    ("proof", "description"),
    [
        ("", "The DPoP proof is not a compact JWS of three segments."),
        ("a.b", "The DPoP proof is not a compact JWS of three segments."),
        ("a=.b.c", "The DPoP proof is not a compact JWS of canonical base64url JSON."),
        ("W10.e30.", "The DPoP proof is not a compact JWS of canonical base64url JSON."),
    ],
)
def test_a_proof_that_is_no_compact_jws_is_refused(
    api: Client, tenant: FakeIssuer, key: SigningKey, proof: str, description: str
) -> None:
    token = tenant.mint(dpop_key=key)
    refused(send(api, PRIVATE, token, proof), 401, "invalid_dpop_proof", description)


@pytest.mark.parametrize("space", ["\x0b", "\x0c", "\x1f", "\xa0"])
def test_only_spaces_and_tabs_around_the_proof_are_ignored(
    api: Client, tenant: FakeIssuer, key: SigningKey, space: str
) -> None:
    # A header's optional whitespace is SP and HTAB (RFC 9110 §5.6.3); any other character is part of
    # the proof, whose last segment is then no canonical base64url (check 2).
    token = tenant.mint(dpop_key=key)
    assert send(api, PRIVATE, token, f" \t{proof_for(key, token)}\t ").status_code == 200
    description = "The DPoP proof is not a compact JWS of canonical base64url JSON."
    refused(send(api, PRIVATE, token, proof_for(key, token) + space), 401, "invalid_dpop_proof", description)


def test_a_proof_is_read_whole_up_to_its_last_character(api: Client, tenant: FakeIssuer) -> None:
    # An ES384 signature is 96 bytes, 128 base64url characters with every last character possible:
    # one that ends in "X" is as valid as any other (nothing but whitespace is trimmed, check 1).
    key = generate_dpop_key("ES384")
    token = tenant.mint(dpop_key=key)
    proof = next(p for p in (proof_for(key, token) for _ in range(5000)) if p.endswith("X"))
    assert send(api, PRIVATE, token, proof).status_code == 200


def test_a_payload_that_is_no_json_object_is_refused(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:

    token = tenant.mint(dpop_key=key)
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": proof_jwk(key)}
    proof = encode_token(header, [1], Signer("ES256", key=key))
    description = "The DPoP proof's payload is not a strict JSON object."
    refused(send(api, PRIVATE, token, proof), 401, "invalid_dpop_proof", description)


def test_a_missing_proof_is_refused(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    refused(
        send(api, PRIVATE, tenant.mint(dpop_key=key), None), 401, "invalid_dpop_proof", "DPoP proof missing"
    )


def test_two_proof_headers_are_a_bad_request(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    proof = proof_for(key, token)
    description = "The request carries more than one DPoP header."
    refused(send(api, PRIVATE, token, f"{proof}, {proof}"), 400, "invalid_request", description)


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("DPoP", "The DPoP credentials hold no token."),
        ("DPoP   ", "The DPoP credentials hold no token."),
        ("DPoP a b", "The DPoP credentials hold more than one token."),
    ],
)
def test_malformed_dpop_credentials_are_an_invalid_token(
    api: Client, tenant: FakeIssuer, value: str, description: str
) -> None:
    refused(api.get(PRIVATE, HTTP_AUTHORIZATION=value, HTTP_DPOP="x"), 401, "invalid_token", description)


# -- token problems: 401 invalid_token, DPoP challenge -------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"cnf": None}, "token not bound to the proof key"),
        ({"cnf": {"jkt": 5}}, "token not bound to the proof key"),
        ({"cnf": {"jkt": "someone-else"}}, "token not bound to the proof key"),
        ({"cnf": ["jkt"]}, "token not bound to the proof key"),
        ({"aud": "https://other.test/"}, "The token's 'aud' claim does not name this API."),
        ({"exp": 1}, "The token has expired."),
    ],
)
def test_a_token_the_proof_does_not_rescue_is_refused(
    api: Client, tenant: FakeIssuer, key: SigningKey, claims: dict[str, object], description: str
) -> None:
    token = tenant.mint(dpop_key=key, claims=claims)
    refused(send(api, PRIVATE, token, proof_for(key, token)), 401, "invalid_token", description)


def test_an_unbound_token_is_refused_with_dpop(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint()
    description = "token not bound to the proof key"
    refused(send(api, PRIVATE, token, proof_for(key, token)), 401, "invalid_token", description)


def test_a_token_bound_to_another_key_is_refused(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=STRANGER)
    description = "token not bound to the proof key"
    refused(send(api, PRIVATE, token, proof_for(key, token)), 401, "invalid_token", description)


def test_insufficient_scope_carries_the_dpop_challenge(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key, scope="write:messages")
    response = send(api, SCOPED, token, proof_for(key, token, SCOPED))
    assert response.status_code == 403
    assert response.json() == {
        "error": "insufficient_scope",
        "error_description": "The access token lacks the scope 'read:messages'.",
    }
    assert response["WWW-Authenticate"] == (
        f'DPoP realm="apiexample", algs="{ALGS}", error="insufficient_scope", scope="read:messages", {BEARER}'
    )


# -- bad input never gives a 5xx -----------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
MEMBERS = st.sampled_from(
    ["typ", "alg", "jwk", "kid", "crit", "jku", "x5c", "jti", "htm", "htu", "iat", "ath"]
)


@settings(max_examples=60)
@given(
    header=st.dictionaries(MEMBERS, JSON, max_size=3),
    claims=st.dictionaries(MEMBERS, JSON, max_size=3),
    jwk=st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "n", "e", "d"]), JSON, max_size=4),
    raw=st.text(max_size=40),
)
def test_no_proof_gives_a_5xx(
    header: dict[str, object], claims: dict[str, object], jwk: dict[str, object], raw: str
) -> None:
    key = generate_dpop_key(label="fuzz")
    with FakeIssuer() as tenant:
        require_auth.reset()
        api, token = Client(), tenant.mint(dpop_key=key)
        proofs = [
            proof_for(key, token, header=header, claims=claims),
            proof_for(key, token, header={"jwk": jwk}),
            raw,
        ]
        for proof in proofs:
            response = send(api, PRIVATE, token, proof)
            assert response.status_code in (200, 400, 401), response.content
            assert response["Content-Type"] == "application/json"
    require_auth.reset()


@pytest.mark.parametrize(
    ("offset", "status"),
    [(-330, 200), (-330.5, 401), (30, 200), (30.25, 401), (0.1, 200), (-1e-6 - 330, 401)],
)
def test_the_iat_window_edges_are_exact(
    api: Client, tenant: FakeIssuer, key: SigningKey, offset: float, status: int
) -> None:
    now = 1_900_000_000.1
    token = tenant.mint(dpop_key=key, now=now - 10)
    require_auth.validator.clock = lambda: now
    proof = proof_for(key, token, iat=now + offset)
    assert send(api, PRIVATE, token, proof).status_code == status
