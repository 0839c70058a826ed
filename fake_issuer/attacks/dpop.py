"""DPoP attacks (RFC 9449 §4.3, §7, §8-§9, §11; RFC 7638 §3): forged, stale, replayed and stray proofs.

Each entry sends ``Authorization: DPoP <token>`` (or Bearer, for §7.2) with a token bound to the
client's proof key and the proofs the attack makes for the method and URL of each endpoint. The
expected outcomes are those of the project's policy (docs/validation-policy.md, "DPoP") with
``AUTH0_DPOP=allowed``, the default: a failing proof check is ``401 invalid_dpop_proof``, a token
problem ``401 invalid_token``, both with the DPoP challenge followed by Bearer's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fake_issuer.attacks.catalog import Build, Expected, Proofs, Request, attack
from fake_issuer.attacks.forgery import ATTACKER_JWKS_URL, ATTACKER_ORIGIN
from fake_issuer.dpop import DPOP_ALGORITHMS, access_token_hash, generate_dpop_key
from fake_issuer.issuer import FakeIssuer
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.policy.contract import Scheme
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE, INVALID_TOKEN, OK, Outcome
from fake_issuer.tokens import Signer

#: The challenge every answer to a DPoP-scheme request carries under ``AUTH0_DPOP=allowed``.
DPOP_ALLOWED = Scheme("DPoP", DPOP_ALGORITHMS, with_bearer=True)
INVALID_PROOF = Outcome(401, "invalid_dpop_proof")
#: The default ``iat`` window: 300 s back plus 30 s of leeway either way (RFC 9449 §11.1).
OLDEST, NEWEST = 330, 30


def client_key() -> SigningKey:
    """The client's proof key (P-256, cached per process)."""
    return generate_dpop_key("ES256", label="attacks")


def thief_key() -> SigningKey:
    """Another client's proof key: what a thief holding a stolen token signs with."""
    return generate_dpop_key("ES256", label="attacks#thief")


def proof_rejected(check: int) -> Expected:
    """401 ``invalid_dpop_proof`` on both endpoints: proof check ``check`` fails."""
    return Expected(INVALID_PROOF, INVALID_PROOF, f"DPoP check {check}", DPOP_ALLOWED)


def token_rejected() -> Expected:
    """401 ``invalid_token`` on both endpoints with the DPoP challenge: the token or its binding fails."""
    return Expected(INVALID_TOKEN, INVALID_TOKEN, "DPoP check 8", DPOP_ALLOWED)


def dpop_accepted() -> Expected:
    """200 on both endpoints: a DPoP request that must keep working."""
    return Expected(OK, OK, "", DPOP_ALLOWED)


def _request(
    *,
    scheme: str = "DPoP",
    bound_to: Callable[[], SigningKey] | None = client_key,
    key: Callable[[], SigningKey] = client_key,
    htu_for: Callable[[str], str] | None = None,
    scope: str | None = None,
    count: int = 1,
    replay: bool = False,
    settings: dict[str, object] | None = None,
    **options: Any,
) -> Build:
    """A builder: a token bound to ``bound_to``'s key and, per URL, ``count`` proofs by ``key``.

    ``options`` go to ``FakeIssuer.dpop_proof`` (``fake_issuer.dpop.mint_dpop_proof``); ``htu_for``
    turns the request's URL into the proof's ``htu``.
    """

    def build(issuer: FakeIssuer) -> Request:
        mint: dict[str, Any] = {} if scope is None else {"scope": scope}
        token = issuer.mint(dpop_key=bound_to() if bound_to is not None else None, **mint)
        made = {"access_token": token} | options

        @functools.cache  # the same proofs for the same request: a replay sends them twice
        def proofs(method: str, url: str) -> tuple[str, ...]:
            htu = htu_for(url) if htu_for is not None else url
            return tuple(issuer.dpop_proof(key(), htm=method, htu=htu, **made) for _ in range(count))

        dpop: Proofs = proofs
        return Request(f"{scheme} {token}", token=token, dpop=dpop, replay=replay, settings=settings or {})

    return build


