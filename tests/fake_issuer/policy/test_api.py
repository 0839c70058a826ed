"""``APIPolicy``: another API's policy in plain values, its tokens and the answers owed (RFC 6750 §3)."""

from __future__ import annotations

import dataclasses
import itertools

import jwt
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.vendor.pretty import pretty

from fake_issuer import FakeIssuer, generate_ec_key
from fake_issuer.policy import RULES, APIPolicy, Expectation, Token
from fake_issuer.server import IssuerServer

POLICY = APIPolicy(
    issuer="https://tenant.example/",
    audience="urn:api",
    endpoints={"/private": None, "/read": "read:x", "/write": "write:x"},
    public=["/health"],
    leeway=30,
    realm="mine",
)
NOW = 1_800_000_000
#: The tenant the API trusts: FakeIssuer(issuer) signs with the key APIPolicy defaults to.
TENANT = FakeIssuer("https://tenant.example/", audience="urn:api")
PUBLIC_KEY = jwt.PyJWK(TENANT.jwks()["keys"][0]).key


def decode(token: str) -> dict[str, object]:
    """The claims PyJWT finds in ``token``, checking what RFC 9068 §2.2 requires."""
    required = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]
    claims: dict[str, object] = jwt.decode(
        token, PUBLIC_KEY, algorithms=["RS256"], audience="urn:api", issuer="https://tenant.example/",
        options={"require": required},
    )  # fmt: skip
    return claims


def test_a_token_is_valid_for_pyjwt_and_for_every_endpoint_whose_scope_it_has() -> None:
    token = POLICY.token(scope="read:x", now=NOW)
    assert isinstance(token, Token) and token.authorization == f"Bearer {token}"
    assert POLICY.expect(token, "/private").status == 200
    assert POLICY.expect(token, "/read").status == 200
    write = POLICY.expect(token, "/write")
    assert (write.status, write.error, write.scope) == (403, "insufficient_scope", "write:x")
    assert "lacks write:x" in str(write)
    assert decode(POLICY.token())["jti"]


def test_the_answer_names_the_rule() -> None:
    expired = POLICY.expect(POLICY.token(claims={"exp": NOW - 31}, now=NOW), "/private")
    assert (expired.status, expired.error, expired.rule) == (401, "invalid_token", 8)
    assert str(expired) == "/private owes 401 invalid_token (Rule 8, exp: expired)"
    assert POLICY.expect(POLICY.token(claims={"exp": NOW - 29}, now=NOW), "/private").status == 200
    assert POLICY.expect(POLICY.token(claims={"aud": "urn:other"}), "/read").rule == 7
    assert POLICY.expect(POLICY.token(header={"typ": "JOSE"}), "/read").rule == 3
    assert POLICY.expect(POLICY.token(key=TENANT.new_key(kid=TENANT.signing_key.kid)), "/read").rule == 5
    assert set(RULES) == set(range(1, 12))


def test_credentials_are_read_as_rule_one_says() -> None:
    token = POLICY.token()
    assert POLICY.expect(None, "/health") == Expectation("/health", 200, None, None, "public endpoint")
    bare = POLICY.expect(None, "/private")
    assert (bare.status, bare.error, bare.rule) == (401, None, 1)
    assert POLICY.expect(token, "/private", authorization=f"bearer   {token}").status == 200
    assert POLICY.expect(token, "/private", authorization=f"Bearer {token} {token}").error == "invalid_token"
    assert POLICY.expect(token, "/private", authorization=f"Bearer {token}x").rule == 2
    with pytest.raises(ValueError, match="names no endpoint '/typo'"):
        POLICY.expect(token, "/typo")


@pytest.mark.parametrize(
    ("status", "challenge", "problem"),
    [
        (200, ..., "status 200"),
        (401, None, "no WWW-Authenticate challenge"),
        (401, 'Basic realm="mine"', "is not a Bearer challenge"),
        (401, 'Bearer realm="other"', "lacks realm='mine'"),
        (401, 'Bearer realm="mine", error="insufficient_scope"', "names error 'insufficient_scope'"),
    ],
)
def test_check_names_what_is_wrong(status: int, challenge: object, problem: str) -> None:
    owed = POLICY.expect(POLICY.token(claims={"iss": "x"}), "/private")
    with pytest.raises(AssertionError, match=f"Rule 6, iss: .*; got .*{problem}"):
        owed.check(status, challenge)


