"""Hypothesis strategies for access tokens: claims, header members, encodings, signing (RFC 7519 §4.1).

Each claim strategy draws valid values and every kind of invalid one: missing (``ABSENT``), wrong
JSON type, near-miss strings, times on either side of the leeway. Whether a value is valid is the
oracle's call, never the strategy's; ``token_specs`` starts from a valid Auth0-shaped token and spoils
a few parts, so valid tokens are common and a failure shrinks to the fewest spoiled parts.
"""

from __future__ import annotations

import functools

from fake_issuer.extras import missing_extra

try:
    from hypothesis import strategies as st
except ImportError as error:  # the strategies are the [hypothesis] extra
    raise ImportError(missing_extra("hypothesis", "fake_issuer.policy.strategies")) from error

from fake_issuer.policy.oracle import Policy
from fake_issuer.policy.spec import (
    ABSENT,
    ENCODINGS,
    Encoding,
    KeyRing,
    SigningVariant,
    TokenSpec,
    signing_variants,
    without_absent,
)

SearchStrategy = st.SearchStrategy
#: Unicode look-alikes for ASCII letters (UTS #39 confusables): Cyrillic а, е, о, р, с and a Greek ο.
LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "i": "\u0456"}


@functools.cache
def texts(*, max_size: int = 12) -> SearchStrategy[str]:
    """Any short text that UTF-8 can carry (no lone surrogates; RFC 8259 §8.1)."""
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=max_size)


@functools.cache
def json_values() -> SearchStrategy[object]:
    """Any JSON value (RFC 8259 §3), small: null, booleans, numbers, strings, arrays, objects."""
    scalars = (
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts(), inner, max_size=3),
        max_leaves=6,
    )


def wrong_types(*, like: object) -> SearchStrategy[object]:
    """Values of another JSON type than ``like``'s, including the same text wrapped in an array."""
    return st.sampled_from([None, True, False, 0, 1.5, [like], {"value": like}, [], {}])


def near_misses(*, of: str) -> SearchStrategy[str]:
    """Strings that look like ``of``: case, trailing slash, prefix, superstring, look-alikes, spaces."""
    variants = {
        of.rstrip("/"),
        of + "/",
        of.upper(),
        of.title(),
        of[:-1],
        of + "x",
        " " + of,
        of + " ",
        of + "\t",
        of + "\x00",
    }
    variants |= {of.replace(ascii, lookalike, 1) for ascii, lookalike in LOOKALIKES.items() if ascii in of}
    variants.discard(of)
    return st.sampled_from(sorted(variants))


def absents() -> SearchStrategy[object]:
    """The claim or member left out."""
    return st.just(ABSENT)


def issuers(*, issuer: str) -> SearchStrategy[object]:
    """``iss`` values (RFC 7519 §4.1.1): the issuer, its near misses, wrong types, missing, any text."""
    return st.one_of(st.just(issuer), near_misses(of=issuer), absents(), wrong_types(like=issuer), texts())


def audiences(*, audience: str) -> SearchStrategy[object]:
    """``aud`` values (RFC 7519 §4.1.3): string or list, with or without the audience, mixed types."""
    others = st.lists(st.one_of(near_misses(of=audience), texts()), max_size=3)
    return st.one_of(
        st.just(audience),
        st.tuples(others, others).map(lambda pair: [*pair[0], audience, *pair[1]]),
        others,
        near_misses(of=audience),
        st.lists(json_values(), max_size=2).map(lambda values: [audience, *values]),
        absents(),
        wrong_types(like=audience),
    )


def instants(*, now: int, leeway: int) -> SearchStrategy[object]:
    """NumericDate values (RFC 7519 §2): around ``now`` and the leeway's edges, floats, huge, negative."""
    edges = [now + sign * leeway + step for sign in (-1, 0, 1) for step in (-1, 0, 1)]
    return st.one_of(
        st.sampled_from(edges),
        st.integers(-3 * leeway, 3 * leeway).map(lambda offset: now + offset),
        st.floats(-2.0 * leeway, 2.0 * leeway).map(lambda offset: now + offset),
        st.integers(-(2**70), 2**70),
        st.sampled_from([10**400, -(10**400), 1e308, 0, -1, 0.5]),
    )


