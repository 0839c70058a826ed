"""DESIGN §5 rule 4 on JWK Set members: which keys ``jwks.keyset`` keeps, and why it skips others."""

from __future__ import annotations

from typing import Any

import pytest

from apiexample.jwks.keyset import parse_jwks, read_jwks, unusable_reason
from fake_issuer import FakeIssuer, generate_ec_key, generate_rsa_key
from fake_issuer.encoding import b64url_uint

GOOD = generate_rsa_key("keyset-test").public_jwk()


def with_members(**members: Any) -> dict[str, Any]:
    """``GOOD`` with ``members`` replaced (a value of None drops the member)."""
    jwk: dict[str, Any] = {**GOOD, **members}
    return {name: value for name, value in jwk.items() if value is not None}


@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        (GOOD, None),
        (with_members(use=None, alg=None), None),
        ("a string", "not a JSON object"),
        (generate_ec_key("keyset-test").public_jwk(), "kty 'EC' is not RSA"),
        (with_members(kty=None), "kty None is not RSA"),
        (with_members(kid=None), "no string kid"),
        (with_members(kid=7), "no string kid"),
        (with_members(use="enc"), "use 'enc' is not sig"),
        (with_members(alg="RS512"), "alg 'RS512' is not RS256"),
        (with_members(alg="none"), "alg 'none' is not RS256"),
        (generate_rsa_key("keyset-test", bits=1024).public_jwk(), "modulus of 1024 bits is under 2048"),
        (with_members(n=None), "modulus of 0 bits is under 2048"),
        (with_members(n=7), "modulus of 0 bits is under 2048"),
        (with_members(n=GOOD["n"] + "=="), "modulus of 0 bits is under 2048"),
        (with_members(n="*" + GOOD["n"][1:]), "modulus of 0 bits is under 2048"),
        (with_members(e="AQ"), "no valid public exponent"),
        (with_members(e=""), "no valid public exponent"),
    ],
)
def test_unusable_reason_names_the_failing_rule(jwk: object, reason: str | None) -> None:
    assert unusable_reason(jwk) == reason


def test_only_usable_keys_are_kept_and_the_rest_reported() -> None:
    issuer = FakeIssuer(keys=2)
    ec = generate_ec_key("keyset-test").public_jwk()
    bad_exponent = with_members(kid="even", e=b64url_uint(2))
    first, second = issuer.jwks()["keys"]
    duplicate = {**second, "kid": first["kid"]}
    keys, skipped = read_jwks({"keys": [ec, first, bad_exponent, duplicate, second, 42]})
    assert list(keys) == [first["kid"], second["kid"]]
    assert keys[first["kid"]].as_dict()["n"] == first["n"]  # the first of two keys with one kid wins
    assert skipped == [
        (ec["kid"], "kty 'EC' is not RSA"),
        ("even", "not importable (ValueError)"),
        (first["kid"], "duplicate kid"),
        (None, "not a JSON object"),
    ]


def test_private_members_are_not_imported() -> None:
    leaked = with_members(d="AQAB", p="AQAB", q="AQAB")
    key = read_jwks({"keys": [leaked]})[0][GOOD["kid"]]
    assert set(key.as_dict(private=False)) >= {"n", "e"}
    assert "d" not in key.as_dict(private=False)
    assert not key.is_private


@pytest.mark.parametrize("document", [[], None, {"keys": {}}, {"keys": "x"}, {}])
def test_a_document_that_is_not_a_jwk_set_is_refused(document: object) -> None:
    with pytest.raises(ValueError, match="not a JWK Set"):
        read_jwks(document)


def test_parse_jwks_logs_each_skipped_key(caplog: pytest.LogCaptureFixture) -> None:
    ec = generate_ec_key("keyset-test").public_jwk()
    assert list(parse_jwks({"keys": [ec, GOOD]})) == [GOOD["kid"]]
    assert [r.getMessage() for r in caplog.records] == [
        f"JWKS key {ec['kid']!r} skipped: kty 'EC' is not RSA"
    ]