def test_check_accepts_the_answers_rfc_6750_allows() -> None:
    invalid = POLICY.expect(POLICY.token(claims={"iss": "x"}), "/private")
    invalid.check(401, 'Bearer realm="mine"')  # the error attribute is a SHOULD
    invalid.check(401, 'Bearer realm="mine", error="invalid_token", error_description="iss"')
    invalid.check(401)
    forbidden = POLICY.expect(POLICY.token(scope=""), "/read")
    forbidden.check(403, None)  # a 403 needs no challenge
    POLICY.expect(None, "/private").check(401, 'Bearer realm="mine"')
    with pytest.raises(AssertionError, match="names error 'invalid_token'"):
        POLICY.expect(None, "/private").check(401, 'Bearer realm="mine", error="invalid_token"')


def test_parse_judges_a_token_received_from_a_tenant() -> None:
    with IssuerServer(audience="urn:api") as server:
        served = APIPolicy.of(server, endpoints={"/read": "read:messages"})
        minted = server.issuer.mint()
        token = served.parse(minted)
        assert str(token) == minted and served.expect(token, "/read").status == 200
        forged = served.parse(
            server.issuer.mint(key=server.issuer.new_key(kid=server.issuer.signing_key.kid))
        )
        assert served.expect(forged, "/read").rule == 5
        assert served.expect(served.parse(server.issuer.mint(alg="HS256", secret=b"k")), "/read").rule == 3
    for text in ("a.b", "a.b.c.d", "e30.e30.!!!", "e30=.e30.e30"):
        with pytest.raises(ValueError, match="rule 2"):
            served.parse(text)


def test_of_takes_a_tenants_keys_signing_key_first() -> None:
    issuer = FakeIssuer("https://other.example/", keys=2)
    policy = APIPolicy.of(issuer, endpoints={"/x": None})
    assert policy.signing_key is issuer.signing_key
    assert [key.kid for key in policy.oracle_keys] == [issuer.keys[1].kid, issuer.keys[0].kid]
    assert policy.expect(policy.token(), "/x").status == 200
    assert "Token(header=" in repr(policy.token())


@settings(max_examples=40, deadline=None)
@given(token=POLICY.valid_tokens())
def test_valid_tokens_are_valid_for_pyjwt_with_rfc_9068_claims(token: Token) -> None:
    assert decode(token)["iss"] == "https://tenant.example/"
    assert POLICY.expect(token, "/private").status == 200
    assert isinstance(token.spec.header, dict) and token.spec.header["typ"] in POLICY.typs


@settings(max_examples=40, deadline=None)
@given(token=POLICY.claim_tokens())
def test_claim_tokens_keep_their_verdict_through_the_window(token: Token) -> None:
    # Judged at the instant drawn and ``window`` seconds on: the answer owed does not change.
    later = Token(token.spec, token.now + POLICY.window, str(token))
    assert POLICY.judge(later).rule == POLICY.judge(token).rule
    assert token.spec.header == {"alg": "RS256", "typ": "at+jwt", "kid": POLICY.signing_key.kid}


@settings(max_examples=30, deadline=None)
@given(token=POLICY.tokens())
def test_any_token_gets_one_of_the_answers_rfc_6750_names(token: Token) -> None:
    for endpoint in ("/private", "/read"):
        owed = POLICY.expect(token, endpoint)
        assert (owed.status, owed.error) in {(200, None), (401, "invalid_token"), (403, "insufficient_scope")}
        assert (owed.rule is None) == (owed.status != 401)


@settings(max_examples=30, deadline=None)
@given(pair=POLICY.authorizations())
def test_authorizations_carry_the_token(pair: tuple[str, Token]) -> None:
    value, token = pair
    owed = POLICY.expect(token, "/private", authorization=value)
    scheme, _, rest = value.strip(" \t").partition(" ")
    accepted = scheme.lower() == "bearer" and rest.lstrip(" ") == token  # RFC 6750 §2.1, 1*SP
    assert (owed.status, owed.rule) == ((200, None) if accepted else (401, owed.rule))
    assert accepted or owed.rule in (1, 2)