def times(*, now: int, leeway: int) -> SearchStrategy[object]:
    """``exp``/``nbf``/``iat`` values: instants, missing, numbers as strings, booleans, non-finite floats."""
    return st.one_of(
        instants(now=now, leeway=leeway),
        absents(),
        st.integers(-leeway, leeway).map(lambda offset: str(now + offset)),
        st.sampled_from([True, False, None, [now], float("nan"), float("inf"), -float("inf")]),
    )


def scopes(*, scope: str) -> SearchStrategy[object]:
    """``scope`` values (RFC 8693 §4.2): lists with or without ``scope``, separators, near misses."""
    words = st.lists(st.sampled_from(["openid", "profile", "write:messages", "read:other"]), max_size=3)
    separators = st.sampled_from([" ", "  ", "\t", ",", ", ", "\n", "+"])
    return st.one_of(
        st.tuples(words, words, st.sampled_from([" ", "  "])).map(lambda t: t[2].join([*t[0], scope, *t[1]])),
        st.tuples(words, separators).map(lambda t: t[1].join([scope, *t[0]])),
        words.map(" ".join),
        near_misses(of=scope),
        st.sampled_from(
            [scope.upper(), scope.replace(":", "_"), scope + ":all", "x" + scope, scope.split(":")[0]]
        ),
        absents(),
        wrong_types(like=scope),
    )


def subjects() -> SearchStrategy[object]:
    """``sub`` values (RFC 7519 §4.1.2): strings, missing, wrong types."""
    return st.one_of(texts(), absents(), wrong_types(like="client@clients"))


def token_ids() -> SearchStrategy[object]:
    """``jti`` values (RFC 7519 §4.1.7): strings, missing, wrong types (never ``null`` in valid claims)."""
    return st.one_of(texts(), absents(), wrong_types(like="a1b2c3"))


#: Claims the policy checks; extra claims never use these names, so they cannot change the verdict.
CHECKED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope"})


def extra_claims() -> SearchStrategy[dict[str, object]]:
    """Unchecked claims with any JSON value (``azp``, ``gty``, ``permissions`` and anything else)."""
    other_names = texts(max_size=6).filter(lambda name: name not in CHECKED_CLAIMS)
    names = st.one_of(st.sampled_from(["azp", "gty", "permissions", "client_id"]), other_names)
    return st.dictionaries(names, json_values(), max_size=3)


def organizations(*, organization: str) -> SearchStrategy[object]:
    """``org_id`` values (rule 11): the Organization, its near misses, wrong types, missing, any text."""
    return st.one_of(
        st.just(organization),
        near_misses(of=organization),
        absents(),
        wrong_types(like=organization),
        texts(),
    )


def claim_strategies(*, policy: Policy, now: int) -> dict[str, SearchStrategy[object]]:
    """The strategy for each registered claim, for ``policy`` at ``now`` (and ``org_id``, rule 11, when
    ``policy`` names an Organization)."""
    leeway = int(policy.leeway)
    strategies: dict[str, SearchStrategy[object]] = {
        "iss": issuers(issuer=policy.issuer),
        "sub": subjects(),
        "aud": audiences(audience=policy.audience),
        "exp": times(now=now, leeway=leeway),
        "nbf": times(now=now, leeway=leeway),
        "iat": times(now=now, leeway=leeway),
        "scope": scopes(scope=policy.required_scope),
        "jti": token_ids(),
        "azp": json_values(),
    }
    if policy.organization is not None:
        strategies["org_id"] = organizations(organization=policy.organization)
    return strategies


