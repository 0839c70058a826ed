"""Hypothesis strategies for an ``APIPolicy``: tokens drawn at the clock's time (RFC 7519, RFC 9068 §2.2).

Each token is built for the instant it is drawn and kept only if the oracle's verdict on it still
holds ``policy.window`` seconds later, so a test whose API reads the real clock gets the answer the
oracle owes even if seconds pass between drawing and sending. Extra ``fake-issuer[hypothesis]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from fake_issuer.extras import missing_extra
from fake_issuer.policy import strategies as drawn
from fake_issuer.policy.oracle import judge
from fake_issuer.policy.spec import KeyRing, Signing, TokenSpec, key_ring, without_absent

try:
    from hypothesis import strategies as st
except ImportError as error:  # the strategies are the [hypothesis] extra
    raise ImportError(missing_extra("hypothesis", "fake_issuer.policy.drawing")) from error

if TYPE_CHECKING:
    from fake_issuer.policy.api import APIPolicy

SearchStrategy = st.SearchStrategy
#: Claim names a validator may not know and must ignore (RFC 7519 §4.3: collision-resistant names).
PRIVATE_NAMES = ("https://claims.example/roles", "https://claims.example/org", "x_tenant", "x_note")
#: Registered claims ``claim_tokens`` varies (``jti`` and ``client_id`` stay valid strings), and
#: ``org_id`` too when the policy names an Organization (rule 11).
VARIED = ("iss", "sub", "aud", "exp", "nbf", "iat")


def private_claims() -> SearchStrategy[dict[str, object]]:
    """Claims with collision-resistant names and any JSON value (RFC 7519 §4.3)."""
    return st.dictionaries(st.sampled_from(PRIVATE_NAMES), drawn.json_values(), max_size=2)


def scope_values(policy: APIPolicy) -> SearchStrategy[str]:
    """``scope`` strings (RFC 8693 §4.2): subsets of the endpoints' scopes with other scopes around."""
    others = ["openid", "profile", "write:other"]
    words = st.lists(st.sampled_from([*policy.scopes, *others]), unique=True, max_size=4)
    return words.map(" ".join)


Drawn = SearchStrategy[tuple[TokenSpec, int]]
#: The NumericDate claims (RFC 7519 §2), shifted to the instant a token is drawn.
TIMES = ("exp", "nbf", "iat")


def _shifted(spec: TokenSpec, delta: int) -> TokenSpec:
    """``spec`` with every numeric ``exp``/``nbf``/``iat`` moved ``delta`` seconds (raw payloads stay)."""
    if not delta or not isinstance(spec.claims, dict):
        return spec
    claims = {
        name: value + delta
        if name in TIMES and isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in spec.claims.items()
    }
    return replace(spec, claims=claims)


def _stable(policy: APIPolicy, build: Callable[[int], SearchStrategy[TokenSpec]]) -> Drawn:
    """``(spec, now)``: specs built around one instant, moved to the clock's time when drawn, and kept
    when the oracle's verdict holds ``window`` seconds later (times are relative, so replays agree)."""
    built_at = policy.now()

    def at_now(spec: TokenSpec) -> tuple[TokenSpec, int]:
        now = policy.now()
        return _shifted(spec, now - built_at), now

    def steady(drawn: tuple[TokenSpec, int]) -> bool:
        spec, now = drawn
        return judge(spec, policy.oracle, now).rule == judge(spec, policy.oracle, now + policy.window).rule

    return build(built_at).map(at_now).filter(steady)


def valid_tokens(policy: APIPolicy) -> Drawn:
    """Tokens any correct validator accepts: RFC 9068 claims and header, string or list ``aud``."""
    key = policy.signing_key

    @st.composite
    def specs(draw: st.DrawFn, now: int) -> TokenSpec:
        claims = policy.valid_claims(now, scope=draw(scope_values(policy)))
        claims["iat"] = now - draw(st.integers(0, 3600))
        claims["exp"] = now + draw(st.integers(policy.window + 1, 7 * 86400))
        claims["jti"] = str(draw(st.uuids()))
        if draw(st.booleans()):
            claims["nbf"] = now - draw(st.integers(0, 3600))
        if draw(st.booleans()):
            extra = draw(st.lists(st.sampled_from(["https://other.example/", "urn:other"]), max_size=2))
            claims["aud"] = [*extra, policy.audience]
        header = {"alg": "RS256", "typ": draw(st.sampled_from(list(policy.typs))), "kid": key.kid}
        return TokenSpec(header, draw(private_claims()) | claims, Signing("RS256", key=key))

    return _stable(policy, lambda now: specs(now))


def claim_tokens(policy: APIPolicy) -> Drawn:
    """Well-signed tokens with a few registered claims replaced by any of their values, or removed."""
    key = policy.signing_key
    header = {"alg": "RS256", "typ": policy.typs[0], "kid": key.kid}
    scopes = st.sampled_from(policy.scopes or [""]).flatmap(lambda scope: drawn.scopes(scope=scope))

    def build(now: int) -> SearchStrategy[TokenSpec]:
        strategies = drawn.claim_strategies(policy=policy.oracle, now=now)
        strategies["sub"] = st.one_of(drawn.texts(), drawn.wrong_types(like="client@clients"))
        strategies["scope"] = st.one_of(scope_values(policy), scopes)

        varied = [*VARIED, "scope", *strategies.keys() & {"org_id"}]  # org_id: with an Organization

        @st.composite
        def specs(draw: st.DrawFn) -> TokenSpec:
            claims = policy.valid_claims(now, scope=draw(scope_values(policy)))
            for name in draw(st.lists(st.sampled_from(varied), unique=True, max_size=3)):
                claims[name] = draw(strategies[name])
            return TokenSpec(header, without_absent(claims), Signing("RS256", key=key))

        return specs()

    return _stable(policy, build)


def any_tokens(policy: APIPolicy) -> Drawn:
    """Tokens with claims, header, encodings and signature spoiled (``strategies.token_specs``)."""
    standard = key_ring(policy.issuer)  # an attacker's key, a weak and an EC key beside the signing key
    ring = KeyRing(policy.signing_key, standard.foreign, standard.weak, standard.ec)
    return _stable(policy, lambda now: drawn.token_specs(policy=policy.oracle, ring=ring, now=now))


def authorization_values(token: str) -> SearchStrategy[str]:
    """``Authorization`` values around ``token``: scheme case, spacing, other schemes, extra tokens."""
    return drawn.authorizations(tokens=st.just(token))
