"""The validation policy of docs/validation-policy.md as a pure function: (spec, policy, endpoint, now).

Written from the policy's text and the RFCs it cites, one small function per rule; it never imports the
API and never calls its validator, so the two can disagree and a test can see it. Times are compared
exactly (``fractions.Fraction``): a float that lands a hair inside the leeway is inside it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from fake_issuer.keys import SigningKey
from fake_issuer.policy.keys import MIN_MODULUS_BITS as MIN_MODULUS_BITS  # re-exported
from fake_issuer.policy.keys import published_by_kid, usable_key
from fake_issuer.policy.keys import unusable_key as unusable_key  # re-exported
from fake_issuer.policy.spec import TokenSpec

PUBLIC, PRIVATE, SCOPED = "/api/public", "/api/private", "/api/private-scoped"
ENDPOINTS = (PUBLIC, PRIVATE, SCOPED)
PROTECTED = (PRIVATE, SCOPED)
#: Header members that bring key material or extensions from the token itself (RFC 8725 §3.10), and
#: ``zip``, which only a JWE may carry (RFC 7516 §4.1.3): a JWS is never compressed.
FORBIDDEN_HEADER_MEMBERS = ("crit", "jku", "jwk", "x5u", "x5c", "zip")
#: ``typ`` values allowed in any case: RFC 7519 §5.1 ``JWT``, RFC 9068 §2.1 ``at+jwt``, and the
#: ``application/`` media-type form of each (RFC 7515 §4.1.9).
TYPES = ("jwt", "application/jwt", "at+jwt", "application/at+jwt")
#: Claims that must be strings when present (RFC 8693 §4.2, RFC 7519 §4.1.2, §4.1.7).
STRING_CLAIMS = ("scope", "sub", "jti")

Number = int | float | Fraction


@dataclass(frozen=True)
class Outcome:
    """An expected answer: HTTP status and the RFC 6750 error code (None for 200 and bare challenges)."""

    status: int
    error: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.error}" if self.error else str(self.status)


OK = Outcome(200)
NO_CREDENTIALS = Outcome(401)
INVALID_TOKEN = Outcome(401, "invalid_token")
INSUFFICIENT_SCOPE = Outcome(403, "insufficient_scope")


@dataclass(frozen=True)
class Policy:
    """What the API is configured with: issuer, audience, scope, leeway, algorithms and its JWKS by kid.

    ``published`` maps each ``kid`` to every JWK the JWKS lists under it, in order (usually one; a
    ``kid`` shared by two usable keys is ambiguous under rule 4).
    """

    issuer: str
    audience: str
    published: Mapping[str, Sequence[Mapping[str, object]]] = field(repr=False)
    required_scope: str = "read:messages"
    leeway: Number = 60
    algorithms: frozenset[str] = frozenset({"RS256"})
    realm: str = "apiexample"
    #: Protected endpoints and the scope each requires (None: any valid token). None means this API's:
    #: ``/api/private`` and ``/api/private-scoped`` needing ``required_scope``, any other path private.
    endpoints: Mapping[str, str | None] | None = None
    #: Endpoints that answer 200 whatever the token.
    public: frozenset[str] = frozenset({PUBLIC})
    #: Accepted ``typ`` values, lower case (RFC 7515 §4.1.9: compared case-insensitively).
    typs: frozenset[str] = frozenset(TYPES)
    #: Rule 11 (Auth0 Organizations): the ``org_id`` every token must carry; None: not checked.
    organization: str | None = None

    @classmethod
    def for_keys(cls, issuer: str, audience: str, keys: Iterable[SigningKey], **options: Any) -> Policy:
        """The policy of an API that trusts ``issuer``/``audience`` and whose JWKS publishes ``keys``."""
        return cls(issuer, audience, published_by_kid(key.public_jwk() for key in keys), **options)

    def protection(self, endpoint: str) -> tuple[bool, str | None]:
        """Whether ``endpoint`` needs a token, and the scope it requires (None: any valid token)."""
        if endpoint in self.public:
            return False, None
        if self.endpoints is None:
            return True, self.required_scope if endpoint == SCOPED else None
        if endpoint not in self.endpoints:
            known = ", ".join([*sorted(self.public), *self.endpoints])
            raise ValueError(f"the policy names no endpoint {endpoint!r}; it knows {known}")
        return True, self.endpoints[endpoint]


@dataclass(frozen=True)
class Judgement:
    """The first rule of the policy the token breaks (None when valid), why, and its claims if decoded."""

    rule: int | None
    reason: str
    claims: Mapping[str, object] | None = None


# -- rule 1: the Authorization header (RFC 6750 §2.1; RFC 9110 §11.4, §5.6.3) ----------------------


def bearer_token(value: str | None) -> str | Outcome:
    """The token an ``Authorization`` value carries, or the outcome that ends the request (rule 1)."""
    credentials = (value or "").strip(" \t")
    scheme, _, rest = credentials.partition(" ")
    if scheme.lower() != "bearer":  # RFC 9110 §11.1: auth-scheme is case-insensitive
        return NO_CREDENTIALS
    token = rest.lstrip(" ")  # RFC 9110 §11.4: 1*SP between scheme and token68
    if not token or " " in token:
        return INVALID_TOKEN
    return token


# -- rule 2: compact JWS of JSON objects (RFC 7515 §7.1, RFC 4648 §3.5, RFC 8259, RFC 7515 §5.2) ---


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member name")  # RFC 7515 §5.2 step 4, RFC 8725 §3.1
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # RFC 8259 §6: no NaN or Infinity literals


def json_object(raw: bytes) -> dict[str, Any] | None:
    """``raw`` as a strict UTF-8 JSON object (RFC 8259 §8.1, §4, §6), or None when it is not one."""
    try:
        value = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return value if isinstance(value, dict) else None


def malformed(spec: TokenSpec) -> str | None:
    """Rule 2: why the token is not a compact JWS of canonical segments and JSON objects, or None."""
    if spec.signing.tamper in ("unused_bits", "padding", "extra_segment"):
        return f"signature segment spoiled ({spec.signing.tamper})"
    if json_object(spec.header_bytes()) is None:
        return "header is not a UTF-8 JSON object"
    if json_object(spec.payload_bytes()) is None:
        return "payload is not a UTF-8 JSON object"
    return None


# -- rule 3: header members (RFC 8725 §3.1 algorithm allow-list, §3.10; RFC 9068 §2.1 typ) -------


def disallowed_header(header: Mapping[str, object], policy: Policy) -> str | None:
    """Rule 3: why the header is refused, or None."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in policy.algorithms:
        return f"alg {alg!r} is not allowed"
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in policy.published:
        return f"kid {kid!r} names no published key"
    if "typ" in header:
        typ = header["typ"]
        if not isinstance(typ, str) or typ.lower() not in policy.typs:
            return f"typ {typ!r} is not JWT or at+jwt"
    forbidden = [name for name in FORBIDDEN_HEADER_MEMBERS if name in header]
    if forbidden:
        return f"header carries {', '.join(forbidden)}"
    return None