def valid_claims(policy: Policy, now: int) -> dict[str, object]:
    """Auth0's client-credentials claims, valid at ``now`` under ``policy`` (the starting point)."""
    claims: dict[str, object] = {
        "iss": policy.issuer,
        "sub": "client@clients",
        "aud": [policy.audience, policy.issuer + "userinfo"],
        "iat": now - 10,
        "exp": now + 3600,
        "scope": f"openid {policy.required_scope}",
        "azp": "client",
        "gty": "client-credentials",
    }
    if policy.organization is not None:
        claims["org_id"] = policy.organization  # Auth0's claim for a token issued for an Organization
    return claims


def claim_sets(*, policy: Policy, now: int) -> SearchStrategy[dict[str, object]]:
    """Claim sets: valid ones with a few claims replaced by any of their values (dependent draws)."""
    strategies = claim_strategies(policy=policy, now=now)
    # scope is always drawn: it alone decides between 200 and 403 on the scoped endpoint.
    scope = strategies.pop("scope")
    spoils = st.lists(st.sampled_from(list(strategies)), unique=True, max_size=4)
    extras = extra_claims()

    @st.composite
    def spoiled_claims(draw: st.DrawFn) -> dict[str, object]:
        claims = valid_claims(policy, now) | {"scope": draw(scope)}
        claims |= {name: draw(strategies[name]) for name in draw(spoils)}
        return without_absent(claims | draw(extras))

    return spoiled_claims()


def algorithms() -> SearchStrategy[object]:
    """``alg`` values (RFC 7518 §3.1): near misses of RS256, other families, ``none``, wrong types."""
    names = [
        "RS384",
        "RS512",
        "PS256",
        "ES256",
        "HS256",
        "HS384",
        "EdDSA",
        "none",
        "None",
        "NONE",
        "rs256",
        "RS256 ",
        "",
    ]
    return st.one_of(st.sampled_from(names), absents(), wrong_types(like="RS256"))


def key_ids(*, ring: KeyRing) -> SearchStrategy[object]:
    """``kid`` values (RFC 7515 §4.1.4): each published kid, an unknown one, near misses, wrong types."""
    published = [key.kid for key in ring.published]
    return st.one_of(
        st.sampled_from([*published, ring.foreign.kid]),
        near_misses(of=ring.issuer.kid),
        absents(),
        wrong_types(like=ring.issuer.kid),
    )


def token_types() -> SearchStrategy[object]:
    """``typ`` values (RFC 7515 §4.1.9, RFC 9068 §2.1): allowed ones in any case, near misses, wrong types."""
    allowed = [
        "JWT",
        "jwt",
        "application/jwt",
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/AT+JWT",
    ]
    wrong = ["JWS", "JOSE", "jwt ", "at+JWT+x", "application/jwt+x", "dpop+jwt", ""]
    return st.one_of(st.sampled_from(allowed), st.sampled_from(wrong), absents(), wrong_types(like="JWT"))


def forbidden_members() -> SearchStrategy[dict[str, object]]:
    """One of ``crit``, ``jku``, ``jwk``, ``x5u``, ``x5c`` (RFC 7515 §4.1.2-§4.1.11), ``zip``: all refused."""
    values: dict[str, list[object]] = {
        "crit": [["exp"], [], "exp"],
        "jku": ["https://attacker.example/jwks.json", ""],
        "jwk": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}, {}],
        "x5u": ["https://attacker.example/cert.pem"],
        "x5c": [["MIIB"], []],
        "zip": ["DEF", ""],  # RFC 7516 §4.1.3: for JWE only
    }
    return st.sampled_from([{name: value} for name, options in values.items() for value in options])


def header_changes(*, ring: KeyRing) -> SearchStrategy[dict[str, object]]:
    """Changes to a good header: members replaced or removed, maybe a forbidden or unknown one added."""
    strategies = {"alg": algorithms(), "kid": key_ids(ring=ring), "typ": token_types()}
    changes = st.lists(st.sampled_from(list(strategies)), unique=True, max_size=2)
    unknown = st.dictionaries(st.sampled_from(["cty", "x-note"]), json_values(), max_size=1)
    extras: SearchStrategy[dict[str, object]] = st.one_of(st.just({}), forbidden_members(), unknown)

    @st.composite
    def changed_headers(draw: st.DrawFn) -> dict[str, object]:
        return {name: draw(strategies[name]) for name in draw(changes)} | draw(extras)

    return changed_headers()


