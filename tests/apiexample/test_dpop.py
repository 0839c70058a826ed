"""DPoP at the API (RFC 9449 §4.3, §7, §9, §11.1) through Django's test client, mode by mode.

Expected answers are the ones docs/validation-policy.md ("DPoP") and the README's "DPoP" section write
down: the exact challenges, status codes and the order in which checks report.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from apiexample import auth as auth_module
from apiexample.auth import require_auth
from fake_issuer import FakeIssuer
from fake_issuer.dpop import generate_dpop_key, mint_dpop_proof
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.tokens import Signer
from tests.endpoints import MESSAGES, PRIVATE, SCOPED

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ALGS = "ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512"
BEARER = 'Bearer realm="apiexample"'
ORIGIN = "http://testserver"


def dpop_challenge(error: str, description: str, *, bearer: bool = True) -> str:
    """The DPoP challenge the policy promises, followed by Bearer's when both schemes are accepted."""
    value = f'DPoP realm="apiexample", algs="{ALGS}", error="{error}", error_description="{description}"'
    return value + (", " + BEARER if bearer else "")


@pytest.fixture
def key() -> SigningKey:
    """The client's DPoP key (ES256)."""
    return generate_dpop_key()


def send(api: Client, path: str, token: str, proof: str | None, **extra: Any) -> Response:
    """GET ``path`` with ``Authorization: DPoP token`` and, unless None, the ``DPoP`` header."""
    headers = {"HTTP_AUTHORIZATION": f"DPoP {token}", **extra}
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return api.get(path, **headers)


def proof_for(key: SigningKey, token: str, path: str = PRIVATE, **options: Any) -> str:
    """A valid proof for GET ``ORIGIN + path`` bound to ``token``, members overridable."""
    return mint_dpop_proof(key, htm="GET", htu=ORIGIN + path, access_token=token, **options)


def refused(response: Response, status: int, error: str, description: str, *, bearer: bool = True) -> None:
    """Assert the status, JSON body and exact DPoP challenge of a refusal."""
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}
    assert response["WWW-Authenticate"] == dpop_challenge(error, description, bearer=bearer)


@contextmanager
def dpop_config(**changes: Any) -> Iterator[None]:
    """The test settings' AUTH0 with ``changes`` (the validators are rebuilt around them)."""
    with override_settings(AUTH0=dataclasses.replace(django_settings.AUTH0, **changes)):
        yield


# -- accepted ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "PS256", "PS512", "RS256", "RS384"])
@pytest.mark.parametrize("path", [PRIVATE, SCOPED])
def test_a_bound_token_with_a_valid_proof_is_accepted(
    api: Client, tenant: FakeIssuer, path: str, alg: str
) -> None:
    key = generate_dpop_key(alg)
    token = tenant.mint(dpop_key=key)
    response = send(api, path, token, proof_for(key, token, path, alg=alg))
    assert response.status_code == 200
    assert response.json() == {"message": MESSAGES[path]}


def test_the_scheme_is_case_insensitive_and_both_profiles_work(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key, profile="rfc9068")
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"dpop  {token}", HTTP_DPOP=proof_for(key, token))
    assert response.status_code == 200


