"""DPoP at the API (RFC 9449 §7, §9, §11.1) through Django's test client: what is accepted, mode by mode.

Expected answers are the ones the README's "DPoP" section (and docs/validation-policy.md) write down:
the exact challenges and status codes. Refusals of bad proofs and tokens: test_dpop_refusals.py.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import pytest
from django.test import Client, override_settings

from apiexample import auth as auth_module
from apiexample.auth import require_auth
from fake_issuer import FakeIssuer
from fake_issuer.dpop import generate_dpop_key, mint_dpop_proof
from fake_issuer.keys import SigningKey
from tests.apiexample.dpop_requests import ALGS, BEARER, dpop_config, proof_for, refused, send
from tests.endpoints import MESSAGES, PRIVATE, SCOPED


@pytest.fixture
def key() -> SigningKey:
    """The client's DPoP key (ES256)."""
    return generate_dpop_key()


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
    # A jti of its own per run: the keys are cached per process, and so is the replay store when
    # pytest runs twice in one process (mutmut does), so a fixed jti would be a replay the second time.
    shared = secrets.token_urlsafe(16)
    for label in ("replay-a", "replay-b"):
        key = generate_dpop_key(label=label)
        token = tenant.mint(dpop_key=key)
        assert send(api, PRIVATE, token, proof_for(key, token, jti=shared)).status_code == 200


def test_a_refused_request_spends_no_jti(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key, scope=None)
    proof = proof_for(key, token)
    with dpop_config(organization="org_1"):
        assert send(api, PRIVATE, token, proof).status_code == 401
    assert send(api, PRIVATE, token, proof).status_code == 200
    scoped = proof_for(key, token, SCOPED)
    assert send(api, SCOPED, token, scoped).status_code == 403
    assert send(api, SCOPED, token, scoped).status_code == 403  # a 403 spent nothing either


def test_unavailable_signing_keys_are_a_503(api: Client, tenant: FakeIssuer, key: SigningKey) -> None:
    token = tenant.mint(dpop_key=key)
    tenant.mock.fail("status")
    response = send(api, PRIVATE, token, proof_for(key, token))
    assert response.status_code == 503
    assert "Retry-After" in response


def test_an_unexpected_failure_fails_closed(
    api: Client,
    tenant: FakeIssuer,
    key: SigningKey,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(auth_module, "verify_proof", broken)
    token = tenant.mint(dpop_key=key)
    description = "The DPoP proof could not be validated."
    with caplog.at_level(logging.ERROR, logger="apiexample.auth"):
        response = send(api, PRIVATE, token, proof_for(key, token))
    refused(response, 401, "invalid_dpop_proof", description)
    # Logged with its traceback, so the bug is seen, though the client only learns "invalid".
    assert caplog.messages == ["DPoP validation failed unexpectedly; rejecting the request"]
    assert "simulated bug" in caplog.text


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


@pytest.mark.parametrize("nonce", [False, True])
def test_an_unreachable_replay_store_is_a_503(
    api: Client, tenant: FakeIssuer, key: SigningKey, nonce: bool, caplog: pytest.LogCaptureFixture
) -> None:
    token = tenant.mint(dpop_key=key)
    nowhere = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "unix:///nonexistent/r.sock",
    }
    with (
        override_settings(CACHES={"default": nowhere}),
        dpop_config(dpop_nonce=nonce),
        caplog.at_level(logging.ERROR, logger="apiexample.auth"),
    ):
        response = send(api, PRIVATE, token, proof_for(key, token))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "temporarily_unavailable"
    store = "nonce" if nonce else "replay"  # the nonce is checked before the replay
    assert f"the DPoP {store} store is unavailable; answering 503" in caplog.messages


# -- scope and permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("honor", [False, True])
def test_permissions_grant_the_scope_to_a_dpop_token_only_when_the_setting_is_on(
    api: Client, tenant: FakeIssuer, key: SigningKey, honor: bool
) -> None:
    token = tenant.mint(dpop_key=key, scope=None, claims={"permissions": ["read:messages"]})
    with dpop_config(honor_permissions=honor):
        response = send(api, SCOPED, token, proof_for(key, token, SCOPED))
    assert response.status_code == (200 if honor else 403)


def test_a_jti_is_remembered_for_the_offset_plus_twice_the_leeway() -> None:
    # docs/validation-policy.md: a proof stays acceptable up to offset + leeway after its iat, and
    # one dated leeway ahead is accepted from its first use: its jti must be kept that long.
    with dpop_config(dpop_iat_offset=60.0, dpop_leeway=7.0):
        assert require_auth.dpop_validator.replays.ttl == 60 + 2 * 7
