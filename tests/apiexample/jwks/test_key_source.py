"""apiexample.jwks at the foundation level: usable keys (docs/validation-policy.md rule 4), lazy fetch."""

from __future__ import annotations

import logging

import pytest
import requests

from apiexample.jwks.client import (
    JWKSClient,
    KeysUnavailable,
    StaticKeySource,
    UnknownKeyId,
    parse_jwks,
)
from apiexample.jwks.keyset import unusable_reason
from fake_issuer import FakeIssuer, generate_ec_key, generate_rsa_key

GOOD = generate_rsa_key("key-source").public_jwk()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kty": "EC"}, "kty 'EC' is not RSA"),
        ({"kid": 5}, "no string kid"),
        ({"use": "enc"}, "use 'enc' is not sig"),
        ({"alg": "RS512"}, "alg 'RS512' is not RS256"),
        (
            {"n": generate_rsa_key("weak-1024", bits=1024).public_jwk()["n"]},
            "modulus of 1024 bits is under 2048",
        ),
        ({"n": 12345}, "modulus of 0 bits"),
        ({"n": "AQAB="}, "modulus of 0 bits"),
        ({"n": "!!!!"}, "modulus of 0 bits"),
        ({"n": "A"}, "modulus of 0 bits"),
        ({"e": "AQ"}, "public exponent is not an odd integer"),
    ],
)
def test_unusable_keys_and_why(change: dict[str, object], reason: str) -> None:
    assert unusable_reason({**GOOD, **change}).startswith(reason)  # type: ignore[union-attr]


def test_usable_keys_may_omit_use_and_alg() -> None:
    assert unusable_reason(GOOD) is None
    assert unusable_reason({k: v for k, v in GOOD.items() if k not in ("use", "alg")}) is None
    assert unusable_reason("not a key") == "not a JSON object"


def test_parse_keeps_usable_keys_and_logs_the_others(caplog: pytest.LogCaptureFixture) -> None:
    ec = generate_ec_key("jwks-ec").public_jwk()
    bad_exponent = {**GOOD, "kid": "e-is-2", "e": "Ag"}  # RFC 8017 §3.1: e is odd
    leaky = {**GOOD, "kid": "leaky", "d": "secret"}
    with caplog.at_level(logging.WARNING, logger="apiexample.jwks.client"):
        keys = parse_jwks({"keys": [ec, GOOD, "junk", bad_exponent, leaky]})
    assert set(keys) == {GOOD["kid"], "leaky"}
    assert not keys["leaky"].is_private  # a leaked private member is not kept
    assert "kty 'EC' is not RSA" in caplog.text
    assert "'e-is-2' skipped: public exponent is not an odd integer" in caplog.text
    assert "None skipped: not a JSON object" in caplog.text


@pytest.mark.parametrize("document", [[], {"keys": {}}, {"no": "keys"}, "text", None])
def test_parse_refuses_what_is_not_a_jwk_set(document: object) -> None:
    with pytest.raises(ValueError, match="not a JWK Set"):
        parse_jwks(document)


def test_static_key_source() -> None:
    source = StaticKeySource({"keys": [GOOD]})
    assert source.get_key(GOOD["kid"]).as_dict()["n"] == GOOD["n"]
    with pytest.raises(UnknownKeyId):
        source.get_key("other")


def test_client_fetches_lazily_once_and_refetches_for_an_unknown_kid() -> None:
    now = [0.0]
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, clock=lambda: now[0], refetch_burst=1)
        assert "cold" in repr(client)
        assert issuer.mock.fetches == 0
        client.get_key(issuer.signing_key.kid)
        client.get_key(issuer.signing_key.kid)
        assert issuer.mock.fetches == 1
        assert "1 keys" in repr(client)
        rotated = issuer.rotate()
        now[0] = 10.0
        assert client.get_key(rotated.kid)
        assert issuer.mock.fetches == 2
        with pytest.raises(UnknownKeyId):
            client.get_key("forged")  # inside the refetch interval: no fetch
        assert issuer.mock.fetches == 2


def test_client_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        JWKSClient("file:///etc/passwd")


@pytest.mark.parametrize("fault", ["refused", "empty"])
def test_client_keeps_cached_keys_when_a_refetch_fails(fault: str) -> None:
    now = [0.0]
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, clock=lambda: now[0])
        key = issuer.signing_key
        client.get_key(key.kid)
        issuer.mock.fail(fault)  # type: ignore[arg-type]
        now[0] = 100.0
        with pytest.raises(KeysUnavailable):  # the refetch for it failed: the kid may be genuine
            client.get_key("new-kid")
        assert client.get_key(key.kid)


@pytest.mark.parametrize("fault", ["refused", "timeout", "status", "garbage", "empty"])
def test_client_without_keys_reports_them_unavailable(fault: str) -> None:
    with FakeIssuer() as issuer:
        issuer.mock.fail(fault)  # type: ignore[arg-type]
        with pytest.raises(KeysUnavailable) as error:
            JWKSClient(issuer.jwks_url, session=requests.Session()).get_key(issuer.signing_key.kid)
        assert error.value.retry_after > 0
        assert '"' not in error.value.reason and "\\" not in error.value.reason
