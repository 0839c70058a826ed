"""The oracle on the edges its rule-by-rule tests leave open, each read off docs/validation-policy.md.

Rule 1's whitespace is only space and tab (RFC 9110 §5.6.3), every key-choosing header member is
refused by rule 3 (RFC 8725 §3.10), an HMAC header is a rule 3 failure before any signature is
looked at, a published RSA key without a modulus is unusable (rule 4) rather than a crash, and
``Policy.for_keys`` passes its options through.
"""

from __future__ import annotations

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.policy.oracle import (
    INVALID_TOKEN,
    NO_CREDENTIALS,
    SCOPED,
    Policy,
    bearer_token,
    expected,
    judge,
    unusable_key,
)
from fake_issuer.policy.spec import Signing
from tests.fake_issuer.policy.builders import GOOD_HEADER, NOW, POLICY, RING, spec


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("Bearer abc\x0b", "abc\x0b"),
        ("Bearer abc\xa0", "abc\xa0"),
        ("Bearer \x0cabc", "\x0cabc"),
        ("\x0bBearer abc", NO_CREDENTIALS),
        ("\xa0Bearer abc", NO_CREDENTIALS),
        ("XBearer abc", NO_CREDENTIALS),
        ("Bearer Xabc", "Xabc"),
        ("Bearer abc \t ", "abc"),
        ("Bearer abc\tdef", "abc\tdef"),
        ("Bearer \t", INVALID_TOKEN),
    ],
)
def test_rule_1_whitespace_is_space_and_tab_only(value: str, outcome: object) -> None:
    assert bearer_token(value) == outcome


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("jwk", RING.foreign.public_jwk()),
        ("jku", "https://evil.example/jwks.json"),
        ("x5u", "https://evil.example/cert.pem"),
        ("x5c", ["MIIB"]),
        ("crit", ["exp"]),
    ],
)
def test_rule_3_every_key_choosing_member_is_refused(member: str, value: object) -> None:
    judgement = judge(spec(header={**GOOD_HEADER, member: value}), POLICY, NOW)
    assert judgement.rule == 3
    assert member in judgement.reason


def test_rule_3_blames_an_hmac_header_before_the_signature() -> None:
    hmac = Signing("HS256", secret=RING.issuer.public_pem())
    assert judge(spec(header={**GOOD_HEADER, "alg": "HS256"}, signing=hmac), POLICY, NOW).rule == 3
    assert judge(spec(signing=hmac), POLICY, NOW).rule == 5  # header says RS256: the signature fails


def test_rule_4_an_rsa_key_without_modulus_is_unusable() -> None:
    public = RING.issuer.public_jwk()
    assert "0 bits" in str(unusable_key({"kty": "RSA", "e": public["e"]}))
    without_n = Policy(
        DEFAULT_ISSUER, DEFAULT_AUDIENCE, {RING.issuer.kid: [{"kty": "RSA", "e": public["e"]}]}
    )
    assert judge(spec(), without_n, NOW).rule == 4


def test_policy_for_keys_passes_its_options() -> None:
    strict = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, RING.published, leeway=0, required_scope="x")
    assert (strict.leeway, strict.required_scope) == (0, "x")
    late = spec(exp=NOW - 30)
    assert judge(late, POLICY, NOW).rule is None  # inside the default 60 s leeway
    assert judge(late, strict, NOW).rule == 8
    assert expected(spec(), strict, SCOPED, NOW).status == 403  # read:messages is not "x"


def test_policy_defaults_follow_the_written_policy() -> None:
    assert POLICY.required_scope == "read:messages"
    assert POLICY.leeway == 60
    assert POLICY.algorithms == frozenset({"RS256"})
    assert POLICY.realm == "apiexample"
    assert set(POLICY.published) == {key.kid for key in RING.published}
