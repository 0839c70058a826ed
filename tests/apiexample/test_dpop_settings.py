"""The DPoP and Organization settings (README "DPoP"), rule 11 (``org_id``), and the proof helpers."""

from __future__ import annotations

import base64
import dataclasses
import secrets
import time

import pytest
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from apiexample.config import load_config
from apiexample.dpop import NonceSource, ReplayStore, StoreUnavailable, normalized_uri, verify_proof
from apiexample.errors import DPoPTokenRejected, InvalidDPoPProof
from fake_issuer import FakeIssuer
from fake_issuer.dpop import generate_dpop_key, mint_dpop_proof
from tests.endpoints import PRIVATE

TENANT = {"AUTH0_DOMAIN": "t.example", "AUTH0_AUDIENCE": "a"}


def test_defaults_follow_auth0s_sdks() -> None:
    config = load_config(TENANT, debug=False)
    assert (config.dpop, config.dpop_iat_offset, config.dpop_leeway) == ("allowed", 300.0, 30.0)
    assert (config.dpop_nonce, config.public_origin, config.organization) == (False, None, None)


def test_every_setting_is_read() -> None:
    env = {
        **TENANT,
        "AUTH0_DPOP": " Required ",
        "AUTH0_DPOP_IAT_OFFSET": "60",
        "AUTH0_DPOP_LEEWAY": "0",
        "AUTH0_DPOP_NONCE": "yes",
        "AUTH0_PUBLIC_ORIGIN": "HTTPS://API.Example.com:8443/",
        "AUTH0_ORGANIZATION": "org_123",
    }
    config = load_config(env, debug=False)
    assert (config.dpop, config.dpop_iat_offset, config.dpop_leeway, config.dpop_nonce) == (
        "required",
        60.0,
        0.0,
        True,
    )
    assert config.public_origin == "https://api.example.com:8443"
    assert config.organization == "org_123"
    assert (
        load_config({**TENANT, "AUTH0_DPOP": "disabled", "AUTH0_DPOP_NONCE": "0"}, debug=False).dpop
        == "disabled"
    )
    dev = load_config({"AUTH0_DPOP": "required"}, debug=True)
    assert dev.is_dev_issuer and dev.dpop == "required"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AUTH0_DPOP", "on", "must be one of disabled, allowed, required"),
        ("AUTH0_DPOP_IAT_OFFSET", "0", "from 1 to 3600"),
        ("AUTH0_DPOP_LEEWAY", "nan", "from 0 to 600"),
        ("AUTH0_DPOP_NONCE", "maybe", "is not a boolean"),
        ("AUTH0_PUBLIC_ORIGIN", "api.example.com", "must be scheme://host"),
        ("AUTH0_PUBLIC_ORIGIN", "ftp://api.example.com", "must be scheme://host"),
        ("AUTH0_PUBLIC_ORIGIN", "https://api.example.com/base", "must be scheme://host"),
        ("AUTH0_PUBLIC_ORIGIN", "https://api.example.com?x", "must be scheme://host"),
        ("AUTH0_PUBLIC_ORIGIN", "https://api.example.com/#", "must be scheme://host"),
        ("AUTH0_PUBLIC_ORIGIN", "https://user@api.example.com", "must be scheme://host"),
    ],
)
def test_bad_settings_stop_startup(name: str, value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_config({**TENANT, name: value}, debug=False)


# -- rule 11: org_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "status"),
    [({"org_id": "org_1"}, 200), ({"org_id": "org_2"}, 401), ({"org_id": ["org_1"]}, 401), ({}, 401)],
)
def test_the_organization_setting_checks_org_id(
    api: Client, tenant: FakeIssuer, claims: dict[str, object], status: int
) -> None:
    token = tenant.mint(claims=claims)
    with override_settings(AUTH0=dataclasses.replace(settings.AUTH0, organization="org_1")):
        response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == status
    if status == 401:
        description = "The token's 'org_id' claim is not this API's organization."
        assert response.json() == {"error": "invalid_token", "error_description": description}
        assert response["WWW-Authenticate"] == (
            f'Bearer realm="apiexample", error="invalid_token", error_description="{description}"'
        )


def test_without_the_setting_org_id_is_not_checked(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint(org_id="org_anything", org_name="Acme")
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert (
        api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(claims={'org_id': 5})}").status_code == 200
    )


# -- helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://API.example:443/a/B?q#f", "https://api.example/a/B"),
        ("http://h:8080/x", "http://h:8080/x"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://[::1]:8443/x", "https://[::1]:8443/x"),
        ("http://h:x/", None),
        ("http:///path", None),
        ("mailto:a@b", None),
        (None, None),
    ],
)
def test_normalized_uri(uri: object, expected: str | None) -> None:
    assert normalized_uri(uri) == expected


def test_replay_keys_hash_the_key_and_the_jti() -> None:
    key = ReplayStore.key("jkt", "a" * 10_000 + "\udcff")
    assert key.startswith("apiexample:dpop:jti:") and len(key) < 100
    assert ReplayStore.key("jkt", "j") != ReplayStore.key("jkt2", "j")
    store = ReplayStore(caches["default"], ttl=0.5)
    assert store.first_use("jkt-x", "jti-x") and not store.first_use("jkt-x", "jti-x")


