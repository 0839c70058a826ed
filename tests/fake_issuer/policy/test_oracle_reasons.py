"""The oracle's reasons: each says, as a lowercase phrase, which member failed and with what value.

A reason is what a person reads when the API and the oracle disagree (the claim matrix, the attack
suite), so it must name the failing member as a word of its own and show the offending value.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from fake_issuer.policy.oracle import judge, unusable_key
from fake_issuer.policy.spec import Signing
from tests.fake_issuer.policy.builders import GOOD_SIGNING, NOW, POLICY, RING, spec

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
