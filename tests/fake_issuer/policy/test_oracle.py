"""The oracle, rule by rule, on hand-built specs: each expected value comes from docs/validation-policy.md."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, generate_ec_key, generate_rsa_key
from fake_issuer.attacks.forgery import relabelled
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.policy.oracle import (
    INSUFFICIENT_SCOPE,
    INVALID_TOKEN,
    NO_CREDENTIALS,
    OK,
    PRIVATE,
    PUBLIC,
    SCOPED,
    Policy,
    bearer_token,
    expected,
    finite_number,
    json_object,
    judge,
    unusable_key,
)
from fake_issuer.policy.spec import Signing, TokenSpec, signing_variants
from tests.fake_issuer.policy.builders import GOOD_HEADER, GOOD_SIGNING, NOW, POLICY, RING, spec


def rule(token: TokenSpec) -> int | None:
    """The first rule ``token`` breaks, or None."""
    return judge(token, POLICY, NOW).rule


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        (None, NO_CREDENTIALS),
        ("", NO_CREDENTIALS),
        ("Basic dXNlcjpwYXNz", NO_CREDENTIALS),
        ("Bearer\tabc", NO_CREDENTIALS),
        ("Bearer", INVALID_TOKEN),
        ("Bearer ", INVALID_TOKEN),
        ("Bearer a b", INVALID_TOKEN),
        ("bEaReR   abc", "abc"),
        (" \tBearer abc \t", "abc"),
    ],
)
def test_bearer_token_follows_rule_1(value: str | None, outcome: object) -> None:
    assert bearer_token(value) == outcome


def test_the_good_token_is_valid_everywhere() -> None:
    good = spec()
    assert judge(good, POLICY, NOW).rule is None
    assert [expected(good, POLICY, path, NOW) for path in (PUBLIC, PRIVATE, SCOPED)] == [OK, OK, OK]
    assert str(OK) == "200" and str(INVALID_TOKEN) == "401 invalid_token"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1,"a":2}',
        b'{"a":NaN}',
        b'{"a":-Infinity}',
        b"\xef\xbb\xbf{}",
        b'{"a":"\xe9"}',
        b"[]",
        b"",
        b"{}x",
    ],
)
def test_rule_2_malformed_json(raw: bytes) -> None:
    assert json_object(raw) is None
    assert rule(spec(header=raw)) == 2
    assert rule(TokenSpec(GOOD_HEADER, raw, GOOD_SIGNING)) == 2


def test_rule_2_accepts_insignificant_whitespace() -> None:
    assert json_object(b' {\n "a" : 1 }\n') == {"a": 1}


@pytest.mark.parametrize("tamper", ["unused_bits", "padding", "extra_segment"])
def test_rule_2_spoiled_signature_segments(tamper: str) -> None:
    assert rule(spec(signing=Signing("RS256", key=RING.issuer, tamper=tamper))) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "header",
    [
        {"typ": "JWT", "kid": RING.issuer.kid},
        {**GOOD_HEADER, "alg": "none"},
        {**GOOD_HEADER, "alg": "rs256"},
        {**GOOD_HEADER, "alg": ["RS256"]},
        {**GOOD_HEADER, "kid": 7},
        {**GOOD_HEADER, "kid": "unknown"},
        {**GOOD_HEADER, "typ": "JWS"},
        {**GOOD_HEADER, "typ": None},
        {**GOOD_HEADER, "crit": ["exp"]},
        {**GOOD_HEADER, "x5c": []},
        {**GOOD_HEADER, "zip": "DEF"},
        {**GOOD_HEADER, "zip": None},
        {**GOOD_HEADER, "typ": "application/jwt+x"},
    ],
)
def test_rule_3_header(header: dict[str, object]) -> None:
    assert rule(spec(header=header)) == 3


@pytest.mark.parametrize("typ", ["jwt", "AT+JWT", "application/at+jwt", "application/jwt", "Application/JWT"])
def test_rule_3_allowed_types_any_case(typ: str) -> None:
    assert rule(spec(header={**GOOD_HEADER, "typ": typ})) is None
    assert rule(spec(header={"alg": "RS256", "kid": RING.issuer.kid})) is None


@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        (RING.ec.public_jwk(), "not RSA"),
        (RING.weak.public_jwk(), "under 2048"),
        ({**RING.issuer.public_jwk(), "use": "enc"}, "not sig"),
        ({**RING.issuer.public_jwk(), "alg": "RS512"}, "not RS256"),
        # n and e are Base64urlUInt (RFC 7518 §2): base64url, nothing outside its alphabet, no 4n+1 length
        ({**RING.issuer.public_jwk(), "e": "A.Q.A.B"}, "public exponent 0 "),
        ({**RING.issuer.public_jwk(), "e": "AQ+B"}, "public exponent 0 "),
        ({**RING.issuer.public_jwk(), "e": "AQABA"}, "public exponent 0 "),
        ({**RING.issuer.public_jwk(), "e": 65537}, "public exponent 0 "),
        ({**RING.issuer.public_jwk(), "n": RING.issuer.public_jwk()["n"] + "="}, "modulus of 0 bits"),
    ],
)
def test_rule_4_unusable_keys(jwk: dict[str, str], reason: str) -> None:
    assert reason in str(unusable_key(jwk))
    members = {key: value for key, value in RING.issuer.public_jwk().items() if key not in ("use", "alg")}
    assert unusable_key(members) is None


def test_rule_4_published_but_unusable_keys() -> None:
    variants = signing_variants(RING)
    assert (
        rule(
            spec(header={**GOOD_HEADER, "kid": RING.weak.kid}, signing=variants["weak 1024-bit key"].signing)
        )
        == 4
    )
    assert rule(spec(header={**GOOD_HEADER, "kid": RING.ec.kid})) == 4


@pytest.mark.parametrize(
    "signing",
    [
        Signing("RS256", key=RING.foreign),
        Signing("PS256", key=RING.issuer),
        Signing("RS256", key=RING.issuer, tamper="flip_bit"),
        Signing("RS256", key=RING.issuer, tamper="truncate"),
        Signing("HS256", secret=RING.issuer.public_pem()),
        Signing("none"),
    ],
)
def test_rule_5_signature(signing: Signing) -> None:
    assert rule(spec(signing=signing)) == 5


@pytest.mark.parametrize(
    ("claims", "broken"),
    [
        ({"iss": DEFAULT_ISSUER.rstrip("/")}, 6),
        ({"iss": DEFAULT_ISSUER + "x"}, 6),
        ({"iss": [DEFAULT_ISSUER]}, 6),
        ({"aud": [DEFAULT_AUDIENCE, 1]}, 7),
        ({"aud": []}, 7),
        ({"aud": DEFAULT_AUDIENCE + "/"}, 7),
        ({"aud": {"aud": DEFAULT_AUDIENCE}}, 7),
        ({"exp": True}, 8),
        ({"exp": str(NOW + 60)}, 8),
        ({"exp": NOW - 60}, 8),
        ({"exp": NOW - 59.5, "nbf": NOW + 60.5}, 9),
        ({"nbf": "0"}, 9),
        ({"iat": NOW + 60.5}, 9),
        ({"iat": None}, 9),
        ({"scope": ["read:messages"]}, 10),
        ({"sub": 1}, 10),
        ({"jti": None}, 10),
        ({"jti": 7}, 10),
        ({"jti": ["a"]}, 10),
    ],
)
def test_rules_6_to_10_claims(claims: dict[str, Any], broken: int) -> None:
    assert rule(spec(**claims)) == broken


ORGANIZATION = "org_abc123"
ORG_POLICY = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, RING.published, organization=ORGANIZATION)


@pytest.mark.parametrize(
    ("claims", "drop", "broken"),
    [
        ({"org_id": ORGANIZATION}, (), None),
        ({}, ("org_id",), 11),  # missing
        ({"org_id": None}, (), 11),  # not a string
        ({"org_id": 123}, (), 11),
        ({"org_id": [ORGANIZATION]}, (), 11),
        ({"org_id": {"id": ORGANIZATION}}, (), 11),
        ({"org_id": "org_other"}, (), 11),  # another Organization of the tenant
        ({"org_id": "ORG_ABC123"}, (), 11),  # compared exactly: no case folding,
        ({"org_id": ORGANIZATION + " "}, (), 11),  # no trimming,
        ({"org_id": "org_abc12"}, (), 11),  # no prefix match
        ({"org_id": ""}, (), 11),
        ({"org_id": ORGANIZATION, "org_name": 5}, (), None),  # org_name is not looked at
    ],
)
def test_rule_11_org_id_with_an_organization(
    claims: dict[str, Any], drop: tuple[str, ...], broken: int | None
) -> None:
    token = spec(drop=drop, **{"org_id": ORGANIZATION, **claims})
    assert judge(token, ORG_POLICY, NOW).rule == broken
    owed = OK if broken is None else INVALID_TOKEN
    assert [expected(token, ORG_POLICY, path, NOW) for path in (PUBLIC, PRIVATE, SCOPED)] == [OK, owed, owed]


def test_rule_11_reasons_and_order() -> None:
    assert judge(spec(drop=("org_id",)), ORG_POLICY, NOW).reason == "org_id is missing"
    assert judge(spec(org_id=7), ORG_POLICY, NOW).reason == "org_id 7 is not the organization"
    # Rule 11 comes after rules 2-10: a token that also breaks one of them is described by that one.
    assert judge(spec(aud="x", org_id="org_other"), ORG_POLICY, NOW).rule == 7
    assert judge(spec(sub=1, org_id="org_other"), ORG_POLICY, NOW).rule == 10
    # A valid token without the scope still owes 403 only when org_id holds.
    assert expected(spec(drop=("scope",), org_id=ORGANIZATION), ORG_POLICY, SCOPED, NOW) == INSUFFICIENT_SCOPE
    assert expected(spec(drop=("scope",), org_id="org_other"), ORG_POLICY, SCOPED, NOW) == INVALID_TOKEN


@pytest.mark.parametrize("org_id", [None, 7, "org_other", [ORGANIZATION], ORGANIZATION])
def test_without_an_organization_org_id_is_not_looked_at(org_id: object) -> None:
    assert POLICY.organization is None  # off by default
    assert rule(spec(org_id=org_id)) is None
    assert rule(spec(org_id=org_id, org_name=None)) is None


def test_rule_8_exp_is_required() -> None:
    assert rule(spec(drop=("exp",))) == 8


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": ["other", DEFAULT_AUDIENCE]},
        {"exp": NOW - 59.5, "nbf": NOW + 60, "iat": NOW + 60},
        {"exp": 10**400},
        {"exp": NOW - 60 + 1e-6},
        {"jti": "8f14e45f"},
        {"jti": ""},
    ],
)
def test_valid_edges(claims: dict[str, Any]) -> None:
    assert rule(spec(**claims)) is None


def test_finite_numbers() -> None:
    assert [finite_number(v) for v in (True, "1", None, float("nan"), float("inf"))] == [None] * 5
    assert finite_number(10**400) == 10**400 and finite_number(0.5) == Fraction(1, 2)


@pytest.mark.parametrize(
    ("scope", "outcome"),
    [
        ("read:messages", OK),
        ("openid  read:messages", OK),
        ("read:messages,write:messages", INSUFFICIENT_SCOPE),
        ("read:messages\twrite:messages", INSUFFICIENT_SCOPE),
        ("Read:messages", INSUFFICIENT_SCOPE),
        ("read:messages.all", INSUFFICIENT_SCOPE),
    ],
)
def test_scoped_endpoint_needs_the_exact_space_separated_scope(scope: str, outcome: object) -> None:
    assert expected(spec(scope=scope), POLICY, SCOPED, NOW) == outcome
    assert expected(spec(scope=scope), POLICY, PRIVATE, NOW) == OK


def test_missing_scope_is_403_only_on_the_scoped_endpoint() -> None:
    token = spec(drop=("scope",))
    assert [expected(token, POLICY, path, NOW) for path in (PUBLIC, PRIVATE, SCOPED)] == [
        OK,
        OK,
        INSUFFICIENT_SCOPE,
    ]
    assert expected(spec(aud="x"), POLICY, PUBLIC, NOW) == OK
    assert expected(spec(aud="x"), POLICY, SCOPED, NOW) == INVALID_TOKEN


def test_rule_4_a_kid_two_usable_keys_share_names_neither() -> None:
    twin = generate_rsa_key("oracle-twin", kid=RING.issuer.kid)
    shared = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, [*RING.published, twin])
    for signing in (GOOD_SIGNING, Signing("RS256", key=twin)):
        judgement = judge(spec(signing=signing), shared, NOW)
        assert (judgement.rule, judgement.reason) == (4, "kid shared by 2 usable keys: ambiguous")
    beside_ec = generate_ec_key("oracle-twin", kid=RING.issuer.kid)
    assert (
        judge(spec(), Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, [beside_ec, RING.issuer]), NOW).rule
        is None
    )


def test_rule_4_key_ops_and_roca() -> None:
    encrypt = relabelled(generate_rsa_key("oracle-enc"), key_ops=("encrypt",), use=None, alg=None)
    for key in (encrypt, roca_key()):
        policy = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, [RING.issuer, key])
        header = {**GOOD_HEADER, "kid": key.kid}
        assert judge(spec(header=header, signing=Signing("RS256", key=key)), policy, NOW).rule == 4