def test_nonces_rotate_per_window() -> None:
    source = NonceSource(caches["default"], lifetime=100)
    now = 1_000_000.0
    nonce = source.current(now)
    assert source.current(now + 1) == nonce
    assert source.accepts(nonce, now + 100)
    assert not source.accepts(nonce, now + 200)
    assert not source.accepts(5, now)


def test_dpop_errors_have_a_readable_repr() -> None:
    assert repr(DPoPTokenRejected("why")) == "DPoPTokenRejected(invalid_token, 'why')"


def test_the_default_cache_remembers_more_proofs_than_djangos_300() -> None:
    store = ReplayStore(caches["default"], ttl=330)
    jkt = f"jkt-{secrets.token_hex(8)}"  # fresh per run: the store outlives one pytest run in a process
    pairs = [(jkt, f"jti-{n}") for n in range(1_000)]
    assert all(store.first_use(*pair) for pair in pairs)
    assert not any(store.first_use(*pair) for pair in pairs)


def test_a_jti_is_kept_as_long_as_its_proof_stays_acceptable(tenant: FakeIssuer) -> None:
    # Policy: a proof is acceptable while iat >= now - offset - leeway, and iat may be up to leeway ahead
    # of its first use; so the store must keep a jti for offset + 2 * leeway after that use.
    from apiexample.auth import require_auth

    config = dataclasses.replace(settings.AUTH0, dpop_iat_offset=100.0, dpop_leeway=7.0)
    with override_settings(AUTH0=config):
        assert require_auth.dpop_validator.replays.ttl >= 100 + 2 * 7


class _Clock:
    """Django's cache expiry reads time.time(); this one moves only when told."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock(1_800_000_000.0)
    monkeypatch.setattr("time.time", clock)
    return clock


def _fresh_cache(name: str) -> BaseCache:
    return LocMemCache(f"dpop-{name}-{secrets.token_hex(4)}", {})


def test_a_jti_is_remembered_for_the_window_and_then_forgotten(frozen: _Clock) -> None:
    # Policy (DPoP check 9): the pair is remembered for as long as a proof stays acceptable, the
    # default offset + 2 x leeway = 360 s; not for Django's default 300 s, and not for ever.
    store = ReplayStore(_fresh_cache("replay"), ttl=360)
    assert store.first_use("jkt", "jti")
    frozen.now += 359
    assert not store.first_use("jkt", "jti")
    frozen.now += 2
    assert store.first_use("jkt", "jti")


class _DownCache(LocMemCache):
    """A cache backend that fails like an unreachable Redis."""

    def add(self, *args: object, **kwargs: object) -> bool:
        raise ConnectionError("redis down")

    def get_or_set(self, *args: object, **kwargs: object) -> object:
        raise ConnectionError("redis down")


def test_a_store_failure_says_what_the_backend_said() -> None:
    down = _DownCache("dpop-down", {})
    with pytest.raises(StoreUnavailable, match=r"^redis down$"):
        ReplayStore(down, ttl=360).first_use("jkt", "jti")
    with pytest.raises(StoreUnavailable, match=r"^redis down$"):
        NonceSource(down).current(1_800_000_000.0)


def test_each_window_has_a_fresh_random_nonce_of_24_bytes(frozen: _Clock) -> None:
    # README "Server nonces": 24 random bytes, 32 base64url characters, new every 300 s (RFC 9449 §9).
    source = NonceSource(_fresh_cache("nonces"))
    start = 300 * 6_000_000
    nonces = [source.current(start + 300 * n) for n in range(3)]
    assert len(set(nonces)) == 3
    assert all(len(nonce) == 32 and len(base64.urlsafe_b64decode(nonce)) == 24 for nonce in nonces)


def test_a_nonce_is_accepted_until_the_one_after_it_expires(frozen: _Clock) -> None:
    # README "Server nonces": handed out for 300 s, accepted until the next one expires: a nonce
    # first handed out at the start of its window is still good 599.5 s later, gone at 600 s.
    source = NonceSource(_fresh_cache("nonce-life"))
    start = 300 * 6_000_000
    frozen.now = start
    nonce = source.current(start)
    frozen.now = start + 599.5
    assert source.accepts(nonce, start + 599.5)
    frozen.now = start + 600
    assert not source.accepts(nonce, start + 600)


def test_any_access_token_string_reaches_the_ath_check() -> None:
    # Check 6 compares ath with the token's hash. A token no proof was made for fails that check, even
    # one holding a lone surrogate (no HTTP header carries one, a direct caller may): never another error.
    key = generate_dpop_key()
    uri = "http://testserver/api/private"
    proof = mint_dpop_proof(key, htm="GET", htu=uri, access_token="another-token")
    with pytest.raises(InvalidDPoPProof) as refusal:
        verify_proof(
            proof, access_token="tok\udcff", method="GET", uri=uri, now=time.time(), offset=300, leeway=30
        )
    assert refusal.value.description == "The DPoP proof's 'ath' is not the hash of the access token."