# -- rule 4: the key (fake_issuer.policy.keys) ------------------------------------------------


def key_named(kid: str, policy: Policy) -> tuple[Mapping[str, object] | None, str]:
    """Rule 4: the one usable key ``kid`` names, or None and why (unusable, or shared: ambiguous)."""
    return usable_key(policy.published[kid])


# -- rule 5: the signature (RFC 7515 §5.2 step 8, RFC 7518 §3.3) --------------------------------


@functools.lru_cache(maxsize=64)
def _public_members(key: SigningKey) -> dict[str, str]:
    return key.public_jwk()


def bad_signature(spec: TokenSpec, jwk: Mapping[str, object]) -> str | None:
    """Rule 5: why the RS256 signature does not verify with the published ``jwk``, or None."""
    signing = spec.signing
    if signing.tamper is not None:
        return f"signature tampered with ({signing.tamper})"
    if signing.algorithm != "RS256":
        return f"signed with {signing.algorithm}, not RS256"
    signer = _public_members(signing.key) if signing.key is not None else {}
    if (signer.get("n"), signer.get("e")) != (jwk.get("n"), jwk.get("e")):
        return "signed by another key than the one the kid names"
    return None


# -- rules 6-10: claims (RFC 7519 §4.1.1-§4.1.6, RFC 8693 §4.2) -----------------------------------


def wrong_issuer(claims: Mapping[str, object], policy: Policy) -> str | None:
    """Rule 6: ``iss`` is not a string exactly equal to the issuer (RFC 7519 §4.1.1)."""
    iss = claims.get("iss")
    return None if isinstance(iss, str) and iss == policy.issuer else f"iss {iss!r} is not the issuer"


