"""The DPoP oracle says what RFC 9449 §4.3 and §7 say: a request per check, expected values from the text."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from fake_issuer.dpop import DPOP_ALGORITHMS, access_token_hash, key_thumbprint, mint_dpop_proof, proof_jwk
from fake_issuer.policy.contract import (
    BEARER,
    Answer,
    Scheme,
    breaches,
    challenge_matches,
    expected_challenge,
)
from fake_issuer.policy.dpop import (
    INVALID_PROOF,
    INVALID_REQUEST,
    ORIGIN,
    USE_NONCE,
    DPoPPolicy,
    DPoPRequest,
    Mode,
    bad_proof_key,
    challenge_of,
    dpop_challenges,
    judge_dpop,
    normalized_uri,
    presented_hash,
)
from fake_issuer.policy.oracle import (
    INSUFFICIENT_SCOPE,
    INVALID_TOKEN,
    NO_CREDENTIALS,
    OK,
    PRIVATE,
    PUBLIC,
    SCOPED,
    Outcome,
)
from fake_issuer.policy.proofs import bound_token_spec, proof_keys, proof_spec
from fake_issuer.policy.spec import ABSENT, Signing, TokenSpec
from tests.fake_issuer.policy.builders import NOW, POLICY, RING

KEYS = proof_keys()
URL = ORIGIN + PRIVATE
ALLOWED = DPoPPolicy()


def request(
    *,
    proof: dict[str, object] | None = None,
    header: dict[str, object] | None = None,
    signing: Signing | None = None,
    token: dict[str, object] | None = None,
    alg: str = "ES256",
    count: int = 1,
    scheme: str | None = "DPoP",
    url: str = URL,
) -> DPoPRequest:
    """A valid DPoP request to ``url`` with the given changes (``ABSENT`` drops a member)."""
    key = KEYS.usable[alg]
    access = bound_token_spec(POLICY, RING, NOW, key=key, claims=token)
    spec = proof_spec(
        key,
        htm="GET",
        htu=url,
        iat=NOW,
        jti="j1",
        alg=alg,
        access_token=access.encode(),
        claims=proof,
        header=header,
        signing=signing,
    )
    second = proof_spec(key, htm="GET", htu=url, iat=NOW, jti="j2", alg=alg, access_token=access.encode())
    return DPoPRequest(access, (spec, second)[:count], scheme=scheme, url=url)


CASES: list[tuple[str, Callable[[], DPoPRequest], Outcome, str | None]] = [
    ("valid ES256", lambda: request(), OK, None),
    ("valid ES384", lambda: request(alg="ES384"), OK, None),
    ("valid RS256", lambda: request(alg="RS256"), OK, None),
    ("valid PS256", lambda: request(alg="PS256"), OK, None),
    ("scheme in any case", lambda: request(scheme="dPoP"), OK, None),
    ("no DPoP header", lambda: request(count=0), INVALID_PROOF, "proof 1: one DPoP header"),
    ("two DPoP headers", lambda: request(count=2), INVALID_REQUEST, "proof 1: one DPoP header"),
    ("DPoP without a token", lambda: DPoPRequest(None, (), scheme="DPoP"), INVALID_TOKEN, "authorization"),
    (
        "header not JSON",
        lambda: request(signing=Signing("ES256", key=KEYS.es256, tamper="padding")),
        INVALID_PROOF,
        "proof 2: compact JWS",
    ),
    ("typ JWT", lambda: request(header={"typ": "JWT"}), INVALID_PROOF, "proof 3: header"),
    ("typ upper case", lambda: request(header={"typ": "DPOP+JWT"}), OK, None),
    (
        "alg none",
        lambda: request(header={"alg": "none"}, signing=Signing("none")),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "alg HS256",
        lambda: request(header={"alg": "HS256"}, signing=Signing("HS256", secret=b"s")),
        INVALID_PROOF,
        "proof 3: header",
    ),
    ("jwk missing", lambda: request(header={"jwk": ABSENT}), INVALID_PROOF, "proof 3: header"),
    ("jwk not an object", lambda: request(header={"jwk": "k"}), INVALID_PROOF, "proof 3: header"),
    (
        "jwk private",
        lambda: request(header={"jwk": proof_jwk(KEYS.es256, embed_private=True)}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "jwk wrong curve",
        lambda: request(header={"jwk": proof_jwk(KEYS.es384)}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "jwk lacks y",
        lambda: request(header={"jwk": {"kty": "EC", "crv": "P-256", "x": "AA"}}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "RSA jwk for ES256",
        lambda: request(header={"jwk": proof_jwk(KEYS.rsa)}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "EC jwk for RS256",
        lambda: request(alg="RS256", header={"jwk": proof_jwk(KEYS.es256)}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    (
        "weak RSA jwk",
        lambda: request(alg="RS256", header={"jwk": proof_jwk(KEYS.weak)}),
        INVALID_PROOF,
        "proof 3: header",
    ),
    ("jku", lambda: request(header={"jku": "https://a.example/"}), INVALID_PROOF, "proof 3: header"),
    ("kid ignored", lambda: request(header={"kid": "k"}), OK, None),
    (
        "tampered",
        lambda: request(signing=Signing("ES256", key=KEYS.es256, tamper="flip_bit")),
        INVALID_PROOF,
        "proof 4: signature",
    ),
    (
        "another key signs",
        lambda: request(signing=Signing("ES256", key=KEYS.other)),
        INVALID_PROOF,
        "proof 4: signature",
    ),
    (
        "PS256 under RS256",
        lambda: request(alg="RS256", signing=Signing("PS256", key=KEYS.rsa)),
        INVALID_PROOF,
        "proof 4: signature",
    ),
    ("jti empty", lambda: request(proof={"jti": ""}), INVALID_PROOF, "proof 5: jti, htm, htu, iat"),
    ("htm post", lambda: request(proof={"htm": "get"}), INVALID_PROOF, "proof 5: jti, htm, htu, iat"),
    (
        "htu other",
        lambda: request(proof={"htu": ORIGIN + SCOPED}),
        INVALID_PROOF,
        "proof 5: jti, htm, htu, iat",
    ),
    ("htu port and query", lambda: request(proof={"htu": "HTTP://TestServer:80/api/private?a#b"}), OK, None),
    ("iat oldest", lambda: request(proof={"iat": NOW - 330}), OK, None),
    (
        "iat too old",
        lambda: request(proof={"iat": NOW - 330.5}),
        INVALID_PROOF,
        "proof 5: jti, htm, htu, iat",
    ),
    ("iat newest", lambda: request(proof={"iat": NOW + 30}), OK, None),
    ("iat too new", lambda: request(proof={"iat": NOW + 31}), INVALID_PROOF, "proof 5: jti, htm, htu, iat"),
    ("iat a string", lambda: request(proof={"iat": str(NOW)}), INVALID_PROOF, "proof 5: jti, htm, htu, iat"),
    ("iat missing", lambda: request(proof={"iat": ABSENT}), INVALID_PROOF, "proof 5: jti, htm, htu, iat"),
    ("ath missing", lambda: request(proof={"ath": ABSENT}), INVALID_PROOF, "proof 6: ath"),
    ("token expired", lambda: request(token={"exp": NOW - 61}), INVALID_TOKEN, "token: rule 8"),
    ("token unbound", lambda: request(token={"cnf": ABSENT}), INVALID_TOKEN, "token: cnf.jkt"),
    (
        "token bound elsewhere",
        lambda: request(token={"cnf": {"jkt": key_thumbprint(KEYS.other)}}),
        INVALID_TOKEN,
        "token: cnf.jkt",
    ),
    ("Bearer, bound", lambda: request(scheme="Bearer"), INVALID_TOKEN, "token: cnf.jkt"),
    ("Bearer, unbound", lambda: request(scheme="Bearer", token={"cnf": ABSENT}), OK, None),
    (
        "Bearer, expired",
        lambda: request(scheme="Bearer", token={"exp": NOW - 61}),
        INVALID_TOKEN,
        "token: rule 8",
    ),
    ("Bearer alone", lambda: DPoPRequest(None, (), scheme="Bearer"), INVALID_TOKEN, "authorization"),
    ("another scheme", lambda: request(scheme="Basic"), NO_CREDENTIALS, "scheme"),
    ("no Authorization", lambda: request(scheme=None), NO_CREDENTIALS, "scheme"),
]


@pytest.mark.parametrize(("build", "wanted", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_decides_as_the_policy_says(
    build: Callable[[], DPoPRequest], wanted: Outcome, check: str | None
) -> None:
    verdict = judge_dpop(build(), POLICY, ALLOWED, NOW)
    assert (verdict.outcome, verdict.check) == (wanted, check), verdict.reason


def test_the_modes_classify_schemes_as_the_contract_says() -> None:
    required, disabled = DPoPPolicy(mode="required"), DPoPPolicy(mode="disabled")
    bearer = request(scheme="Bearer", token={"cnf": ABSENT})
    assert judge_dpop(bearer, POLICY, required, NOW).outcome == INVALID_TOKEN
    assert judge_dpop(bearer, POLICY, required, NOW).challenge == "dpop"
    assert judge_dpop(request(scheme=None), POLICY, required, NOW).challenge == "dpop"
    assert judge_dpop(request(), POLICY, disabled, NOW).outcome == NO_CREDENTIALS
    assert judge_dpop(request(), POLICY, disabled, NOW).challenge == "bearer"
    assert judge_dpop(request(scheme="Bearer"), POLICY, disabled, NOW).outcome == INVALID_TOKEN
    assert judge_dpop(request(url=ORIGIN + PUBLIC, count=2), POLICY, required, NOW).outcome == OK


def test_scope_is_checked_before_the_replay_and_only_a_success_records() -> None:
    scoped = request(url=ORIGIN + SCOPED, token={"scope": "openid"})
    verdict = judge_dpop(scoped, POLICY, ALLOWED, NOW)
    assert (verdict.outcome, verdict.records) == (INSUFFICIENT_SCOPE, None)
    first = judge_dpop(request(), POLICY, ALLOWED, NOW)
    assert first.records == (key_thumbprint(KEYS.es256), "j1")
    assert judge_dpop(request(), POLICY, ALLOWED, NOW, seen={first.records}).check == "proof 9: replay"
    other = judge_dpop(request(alg="ES384"), POLICY, ALLOWED, NOW, seen={first.records})
    assert other.outcome == OK  # the same jti under another key is another pair


def test_nonces_when_on() -> None:
    on = DPoPPolicy(nonce=True)
    assert judge_dpop(request(), POLICY, on, NOW).outcome == USE_NONCE
    assert judge_dpop(request(proof={"nonce": ["n"]}), POLICY, on, NOW, nonces={"n"}).outcome == USE_NONCE
    assert judge_dpop(request(proof={"nonce": "n"}), POLICY, on, NOW, nonces={"n"}).outcome == OK
    assert judge_dpop(request(proof={"nonce": "stale"}), POLICY, ALLOWED, NOW).outcome == OK


def test_uris_compare_as_rfc_3986_normalizes_them() -> None:
    assert normalized_uri("HTTPS://Example.COM:443/a?b#c") == normalized_uri("https://example.com/a")
    assert normalized_uri("http://example.com:/a") == normalized_uri("http://example.com/a")
    assert normalized_uri("http://example.com:8080/a") != normalized_uri("http://example.com/a")
    assert normalized_uri("http://u@example.com/a") != normalized_uri("http://example.com/a")
    assert normalized_uri("http://example.com/A") != normalized_uri("http://example.com/a")
    assert normalized_uri("http://[::1/a") is None and normalized_uri("http://h:99999/") is None


def test_rsa_keys_need_a_decodable_modulus() -> None:
    assert bad_proof_key("RS256", {"kty": "RSA", "e": "AQAB", "n": "A"}) is not None  # not base64url
    assert bad_proof_key("RS256", {"kty": "RSA", "e": "AQAB", "n": 5}) is not None
    assert bad_proof_key("RS256", proof_jwk(KEYS.rsa)) is None


def test_a_proof_spec_is_the_proof_mint_dpop_proof_makes() -> None:
    access = bound_token_spec(POLICY, RING, NOW, key=KEYS.rsa).encode()
    spec = proof_spec(KEYS.rsa, htm="GET", htu=URL, iat=NOW, jti="j", access_token=access)
    assert spec.encode() == mint_dpop_proof(
        KEYS.rsa, htm="GET", htu=URL, iat=NOW, jti="j", access_token=access
    )
    assert isinstance(spec, TokenSpec) and request().authorization == f"DPoP {request().access_token}"
    assert DPoPRequest(None, scheme=None).authorization is None and DPoPRequest(None).access_token == ""
    assert "ath" not in proof_spec(KEYS.es256, htm="GET", htu=URL, iat=NOW, jti="j").claims  # type: ignore[operator]
    assert request(count=2).dpop_headers()[0].count(".") == 2


def test_dpop_challenges_follow_rfc_9449_section_7_1() -> None:
    scheme = dpop_challenges(ALLOWED)
    algs = " ".join(DPOP_ALGORITHMS)
    head = f'DPoP realm="apiexample", algs="{algs}"'
    assert expected_challenge(NO_CREDENTIALS, POLICY, scheme) == head + ', Bearer realm="apiexample"'
    scope = f'{head}, error="insufficient_scope", scope="read:messages"'
    assert (
        expected_challenge(INSUFFICIENT_SCOPE, POLICY, dpop_challenges(DPoPPolicy(mode="required"))) == scope
    )
    described = f'{head}, error="invalid_dpop_proof", error_description="DPoP proof missing"'
    described += ', Bearer realm="apiexample"'
    assert challenge_matches(INVALID_PROOF, described, POLICY, scheme)
    assert not challenge_matches(INVALID_PROOF, described.replace(", Bearer", ", Basic"), POLICY, scheme)
    assert not challenge_matches(INVALID_PROOF, described.replace("DPoP proof missing", ""), POLICY, scheme)
    assert not challenge_matches(INVALID_PROOF, 'Bearer realm="apiexample"', POLICY, scheme)
    assert challenge_of(judge_dpop(request(scheme="Basic"), POLICY, ALLOWED, NOW), ALLOWED) is BEARER
    assert challenge_of(judge_dpop(request(count=0), POLICY, ALLOWED, NOW), ALLOWED) == scheme


def test_use_dpop_nonce_owes_a_dpop_nonce_header() -> None:
    scheme = Scheme("DPoP", DPOP_ALGORITHMS)
    challenge = str(expected_challenge(USE_NONCE, POLICY, scheme)) + 'fresh"'
    body = {"error": "use_dpop_nonce", "error_description": "fresh"}
    assert breaches(Answer(401, challenge, body, "n0nce"), USE_NONCE, POLICY, scheme) == []
    assert breaches(Answer(401, challenge, body), USE_NONCE, POLICY, scheme) == [
        "use_dpop_nonce without a DPoP-Nonce header"
    ]


def raw(value: str) -> DPoPRequest:
    """A valid DPoP request whose ``Authorization`` is ``value``, ``{token}`` standing for its token."""
    built = request()
    return dataclasses.replace(built, raw_authorization=value.replace("{token}", built.access_token))


@pytest.mark.parametrize(
    ("value", "mode", "wanted", "challenge"),
    [
        # Rule 1's spacing (docs/validation-policy.md, DPoP): 1*SP, the scheme in any case, and
        # whitespace around the value not part of it (RFC 9110 §11.1, §11.4, §5.5).
        ("DPoP   {token}", "allowed", OK, "dpop"),
        (" \tdpop {token} \t", "required", OK, "dpop"),
        # Another scheme, as rule 1's Bearer<TAB>token: no credentials (the bare challenge of the mode).
        ("DPoP\t{token}", "allowed", NO_CREDENTIALS, "bearer"),
        ("DPoP\t{token}", "required", NO_CREDENTIALS, "dpop"),
        ("DPoP{token}", "allowed", NO_CREDENTIALS, "bearer"),
        # Empty credentials, two tokens: 401 invalid_token (rule 1), with the DPoP challenge.
        ("DPoP", "allowed", INVALID_TOKEN, "dpop"),
        ("dpop   ", "required", INVALID_TOKEN, "dpop"),
        ("DPoP {token} {token}", "allowed", INVALID_TOKEN, "dpop"),
        ("DPoP x y", "required", INVALID_TOKEN, "dpop"),
        # With AUTH0_DPOP=disabled, DPoP is another scheme whatever follows it.
        ("DPoP {token}", "disabled", NO_CREDENTIALS, "bearer"),
        ("DPoP x y", "disabled", NO_CREDENTIALS, "bearer"),
    ],
)
def test_a_raw_dpop_authorization_value_is_read_as_rule_1_says(
    value: str, mode: Mode, wanted: Outcome, challenge: str
) -> None:
    verdict = judge_dpop(raw(value), POLICY, DPoPPolicy(mode=mode), NOW)
    assert (verdict.outcome, verdict.challenge) == (wanted, challenge), verdict.reason


def test_a_raw_authorization_carrying_other_text_is_not_the_requests_token() -> None:
    # The proof's ath is the hash of the token presented (RFC 9449 §4.2): other text fails check 6 ...
    assert judge_dpop(raw("DPoP other"), POLICY, ALLOWED, NOW).check == "proof 6: ath"
    # ... and a text that is not ASCII has no hash an ath could equal, even a missing one.
    assert judge_dpop(raw("DPoP \x80"), POLICY, ALLOWED, NOW).check == "proof 6: ath"
    assert presented_hash("\x80") is None and presented_hash("abc") == access_token_hash("abc")
    no_ath = request(proof={"ath": ABSENT})
    assert judge_dpop(
        dataclasses.replace(no_ath, raw_authorization="DPoP é"), POLICY, ALLOWED, NOW
    ).check == ("proof 6: ath")
    # A proof made for the other text passes check 6; the token presented is still not the request's.
    other = request(proof={"ath": access_token_hash("other")})
    verdict = judge_dpop(dataclasses.replace(other, raw_authorization="DPoP other"), POLICY, ALLOWED, NOW)
    assert (verdict.outcome, verdict.check) == (INVALID_TOKEN, "token")
    # Bearer too: a value around other text is not the token (rule 1, then rule 2 for that text).
    bearer = dataclasses.replace(request(token={"cnf": ABSENT}), raw_authorization="Bearer other")
    verdict = judge_dpop(bearer, POLICY, ALLOWED, NOW)
    assert (verdict.outcome, verdict.check, verdict.challenge) == (INVALID_TOKEN, "token", "bearer")
    spaced = dataclasses.replace(bearer, raw_authorization=f"bearer   {bearer.access_token}")
    assert judge_dpop(spaced, POLICY, ALLOWED, NOW).outcome == OK
