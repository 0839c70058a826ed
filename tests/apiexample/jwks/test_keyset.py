"""Rule 4 of docs/validation-policy.md on JWK Set members: which keys ``jwks.keyset`` keeps, and why."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import RSAKey

from apiexample.jwks.keyset import parse_jwks, read_jwks, unusable_reason
from fake_issuer import FakeIssuer, generate_ec_key, generate_rsa_key
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.encoding import b64url_decode, b64url_uint
from fake_issuer.policy.keys import unusable_key

GOOD = generate_rsa_key("keyset-test").public_jwk()
#: RFC 8017 §3.1: the public exponent is an odd integer with 3 <= e < n.
EXPONENT = "public exponent is not an odd integer with 3 <= e < n"


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
        # Base64urlUInt (RFC 7518 §2) is base64url: a character outside the alphabet makes no integer,
        # though Python's lenient decoder would drop "." and read "A.Q.A.B" as 65537.
        (with_members(e="A.Q.A.B"), EXPONENT),
        (with_members(e="Aw."), EXPONENT),
        (with_members(e="AQ AB"), EXPONENT),
        (with_members(e="AQ+B"), EXPONENT),
        (with_members(e="AQAB="), EXPONENT),
        (with_members(e="AQABA"), EXPONENT),
        (with_members(e="AQA\u0661"), EXPONENT),
        (with_members(n=GOOD["n"][:100] + "." + GOOD["n"][100:]), "modulus of 0 bits is under 2048"),
        (with_members(e="AQ"), EXPONENT),
        (with_members(e=""), EXPONENT),
        (with_members(e=b64url_uint(2)), EXPONENT),
        (with_members(e=b64url_uint(65536)), EXPONENT),
        (with_members(e=b64url_uint(3)), None),
        (with_members(e=GOOD["n"]), EXPONENT),
        (with_members(e=b64url_uint(int.from_bytes(b64url_decode(GOOD["n"]), "big") - 2)), None),
        (with_members(key_ops=["verify"]), None),
        (with_members(use=None, alg=None, key_ops=["sign", "verify"]), None),
        (with_members(use=None, alg=None, key_ops=["encrypt"]), "key_ops ['encrypt'] does not allow verify"),
        (with_members(key_ops=[]), "key_ops [] does not allow verify"),
        (with_members(key_ops="verify"), "key_ops is not an array of strings"),
        (with_members(key_ops=[["verify"]]), "key_ops is not an array of strings"),
        (with_members(key_ops=["verify", "verify"]), "key_ops repeats a value"),
        (roca_key().public_jwk(), "modulus has the ROCA fingerprint (CVE-2017-15361)"),
    ],
)
def test_unusable_reason_names_the_failing_rule(jwk: object, reason: str | None) -> None:
    assert unusable_reason(jwk) == reason


def test_only_usable_keys_are_kept_and_the_rest_reported() -> None:
    issuer = FakeIssuer(keys=2)
    ec = generate_ec_key("keyset-test").public_jwk()
    bad_exponent = with_members(kid="even", e=b64url_uint(2))
    first, second = issuer.jwks()["keys"]
    keys, skipped = read_jwks({"keys": [ec, first, bad_exponent, second, 42]})
    assert list(keys) == [first["kid"], second["kid"]]
    assert keys[first["kid"]].as_dict()["n"] == first["n"]
    assert skipped == [
        (ec["kid"], "kty 'EC' is not RSA"),
        ("even", EXPONENT),
        (None, "not a JSON object"),
    ]


@pytest.mark.parametrize("order", ["as-published", "reversed"])
def test_a_kid_shared_by_two_usable_keys_names_neither(order: str) -> None:
    issuer = FakeIssuer(keys=3)
    first, second, third = issuer.jwks()["keys"]
    twins = [first, {**second, "kid": first["kid"]}]
    if order == "reversed":
        twins.reverse()
    keys, skipped = read_jwks({"keys": [*twins, third]})
    assert list(keys) == [third["kid"]]
    assert skipped == [(first["kid"], "ambiguous: 2 usable keys share this kid")]


def test_identical_copies_under_one_kid_are_ambiguous_too() -> None:
    keys, skipped = read_jwks({"keys": [GOOD, GOOD, GOOD]})
    assert keys == {}
    assert skipped == [(GOOD["kid"], "ambiguous: 3 usable keys share this kid")]


def test_a_kid_shared_with_unusable_keys_names_the_usable_one() -> None:
    ec = {**generate_ec_key("keyset-test").public_jwk(), "kid": GOOD["kid"]}
    weak = {**generate_rsa_key("keyset-test", bits=1024).public_jwk(), "kid": GOOD["kid"]}
    encryption = with_members(
        use=None, key_ops=["encrypt"], n=generate_rsa_key("keyset-enc").public_jwk()["n"]
    )
    keys, skipped = read_jwks({"keys": [ec, weak, GOOD, encryption]})
    assert keys[GOOD["kid"]].as_dict()["n"] == GOOD["n"] and list(keys) == [GOOD["kid"]]
    assert [reason for _, reason in skipped] == [
        "kty 'EC' is not RSA",
        "modulus of 1024 bits is under 2048",
        "key_ops ['encrypt'] does not allow verify",
    ]


def test_a_key_joserfc_cannot_import_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(jwk: object) -> None:
        raise ValueError("refused")

    # Every key that passes rule 4 imports today; the guard keeps a future joserfc refusal a skip.
    monkeypatch.setattr(RSAKey, "import_key", refuse)
    assert read_jwks({"keys": [GOOD]}) == ({}, [(GOOD["kid"], "not importable (ValueError)")])


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


def test_parse_jwks_logs_an_ambiguous_kid_once(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_jwks({"keys": [GOOD, GOOD]}) == {}
    assert [r.getMessage() for r in caplog.records] == [
        f"JWKS key {GOOD['kid']!r} skipped: ambiguous: 2 usable keys share this kid"
    ]


_ABSENT = object()
_N = int.from_bytes(b64url_decode(GOOD["n"]), "big")
MEMBER_VALUES: dict[str, list[object]] = {
    "kty": ["RSA", "EC", _ABSENT],
    "use": [_ABSENT, "sig", "enc", 1],
    "key_ops": [_ABSENT, ["verify"], ["sign", "verify"], ["sign"], [], ["verify", "verify"], "verify", [1]],
    "alg": [_ABSENT, "RS256", "RS512", "none"],
    "n": [
        GOOD["n"],
        generate_rsa_key("keyset-test", bits=1024).public_jwk()["n"],
        roca_key().public_jwk()["n"],
        GOOD["n"][:100] + "." + GOOD["n"][100:],
        GOOD["n"] + "=",
    ],
    "e": [b64url_uint(e) for e in (1, 2, 3, 65537, _N, _N - 2)] + ["A.Q.A.B", "AQ+B", "AQABA", _ABSENT],
}


@given(st.fixed_dictionaries({name: st.sampled_from(values) for name, values in MEMBER_VALUES.items()}))
def test_the_key_filter_agrees_with_the_oracle_on_every_mix_of_members(members: dict[str, object]) -> None:
    # The oracle's rule 4 (fake_issuer.policy.keys) is written from the policy, apart from the filter.
    jwk = {"kid": "k", **{name: value for name, value in members.items() if value is not _ABSENT}}
    assert (unusable_reason(jwk) is None) == (unusable_key(jwk) is None), jwk