def test_htu_is_compared_after_normalisation(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    for htu in ("HTTP://TestServer/api/private", "http://testserver:80/api/private?x=1#frag"):
        proof = mint_dpop_proof(key, htm="GET", htu=htu, access_token=token)
        assert send(api, PRIVATE, token, proof).status_code == 200, htu


def test_a_proof_header_with_a_kid_is_accepted(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    assert send(api, PRIVATE, token, proof_for(key, token, header={"kid": "x"})).status_code == 200


def test_the_dpop_header_is_ignored_with_a_bearer_request(api: Client, tenant: FakeIssuer) -> None:
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}", HTTP_DPOP="a, b")
    assert response.status_code == 200


# -- replay (RFC 9449 §11.1) ---------------------------------------------------------------------------


def test_a_replayed_proof_is_refused(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    proof = proof_for(key, token)
    assert send(api, PRIVATE, token, proof).status_code == 200
    refused(send(api, PRIVATE, token, proof), 401, "invalid_dpop_proof", "proof replayed")


def test_the_same_jti_from_another_key_is_no_replay(api: Client, tenant: FakeIssuer) -> None:
    for label in ("replay-a", "replay-b"):
        key = generate_dpop_key(label=label)
        token = tenant.mint(dpop_key=key)
        assert send(api, PRIVATE, token, proof_for(key, token, jti="shared-jti")).status_code == 200


def test_a_refused_request_spends_no_jti(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key, scope=None)
    proof = proof_for(key, token)
    with dpop_config(organization="org_1"):
        assert send(api, PRIVATE, token, proof).status_code == 401
    assert send(api, PRIVATE, token, proof).status_code == 200
    scoped = proof_for(key, token, SCOPED)
    assert send(api, SCOPED, token, scoped).status_code == 403
    assert send(api, SCOPED, token, scoped).status_code == 403  # a 403 spent nothing either


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


def test_a_payload_that_is_no_json_object_is_refused(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    from fake_issuer.dpop import proof_jwk
    from fake_issuer.tokens import encode_token

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


def test_unavailable_signing_keys_are_a_503(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    tenant.mock.fail("status")
    response = send(api, PRIVATE, token, proof_for(key, token))
    assert response.status_code == 503
    assert "Retry-After" in response


def test_an_unexpected_failure_fails_closed(
    api: Client, tenant: FakeIssuer, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(auth_module, "verify_proof", broken)
    token = tenant.mint(dpop_key=key)
    description = "The DPoP proof could not be validated."
    refused(send(api, PRIVATE, token, proof_for(key, token)), 401, "invalid_dpop_proof", description)


# -- Bearer beside DPoP --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["allowed", "disabled"])
def test_a_bound_token_sent_as_bearer_is_refused(
    api: Client, tenant: FakeIssuer, key: SigningKey, mode: str
) -> None:
    with dpop_config(dpop=mode):
        response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(dpop_key=key)}")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": "token is DPoP-bound"}
    assert response["WWW-Authenticate"] == (
        'Bearer realm="apiexample", error="invalid_token", error_description="token is DPoP-bound"'
    )


def test_a_cnf_without_jkt_is_no_dpop_binding(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint(claims={"cnf": {"x5t#S256": "abc"}})
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


# -- modes ---------------------------------------------------------------------------------------------


def test_disabled_treats_dpop_as_another_scheme(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    with dpop_config(dpop="disabled"):
        response = send(api, PRIVATE, token, proof_for(key, token))
        assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}").status_code == 200
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == BEARER
    assert response.json()["error"] == "missing_authorization"


def test_required_refuses_bearer_and_offers_only_dpop(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key)
    with dpop_config(dpop="required"):
        for value in (f"Bearer {tenant.mint()}", "Bearer", "bearer x y"):
            response = api.get(PRIVATE, HTTP_AUTHORIZATION=value)
            description = "Bearer tokens are not accepted; use DPoP"
            refused(response, 401, "invalid_token", description, bearer=False)
        extras: list[dict[str, Any]] = [{}, {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}]
        for extra in extras:
            response = api.get(PRIVATE, **extra)
            assert response.status_code == 401
            assert response["WWW-Authenticate"] == f'DPoP realm="apiexample", algs="{ALGS}"'
            assert response.json() == {
                "error": "missing_authorization",
                "error_description": "A DPoP-bound access token and a DPoP proof are required.",
            }
        assert send(api, PRIVATE, token, proof_for(key, token)).status_code == 200
        refused(
            send(api, PRIVATE, token, None), 401, "invalid_dpop_proof", "DPoP proof missing", bearer=False
        )


# -- server nonces (RFC 9449 §9) -----------------------------------------------------------------------


def test_nonces_are_demanded_handed_out_and_accepted(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key)
    with dpop_config(dpop_nonce=True):
        first = send(api, PRIVATE, token, proof_for(key, token))
        description = "The DPoP proof must carry the server's current nonce."
        refused(first, 401, "use_dpop_nonce", description)
        nonce = first["DPoP-Nonce"]
        assert nonce
        refused(
            send(api, PRIVATE, token, proof_for(key, token, nonce="stale")),
            401,
            "use_dpop_nonce",
            description,
        )
        assert send(api, PRIVATE, token, proof_for(key, token, nonce=nonce)).status_code == 200
        require_auth.validator.clock = lambda: time.time() + 300  # the next window: the old nonce still works
        proof = proof_for(key, token, nonce=nonce, iat=int(time.time()) + 300)
        assert send(api, PRIVATE, token, proof).status_code == 200
        require_auth.validator.clock = lambda: time.time() + 600  # two windows on: it does not
        proof = proof_for(key, token, nonce=nonce, iat=int(time.time()) + 600)
        refused(send(api, PRIVATE, token, proof), 401, "use_dpop_nonce", description)


def test_without_the_nonce_setting_a_nonce_is_ignored(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key)
    assert send(api, PRIVATE, token, proof_for(key, token, nonce="anything")).status_code == 200


# -- the public origin behind a proxy ------------------------------------------------------------------


def test_the_public_origin_setting_decides_htu(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    with dpop_config(public_origin="https://api.example.com"):
        good = mint_dpop_proof(
            key, htm="GET", htu="https://API.example.com:443/api/private", access_token=token
        )
        assert send(api, PRIVATE, token, good).status_code == 200
        description = "The DPoP proof's 'htu' is not this request's URI."
        refused(send(api, PRIVATE, token, proof_for(key, token)), 401, "invalid_dpop_proof", description)


def test_forwarded_headers_count_only_when_django_is_told_to_trust_them(
    api: Client, tenant: FakeIssuer, key: SigningKey
) -> None:
    token = tenant.mint(dpop_key=key)
    htu = "https://public.example/api/private"
    forwarded = {"HTTP_X_FORWARDED_HOST": "public.example", "HTTP_X_FORWARDED_PROTO": "https"}
    proof = mint_dpop_proof(key, htm="GET", htu=htu, access_token=token)
    assert send(api, PRIVATE, token, proof, **forwarded).status_code == 401
    trusted = {
        "USE_X_FORWARDED_HOST": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "ALLOWED_HOSTS": ["public.example"],
    }
    with override_settings(**trusted):
        proof = mint_dpop_proof(key, htm="GET", htu=htu, access_token=token)
        assert send(api, PRIVATE, token, proof, **forwarded).status_code == 200


# -- the validators ------------------------------------------------------------------------------------


def test_one_validator_per_scheme_rebuilt_when_settings_change(tenant: FakeIssuer) -> None:
    dpop_validator = require_auth.dpop_validator
    assert require_auth.get_token_validator("DPoP") is dpop_validator
    assert require_auth.get_token_validator("bearer") is require_auth.validator
    assert dpop_validator.bearer is require_auth.validator
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        assert require_auth.dpop_validator is not dpop_validator


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