def signings(*, ring: KeyRing) -> SearchStrategy[SigningVariant]:
    """Signing variants: the issuer's key first, then every way a signature can be wrong."""
    return st.sampled_from(list(signing_variants(ring).values()))


def encodings() -> SearchStrategy[Encoding]:
    """How a header or payload object becomes bytes: compact JSON first, then each malformed form."""
    return st.sampled_from(ENCODINGS)


#: The parts of a token ``token_specs`` may spoil, besides the claims (which ``claim_sets`` spoils).
PARTS = ("signature", "header", "header encoding", "payload encoding")


def token_specs(*, policy: Policy, ring: KeyRing, now: int) -> SearchStrategy[TokenSpec]:
    """Whole token specs: a good token with a few parts spoiled (signing, header, encodings, claims)."""
    spoils = st.lists(st.sampled_from(PARTS), unique=True, max_size=2)
    good, variants = signing_variants(ring)["issuer key"], signings(ring=ring)
    changes, claims, forms = header_changes(ring=ring), claim_sets(policy=policy, now=now), encodings()

    @st.composite
    def spoiled_tokens(draw: st.DrawFn) -> TokenSpec:
        spoiled = draw(spoils)
        variant = draw(variants) if "signature" in spoiled else good
        members = {"alg": variant.alg, "typ": "JWT", "kid": variant.kid}
        if "header" in spoiled:
            members = without_absent(members | draw(changes))
        body = draw(claims)
        header = draw(forms).encode(members) if "header encoding" in spoiled else members
        payload = draw(forms).encode(body) if "payload encoding" in spoiled else body
        return TokenSpec(header, payload, variant.signing)

    return spoiled_tokens()


def valid_token_specs(*, policy: Policy, ring: KeyRing, now: int) -> SearchStrategy[TokenSpec]:
    """Token specs the API must accept: the issuer's key, a good header, valid claims plus extras."""
    variant = signing_variants(ring)["issuer key"]
    header = {"alg": variant.alg, "typ": "JWT", "kid": variant.kid}
    return st.builds(
        lambda scope, extra: TokenSpec(
            header, extra | valid_claims(policy, now) | {"scope": scope}, variant.signing
        ),
        st.sampled_from([policy.required_scope, f"openid {policy.required_scope}", "openid"]),
        extra_claims(),
    )


def one_claim_changes(*, policy: Policy, ring: KeyRing, now: int) -> SearchStrategy[TokenSpec]:
    """Good tokens with exactly one registered claim replaced by any of its values (or removed)."""
    strategies = claim_strategies(policy=policy, now=now)
    good = signing_variants(ring)["issuer key"]
    header = {"alg": good.alg, "typ": "JWT", "kid": good.kid}
    changes = st.one_of(*(st.tuples(st.just(name), values) for name, values in strategies.items()))

    def token_with(change: tuple[str, object]) -> TokenSpec:
        name, value = change
        return TokenSpec(header, without_absent(valid_claims(policy, now) | {name: value}), good.signing)

    return changes.map(token_with)


def authorizations(*, tokens: SearchStrategy[str]) -> SearchStrategy[str]:
    """``Authorization`` values (RFC 6750 §2.1): scheme case and spacing around ``tokens``, other schemes."""
    schemes = st.sampled_from(
        ["Bearer", "bearer", "BEARER", "bEaReR", "Basic", "Token", "Bearer:", "Bearertoken", ""]
    )
    spaces = st.sampled_from(["", " ", "  ", "\t", " \t "])
    separators = st.sampled_from([" ", "   ", "\t", ""])
    return st.builds(
        lambda lead, scheme, sep, token, trail, more: f"{lead}{scheme}{sep}{token}{more}{trail}",
        spaces,
        schemes,
        separators,
        tokens,
        spaces,
        st.sampled_from(["", " extra", "  more tokens", ",x"]),
    )