def test_dropped_claims_and_foreign_key_types_are_judged() -> None:
    assert "jti" not in POLICY.token(drop=["jti"]).spec.claims  # type: ignore[operator]
    ec = generate_ec_key("test_api#ec", kid="ec-1")
    policy = APIPolicy("https://tenant.example/", "urn:api", {"/x": None}, keys=[TENANT.signing_key, ec])
    token = TENANT.mint(key=ec, alg="ES256", claims={"aud": "urn:api"})
    assert policy.expect(policy.parse(token), "/x").rule == 3  # ES256 is not allowed (and cannot verify)
    assert policy.parse(token).spec.signing.key is None


def test_hypothesis_prints_a_token_as_its_claims() -> None:
    token = POLICY.token(now=NOW)
    assert pretty(token) == repr(token)
    assert f"at={NOW}" in pretty(token) and "'iss': 'https://tenant.example/'" in pretty(token)


ORG_POLICY = APIPolicy(
    issuer="https://tenant.example/",
    audience="urn:api",
    endpoints={"/private": None, "/read": "read:x"},
    organization="org_9xY",
)


def test_the_organization_is_off_by_default_and_rule_11_when_set() -> None:
    assert POLICY.organization is None and POLICY.oracle.organization is None
    assert POLICY.expect(POLICY.token(claims={"org_id": 5}), "/private").status == 200
    assert ORG_POLICY.oracle.organization == "org_9xY"
    token = ORG_POLICY.token()
    assert decode_org(token) == "org_9xY"  # a valid token carries the Organization
    assert ORG_POLICY.expect(token, "/read").status == 200
    for org_id in ("org_other", "ORG_9XY", "org_9xY ", 5, None, ["org_9xY"]):
        owed = ORG_POLICY.expect(ORG_POLICY.token(claims={"org_id": org_id}), "/read")
        assert (owed.status, owed.error, owed.rule) == (401, "invalid_token", 11), org_id
    missing = ORG_POLICY.expect(ORG_POLICY.token(drop=["org_id"]), "/private")
    assert (missing.status, missing.rule, missing.reason) == (401, 11, "org_id is missing")
    assert (
        str(missing)
        == "/private owes 401 invalid_token (Rule 11, org_id (Auth0 Organizations): org_id is missing)"
    )


def decode_org(token: str) -> object:
    """The ``org_id`` claim PyJWT reads from ``token`` (no signature check: the key is the tenant's)."""
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims.get("org_id")


@settings(max_examples=25, deadline=None)
@given(token=ORG_POLICY.valid_tokens())
def test_valid_tokens_carry_the_organization(token: Token) -> None:
    assert ORG_POLICY.judge(token).rule is None
    assert decode_org(token) == "org_9xY"


@settings(max_examples=50, deadline=None)
@given(token=ORG_POLICY.claim_tokens())
def test_claim_tokens_are_judged_by_rule_11(token: Token) -> None:
    org_id = decode_org(token)
    org_ok = isinstance(org_id, str) and org_id == "org_9xY"
    rule = ORG_POLICY.judge(token).rule
    assert org_ok or rule is not None  # a wrong org_id never makes a valid token
    assert rule != 11 or not org_ok  # and rule 11 is named only for a wrong one


def test_claim_tokens_vary_org_id() -> None:
    varied = find(
        ORG_POLICY.claim_tokens(),
        lambda token: decode_org(token) != "org_9xY",
        settings=settings(database=None, deadline=None, max_examples=500),
    )
    assert decode_org(varied) != "org_9xY"


@pytest.mark.parametrize("strategy", ["valid_tokens", "claim_tokens", "tokens", "authorizations"])
def test_a_strategy_built_in_the_test_body_draws_alike_as_the_clock_moves(strategy: str) -> None:
    # Built inside the test (data.draw(policy.claim_tokens())), a strategy is built anew for each
    # example, here a second later each time: Hypothesis's choices must not depend on the instant, or
    # replaying an example fails with FlakyStrategyDefinition.
    ticking = dataclasses.replace(POLICY, clock=itertools.count(NOW).__next__)

    @settings(max_examples=100, derandomize=True, database=None)
    @given(data=st.data())
    def draws(data: st.DataObject) -> None:
        data.draw(getattr(ticking, strategy)())

    draws()