def _at(offset: float) -> Build:
    """A builder whose proof ``iat`` is ``offset`` seconds from the tenant's clock."""

    def build(issuer: FakeIssuer) -> str | Request:
        return _request(iat=issuer.clock() + offset)(issuer)

    return build


def _weak() -> SigningKey:
    return generate_rsa_key("attacks:dpop-weak", bits=1024)


def _p384() -> SigningKey:
    return generate_dpop_key("ES384", label="attacks")


attack("dpop-valid", "a valid DPoP request: bound token, ES256 proof", "RFC 9449 §7.1", dpop_accepted())(
    _request()
)
attack(
    "dpop-scheme-lower-case", "the scheme written 'dpop'", "RFC 9110 §11.1; RFC 9449 §7.1", dpop_accepted()
)(_request(scheme="dpop"))
attack(
    "dpop-without-scope",
    "a valid DPoP request whose token lacks read:messages",
    "RFC 9449 §7.1; RFC 6750 §3.1",
    Expected(OK, INSUFFICIENT_SCOPE, "scope", DPOP_ALLOWED),
)(_request(scope="openid"))
attack("dpop-proof-replay", "the same proof sent twice", "RFC 9449 §11.1", proof_rejected(9))(
    _request(replay=True)
)
attack("dpop-proof-missing", "Authorization: DPoP without a DPoP header", "RFC 9449 §7.1", proof_rejected(1))(
    _request(count=0)
)
attack(
    "dpop-two-headers",
    "two DPoP headers, both valid proofs",
    "RFC 9449 §4.3 point 1",
    Expected(Outcome(400, "invalid_request"), Outcome(400, "invalid_request"), "DPoP check 1", DPOP_ALLOWED),
)(_request(count=2))
attack("dpop-typ-jwt", "proof typ JWT instead of dpop+jwt", "RFC 9449 §4.3 point 4", proof_rejected(3))(
    _request(header={"typ": "JWT"})
)
attack("dpop-alg-none", "proof with alg none and no signature", "RFC 9449 §4.3 point 5", proof_rejected(3))(
    _request(alg="none")
)
attack(
    "dpop-hs256-symmetric-jwk",
    "proof signed HS256 with a symmetric (oct) jwk it carries",
    "RFC 9449 §4.3 point 5; RFC 7518 §6.4",
    proof_rejected(3),
)(
    _request(
        header={"alg": "HS256", "jwk": {"kty": "oct", "k": "c2VjcmV0"}},
        signer=Signer("HS256", secret=b"secret"),
    )
)
attack(
    "dpop-private-key-in-jwk",
    "proof jwk carrying the private key (d)",
    "RFC 9449 §4.3 point 7; RFC 7517 §4",
    proof_rejected(3),
)(_request(embed_private=True))
attack("dpop-jwk-missing", "proof without a jwk header", "RFC 9449 §4.3 point 6", proof_rejected(3))(
    _request(drop_header=("jwk",))
)
attack(
    "dpop-jwk-weak-rsa",
    "proof RS256 with a 1024-bit RSA jwk",
    "RFC 9449 §4.3 point 6; RFC 7518 §3.3",
    proof_rejected(3),
)(_request(bound_to=_weak, key=_weak))
attack(
    "dpop-jwk-wrong-curve",
    "proof alg ES256 with a P-384 jwk",
    "RFC 9449 §4.3 point 6; RFC 7518 §3.4",
    proof_rejected(3),
)(_request(bound_to=_p384, key=_p384, alg="ES256"))
attack(
    "dpop-jku",
    "proof header jku pointing at the attacker's JWKS",
    "RFC 9449 §4.3 point 6; RFC 8725 §3.10",
    proof_rejected(3),
)(_request(header={"jku": ATTACKER_JWKS_URL}))
attack(
    "dpop-jwk-of-another-key",
    "proof jwk is the client's key, signed by the thief's",
    "RFC 9449 §4.3 point 7; RFC 7515 §5.2",
    proof_rejected(4),
)(_request(signer=Signer("ES256", key=thief_key())))
attack("dpop-htm-wrong", "proof htm POST for a GET", "RFC 9449 §4.3 point 8", proof_rejected(5))(
    _request(claims={"htm": "POST"})
)
attack(
    "dpop-htm-lower-case",
    "proof htm 'get' for a GET",
    "RFC 9449 §4.3 point 8; RFC 9110 §9.1",
    proof_rejected(5),
)(_request(claims={"htm": "get"}))
attack("dpop-htu-other-path", "proof htu naming /api/public", "RFC 9449 §4.3 point 9", proof_rejected(5))(
    _request(htu_for=lambda url: url.rsplit("/api/", 1)[0] + "/api/public")
)
attack(
    "dpop-htu-other-origin", "proof htu on the attacker's origin", "RFC 9449 §4.3 point 9", proof_rejected(5)
)(_request(htu_for=lambda url: ATTACKER_ORIGIN + "/api/" + url.rsplit("/api/", 1)[1]))
attack(
    "dpop-htu-with-query",
    "proof htu with a query and fragment: compared without them",
    "RFC 9449 §4.3 point 9",
    dpop_accepted(),
)(_request(htu_for=lambda url: url + "?page=2#top"))
attack(
    "dpop-iat-stale",
    "proof iat 331 s old (window 300 s + 30 s)",
    "RFC 9449 §4.3 point 11; §11.1",
    proof_rejected(5),
)(_at(-OLDEST - 1))
attack("dpop-iat-future", "proof iat 31 s ahead (leeway 30 s)", "RFC 9449 §4.3 point 11", proof_rejected(5))(
    _at(NEWEST + 1)
)
attack("dpop-jti-missing", "proof without jti", "RFC 9449 §4.3 point 10", proof_rejected(5))(
    _request(drop=("jti",))
)
attack("dpop-ath-missing", "proof without ath", "RFC 9449 §4.3 point 12", proof_rejected(6))(
    _request(drop=("ath",))
)
attack(
    "dpop-proof-for-another-token",
    "proof whose ath is another genuine token's",
    "RFC 9449 §4.3 point 12; §9",
    proof_rejected(6),
)(_request(claims={"ath": access_token_hash("another.access.token")}))
attack(
    "dpop-cnf-jkt-mismatch",
    "token bound to another key than the proof's",
    "RFC 9449 §4.3 point 12; RFC 7638 §3",
    token_rejected(),
)(_request(bound_to=thief_key))
attack("dpop-token-unbound", "token without cnf sent with a proof", "RFC 9449 §7.1; §6.1", token_rejected())(
    _request(bound_to=None)
)
attack(
    "dpop-bound-token-as-bearer",
    "DPoP-bound token sent as Bearer (a stolen token without its key)",
    "RFC 9449 §7.2",
    Expected(INVALID_TOKEN, INVALID_TOKEN, "RFC 9449 §7.2"),
)(_request(scheme="Bearer", count=0))
attack(
    "dpop-nonce-missing",
    "no nonce while the API requires one (AUTH0_DPOP_NONCE=1)",
    "RFC 9449 §8, §9",
    Expected(Outcome(401, "use_dpop_nonce"), Outcome(401, "use_dpop_nonce"), "DPoP check 7", DPOP_ALLOWED),
)(_request(settings={"dpop_nonce": True}))
attack(
    "dpop-nonce-forged",
    "a nonce the API never issued (AUTH0_DPOP_NONCE=1)",
    "RFC 9449 §9",
    Expected(Outcome(401, "use_dpop_nonce"), Outcome(401, "use_dpop_nonce"), "DPoP check 7", DPOP_ALLOWED),
)(_request(settings={"dpop_nonce": True}, nonce="forged-nonce"))
