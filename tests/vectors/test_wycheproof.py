"""Wycheproof conformance: every JWS and JWK vector against the signature layer and the key filter.

RFC 7515 (JWS), RFC 7517 (JWK); the policy is docs/validation-policy.md. The vectors sign raw payload
octets ("foo", empty, zeros), not claims, so they run against ``verify_jws``: rules 2-5 (syntax,
header, key lookup, signature) without the payload's JSON. The real validator is not relaxed for them:
``decode_token`` still refuses every accepted vector whose payload is not a JSON object (rule 2), as a
test below checks. Classes and expected reasons come from ``tests.vectors.wycheproof_vectors``.
"""

from __future__ import annotations

import json

import pytest

from apiexample.errors import DisallowedHeader, InvalidToken, MalformedToken, UnknownSigningKey
from apiexample.jwks.keyset import unusable_reason
from apiexample.validator import decode_token
from fake_issuer.encoding import b64url_decode
from fake_issuer.policy.keys import unusable_key
from fake_issuer.policy.oracle import json_object
from tests.vectors.wycheproof_vectors import (
    FILES,
    HERE,
    KNOWN_LABEL_PROBLEMS,
    Vector,
    load,
    outcome,
    policy_class,
    summary,
)

VECTORS = [vector for file in FILES for vector in load(file)]
BY_ID = {(vector.file, vector.tc_id): vector for vector in VECTORS}
JWS, JWK = FILES


@pytest.mark.parametrize("vector", VECTORS, ids=lambda vector: vector.name)
def test_vector_meets_the_policy(vector: Vector) -> None:
    klass, reasons = policy_class(vector)
    got = outcome(vector)  # raises if the validator raised anything but its own InvalidToken errors
    if klass == "invalid":
        assert isinstance(got, InvalidToken), f"invalid vector accepted: {got!r}"
    elif klass == "in-policy":
        assert got == b64url_decode(vector.jws.split(".")[1]), f"valid in-policy vector rejected: {got!r}"
    else:
        assert type(got) in reasons, (
            f"{got!r} is not the policy's reason ({sorted(r.__name__ for r in reasons)})"
        )


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if policy_class(v)[0] == "in-policy"], ids=lambda vector: vector.name
)
def test_the_real_validator_still_wants_a_json_object_payload(vector: Vector) -> None:
    payload = b64url_decode(vector.jws.split(".")[1])
    assert json_object(payload) is None  # none of the vectors signs claims
    with pytest.raises(MalformedToken, match="payload"):
        decode_token(vector.jws, vector.key_source)


def test_every_vector_of_both_files_is_run() -> None:
    for file in FILES:
        declared = json.loads((HERE / file).read_text(encoding="utf-8"))["numberOfTests"]
        assert len([vector for vector in VECTORS if vector.file == file]) == declared
    assert [len([v for v in VECTORS if v.file == file]) for file in FILES] == [401, 26]


@pytest.mark.parametrize(("file", "problems"), KNOWN_LABEL_PROBLEMS.items())
def test_known_label_problems_are_still_twins_of_a_valid_vector(file: str, problems: dict[int, int]) -> None:
    # C2SP/wycheproof#236: if upstream fixes the labels, this fails and the list must shrink.
    for tc_id, twin in problems.items():
        assert BY_ID[file, tc_id].result == "invalid" and BY_ID[file, twin].result == "valid"
        assert BY_ID[file, tc_id].jws == BY_ID[file, twin].jws
        assert BY_ID[file, tc_id].label_problem and not BY_ID[file, twin].label_problem


def test_the_key_filter_and_the_oracle_agree_on_every_vector_key() -> None:
    keys = {json.dumps(jwk, sort_keys=True): jwk for vector in VECTORS for jwk in vector.jwks}
    assert len(keys) >= 20
    for jwk in keys.values():
        assert (unusable_reason(jwk) is None) == (unusable_key(jwk) is None), jwk.get("kid")


@pytest.mark.parametrize(
    ("file", "tc_id", "reason", "error"),
    [
        (JWS, 353, "use 'enc' is not sig", UnknownSigningKey),
        (JWS, 355, "key_ops ['encrypt'] does not allow verify", UnknownSigningKey),
        (JWK, 4, "kty 'oct' is not RSA", DisallowedHeader),  # HS256: refused at rule 3 first
        (JWK, 6, "use 'enc' is not sig", UnknownSigningKey),
        (JWK, 7, "modulus has the ROCA fingerprint (CVE-2017-15361)", UnknownSigningKey),
        (JWK, 8, "modulus of 1024 bits is under 2048", UnknownSigningKey),
        (JWK, 9, "public exponent is not an odd integer with 3 <= e < n", UnknownSigningKey),
        (JWK, 24, "alg 'ES256' is not RS256", DisallowedHeader),  # an EC key labelled kty RSA
    ],
)
def test_the_key_filter_refuses_a_vector_key_for_rule_4s_reason(
    file: str, tc_id: int, reason: str, error: type[InvalidToken]
) -> None:
    vector = BY_ID[file, tc_id]
    assert [unusable_reason(jwk) for jwk in vector.jwks] == [reason] * len(vector.jwks)
    assert type(outcome(vector)) is error


@pytest.mark.parametrize("file", FILES)
def test_summary_shows_no_invalid_accepted_and_no_valid_in_policy_rejected(file: str) -> None:
    line = summary(file)
    assert "invalid accepted 0," in line and "in-policy rejected 0," in line and "outside other 0," in line
    assert f"{len([v for v in VECTORS if v.file == file])} tests" in line
    assert "in-policy accepted 0," not in line  # the suite exercises the accepting path too
