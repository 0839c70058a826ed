"""The oracle's rule 4 (docs/validation-policy.md) on hand-built JWKs: expected values from the policy."""

from __future__ import annotations

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, generate_ec_key, generate_rsa_key
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.encoding import b64url_decode, b64url_uint
from fake_issuer.policy.keys import (
    ROCA_PRIMES,
    published_by_kid,
    roca_fingerprint,
    unusable_key,
    usable_key,
)
from fake_issuer.policy.oracle import Policy

GOOD = generate_rsa_key("oracle-keys").public_jwk()
N = int.from_bytes(b64url_decode(GOOD["n"]), "big")


def jwk(**members: object) -> dict[str, object]:
    """``GOOD`` with ``members`` replaced (None drops one)."""
    return {k: v for k, v in {**GOOD, **members}.items() if v is not None}


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (jwk(), None),
        (jwk(use=None, alg=None), None),
        (jwk(key_ops=["verify"]), None),
        (jwk(key_ops=["sign", "verify"], use=None), None),
        (jwk(e=b64url_uint(3)), None),
        (jwk(key_ops=["encrypt"], use=None, alg=None), "does not allow verify"),
        (jwk(key_ops=[]), "does not allow verify"),
        (jwk(key_ops="verify"), "not an array of distinct strings"),
        (jwk(key_ops=[1]), "not an array of distinct strings"),
        (jwk(key_ops=["verify", "verify"]), "not an array of distinct strings"),
        (jwk(e=b64url_uint(1)), "public exponent 1"),
        (jwk(e=b64url_uint(65536)), "public exponent 65536"),
        (jwk(e=GOOD["n"]), "is not odd with 3 <= e < n"),
        (jwk(e=None), "public exponent 0"),
        (jwk(n=None), "modulus of 0 bits"),
        (roca_key().public_jwk(), "ROCA fingerprint"),
        (generate_ec_key("oracle-keys").public_jwk(), "key type 'EC' is not RSA"),
    ],
)
def test_unusable_key_follows_rule_4(key: dict[str, object], reason: str | None) -> None:
    if reason is None:
        assert unusable_key(key) is None
    else:
        assert reason in str(unusable_key(key))


def test_roca_fingerprint_is_the_published_test() -> None:
    assert ROCA_PRIMES[0] == 3 and ROCA_PRIMES[-1] == 167 and len(ROCA_PRIMES) == 38
    assert roca_fingerprint(1) and roca_fingerprint(65537**5)  # powers of the generator itself
    assert not roca_fingerprint(0) and not roca_fingerprint(N)


def test_published_by_kid_keeps_every_key_in_order_and_drops_kidless_ones() -> None:
    twin = jwk(n=generate_rsa_key("oracle-keys-twin").public_jwk()["n"])
    grouped = published_by_kid([GOOD, {"kty": "RSA"}, {"kid": 7}, twin])
    assert list(grouped) == [GOOD["kid"]] and grouped[GOOD["kid"]] == (GOOD, twin)


def test_a_kid_shared_by_two_usable_keys_is_ambiguous() -> None:
    twin = jwk(n=generate_rsa_key("oracle-keys-twin").public_jwk()["n"])
    assert usable_key([GOOD, twin]) == (None, "kid shared by 2 usable keys: ambiguous")
    assert usable_key([GOOD, GOOD]) == (None, "kid shared by 2 usable keys: ambiguous")
    assert usable_key([jwk(use="enc"), GOOD]) == (GOOD, "usable")
    assert usable_key([jwk(use="enc"), jwk(alg="RS512")]) == (None, "key use 'enc' is not sig")


def test_policy_for_keys_groups_a_shared_kid() -> None:
    key = generate_rsa_key("oracle-keys")
    other = generate_rsa_key("oracle-keys-twin", kid=key.kid)
    policy = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, [key, other])
    assert [j["n"] for j in policy.published[key.kid]] == [key.public_jwk()["n"], other.public_jwk()["n"]]