def wrong_audience(claims: Mapping[str, object], policy: Policy) -> str | None:
    """Rule 7: ``aud`` is neither the audience nor an array of strings with it (RFC 7519 §4.1.3)."""
    aud = claims.get("aud")
    if aud == policy.audience and isinstance(aud, str):
        return None
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud) and policy.audience in aud:
        return None
    return f"aud {aud!r} does not name the API"


def finite_number(value: object) -> Fraction | None:
    """``value`` as an exact number when it is a finite JSON number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Fraction(value)


def bad_expiry(claims: Mapping[str, object], policy: Policy, now: Number) -> str | None:
    """Rule 8: ``exp`` required, a finite number, and ``now < exp + leeway`` (RFC 7519 §4.1.4)."""
    if "exp" not in claims:
        return "exp is missing"
    exp = finite_number(claims["exp"])
    if exp is None:
        return f"exp {claims['exp']!r} is not a finite number"
    if not Fraction(now) < exp + Fraction(policy.leeway):
        return "expired"
    return None


def bad_times(claims: Mapping[str, object], policy: Policy, now: Number) -> str | None:
    """Rule 9: ``nbf`` reached and ``iat`` not in the future, both within leeway (RFC 7519 §4.1.5-6)."""
    leeway, at = Fraction(policy.leeway), Fraction(now)
    if "nbf" in claims:
        nbf = finite_number(claims["nbf"])
        if nbf is None or not at >= nbf - leeway:
            return f"nbf {claims['nbf']!r} not a finite number in the past"
    if "iat" in claims:
        iat = finite_number(claims["iat"])
        if iat is None or not iat <= at + leeway:
            return f"iat {claims['iat']!r} not a finite number in the past"
    return None


def bad_claim_types(claims: Mapping[str, object]) -> str | None:
    """Rule 10: ``scope``, ``sub`` and ``jti``, when present, are strings (RFC 8693 §4.2, RFC 7519 §4.1)."""
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            return f"{name} {claims[name]!r} is not a string"
    return None


def wrong_organization(claims: Mapping[str, object], policy: Policy) -> str | None:
    """Rule 11: with an Organization configured, ``org_id`` is not a string exactly equal to it."""
    if policy.organization is None:
        return None  # unset: org_id (and org_name) are not looked at
    org_id = claims.get("org_id")
    if isinstance(org_id, str) and org_id == policy.organization:
        return None
    return f"org_id {org_id!r} is not the organization" if "org_id" in claims else "org_id is missing"


def scope_granted(claims: Mapping[str, object], scope: str) -> bool:
    """``scope`` is one of the space-separated entries of the ``scope`` claim (RFC 6749 §3.3)."""
    granted = claims.get("scope")
    return isinstance(granted, str) and scope in granted.split(" ")


# -- the whole policy --------------------------------------------------------------------------------


def judge(spec: TokenSpec, policy: Policy, now: Number) -> Judgement:
    """Apply rules 2-11 in order; the first that fails decides (docs/validation-policy.md)."""
    reason = malformed(spec)
    if reason is not None:
        return Judgement(2, reason)
    header = json_object(spec.header_bytes()) or {}
    claims = json_object(spec.payload_bytes()) or {}
    reason = disallowed_header(header, policy)
    if reason is not None:
        return Judgement(3, reason)
    jwk, why = key_named(header["kid"], policy)
    if jwk is None:
        return Judgement(4, why, claims)
    for rule, reason in (
        (5, bad_signature(spec, jwk)),
        (6, wrong_issuer(claims, policy)),
        (7, wrong_audience(claims, policy)),
        (8, bad_expiry(claims, policy, now)),
        (9, bad_times(claims, policy, now)),
        (10, bad_claim_types(claims)),
        (11, wrong_organization(claims, policy)),
    ):
        if reason is not None:
            return Judgement(rule, reason, claims)
    return Judgement(None, "valid", claims)


def outcome(judgement: Judgement, policy: Policy, endpoint: str) -> Outcome:
    """What ``endpoint`` must answer for a token judged so (docs/validation-policy.md)."""
    protected, scope = policy.protection(endpoint)
    if not protected:
        return OK
    if judgement.rule is not None:
        return INVALID_TOKEN
    if scope is not None and not scope_granted(judgement.claims or {}, scope):
        return INSUFFICIENT_SCOPE
    return OK


def expected(spec: TokenSpec, policy: Policy, endpoint: str, now: Number) -> Outcome:
    """What ``endpoint`` must answer to ``Authorization: Bearer <spec.encode()>`` at time ``now``."""
    return outcome(judge(spec, policy, now), policy, endpoint)
