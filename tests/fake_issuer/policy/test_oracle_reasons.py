"""The oracle's reasons: each says, as a lowercase phrase, which member failed and with what value.

A reason is what a person reads when the API and the oracle disagree (the claim matrix, the attack
suite), so it must name the failing member as a word of its own and show the offending value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.policy.oracle import Judgement, Policy, judge, unusable_key
from fake_issuer.policy.spec import Signing, TokenSpec
from tests.fake_issuer.policy.builders import GOOD_CLAIMS, GOOD_HEADER, GOOD_SIGNING, NOW, POLICY, RING, spec

PHRASE = re.compile(r"[a-z][^\n]*[^.\s]")


def names(reason: str, word: str) -> bool:
    """``word`` appears in ``reason`` on its own, not inside a longer word."""
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", reason) is not None


def reason_for(drop: tuple[str, ...] = (), signing: Signing | None = None, **claims: Any) -> str:
    """The oracle's reason for the good token with ``claims`` replaced and ``drop`` removed."""
    judgement = judge(spec(drop=drop, signing=signing or GOOD_SIGNING, **claims), POLICY, NOW)
    assert judgement.rule is not None
    return judgement.reason


@pytest.mark.parametrize(
    ("reason", "word"),
    [
        (reason_for(drop=("exp",)), "exp"),
        (reason_for(exp="soon"), "exp"),
        (reason_for(exp=NOW - 600), "expired"),
        (reason_for(nbf=NOW + 600), "nbf"),
        (reason_for(iat=NOW + 600), "iat"),
        (reason_for(iss="https://evil.example/"), "iss"),
        (reason_for(aud="https://evil.example/"), "aud"),
        (reason_for(sub=1), "sub"),
        (reason_for(signing=Signing("RS256", key=RING.foreign)), "kid"),
        (reason_for(signing=Signing("PS256", key=RING.issuer)), "PS256"),
    ],
)
def test_claim_and_signature_reasons_name_the_member(reason: str, word: str) -> None:
    assert PHRASE.fullmatch(reason), reason
    assert names(reason, word), reason


@pytest.mark.parametrize(
    ("member", "value"), [("kty", "EC"), ("use", "enc"), ("alg", "RS512")], ids=["kty", "use", "alg"]
)
def test_key_reasons_show_the_offending_value(member: str, value: str) -> None:
    jwk = {**RING.issuer.public_jwk(), member: value}
    reason = str(unusable_key(jwk))
    assert PHRASE.fullmatch(reason), reason
    assert repr(value) in reason and names(reason, member if member != "kty" else "type"), reason


def judged(
    header: Mapping[str, object] | bytes | None = None,
    claims: object = None,
    signing: Signing | None = None,
) -> Judgement:
    """The oracle's judgement of the good token with its header or claims replaced."""
    spec = TokenSpec(
        GOOD_HEADER if header is None else header,
        GOOD_CLAIMS if claims is None else claims,
        signing or Signing("RS256", key=RING.issuer),
    )
    return judge(spec, POLICY, NOW)


@pytest.mark.parametrize(
    ("header", "claims", "word"),
    [(b"[1]", None, "header"), (None, b"not json", "payload")],
    ids=["header", "payload"],
)
def test_rule_2_reasons_name_the_segment_and_json(header: bytes | None, claims: object, word: str) -> None:
    judgement = judged(header, claims)
    assert judgement.rule == 2
    assert PHRASE.fullmatch(judgement.reason), judgement.reason
    assert names(judgement.reason, word) and names(judgement.reason, "UTF-8"), judgement.reason
    assert names(judgement.reason, "JSON"), judgement.reason


def test_a_header_reason_names_every_forbidden_member() -> None:
    judgement = judged({**GOOD_HEADER, "jku": "https://evil.example/", "x5u": "https://evil.example/"})
    assert judgement.rule == 3 and PHRASE.fullmatch(judgement.reason), judgement.reason
    assert names(judgement.reason, "jku") and names(judgement.reason, "x5u"), judgement.reason


def test_a_valid_token_is_judged_valid_in_a_phrase_too() -> None:
    judgement = judged()
    assert judgement.rule is None and judgement.claims == GOOD_CLAIMS
    assert PHRASE.fullmatch(judgement.reason) and names(judgement.reason, "valid"), judgement.reason


@pytest.mark.parametrize(
    ("signing", "claims", "rule"),
    [
        (Signing("RS256", key=RING.foreign), None, 5),
        (None, {**GOOD_CLAIMS, "iss": "https://evil.example/"}, 6),
    ],
    ids=["rule-5", "rule-6"],
)
def test_a_judgement_past_rule_3_keeps_the_decoded_claims(
    signing: Signing | None, claims: object, rule: int
) -> None:
    # Judgement.claims: the token's claims whenever the payload was decoded (rules 4 on), so a report
    # can show them; rules 2 and 3 judge before that.
    judgement = judged(claims=claims, signing=signing)
    assert judgement.rule == rule and judgement.claims == (claims or GOOD_CLAIMS)


def test_a_judgement_at_rule_4_keeps_the_decoded_claims() -> None:
    weak = {**RING.issuer.public_jwk(), "kty": "EC"}
    policy = Policy(DEFAULT_ISSUER, DEFAULT_AUDIENCE, {RING.issuer.kid: (weak,)})
    judgement = judge(TokenSpec(GOOD_HEADER, GOOD_CLAIMS, Signing("RS256", key=RING.issuer)), policy, NOW)
    assert judgement.rule == 4 and judgement.claims == GOOD_CLAIMS


def test_an_unknown_endpoint_is_refused_naming_every_known_one() -> None:
    policy = Policy(DEFAULT_ISSUER, DEFAULT_AUDIENCE, {}, endpoints={"/a": None, "/b": "read:b"})
    with pytest.raises(ValueError, match="/nowhere") as refusal:
        policy.protection("/nowhere")
    known = str(refusal.value).rpartition("it knows ")[2]
    assert sorted(known.split(", ")) == ["/a", "/api/public", "/b"]
