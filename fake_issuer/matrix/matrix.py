"""The exhaustive claim matrices: every combination of named claim and signature variants (RFC 7519 §4.1).

Each facet (``iss``, ``aud``, ``exp``, ``nbf``, ``scope``, ``signature``) has a few named values: the
valid ones and the near misses that broken validators let through (RFC 7519 §4.1, RFC 8725 §2-3). The
claim matrix is their full cartesian product, every combination a distinct signed token, put to all
three endpoints and compared with the oracle. The time matrix (``time_facets``) is a second, smaller
full product: ``exp`` x ``nbf`` x ``iat`` at their leeway edges (RFC 7519 §4.1.4-§4.1.6) crossed with
two values of every other facet, so the time rules are covered without multiplying the claim matrix.
``shard(i, n)`` splits a matrix for pytest-xdist;
``python -m fake_issuer matrix --report PATH`` runs it against the API in-process and writes the
decision table (``fake_issuer.matrix.report``). Only ``fake_issuer.matrix.cli`` touches the API, through
``django_api``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.policy.contract import Answer, breaches
from fake_issuer.policy.oracle import ENDPOINTS, Outcome, Policy, judge, outcome
from fake_issuer.policy.spec import ABSENT, KeyRing, TokenSpec, key_ring, signing_variants, without_absent

#: The instant every matrix token is judged at (pinned in the API's validator): far from today on
#: purpose, so a validator that reads the real clock anywhere disagrees with the oracle.
NOW = 1_700_000_000
Facets = dict[str, dict[str, object]]
Send = Callable[[str, str | None], Answer]

SIGNATURES = (
    "issuer key",
    "foreign key, trusted kid",
    "unknown kid",
    "weak 1024-bit key",
    "EC key",
    "HS256 with the public key",
    "alg none",
    "tampered: flip_bit",
)


def facets(policy: Policy, now: int = NOW) -> Facets:
    """Each facet's named values; the signature facet's values name ``spec.signing_variants``."""
    leeway = int(policy.leeway)
    return {
        "signature": {name: name for name in SIGNATURES},
        "iss": {
            "exact": policy.issuer,
            "missing": ABSENT,
            "without trailing slash": policy.issuer.rstrip("/"),
            "superstring": policy.issuer + "attacker/",
            "in an array": [policy.issuer],
        },
        "aud": {
            "exact": policy.audience,
            "in a list": [policy.audience, policy.issuer + "userinfo"],
            "missing": ABSENT,
            "other API": "https://other.example/api",
            "empty list": [],
            "trailing slash": policy.audience + "/",
        },
        "exp": {
            "valid": now + 3600,
            "inside leeway": now - leeway // 2,
            "expired": now - leeway - 1,
            "missing": ABSENT,
            "string": str(now + 3600),
        },
        "nbf": {"absent": ABSENT, "beyond leeway": now + leeway + 1},
        "scope": {
            "exact": policy.required_scope,
            "among others": f"openid {policy.required_scope} write:messages",
            "missing": ABSENT,
            "superstring": policy.required_scope + ".all",
            "comma-separated": f"{policy.required_scope},write:messages",
        },
    }


def time_facets(policy: Policy, now: int = NOW) -> Facets:
    """The time matrix's facets: ``exp``, ``nbf`` and ``iat`` at the leeway edges, two values of the rest."""
    leeway, full = int(policy.leeway), facets(policy, now)
    # The last instant each rule accepts is ``now`` +/- leeway exactly (rules 8-9 of
    # docs/validation-policy.md); one second and half a second past it are refused.
    return {
        "signature": _pick(full["signature"], "issuer key", "tampered: flip_bit"),
        "iss": _pick(full["iss"], "exact", "superstring"),
        "aud": _pick(full["aud"], "in a list", "other API"),
        "exp": {
            "valid": now + 3600,
            "inside leeway": now - leeway + 1,
            "at the leeway edge": now - leeway,
            "missing": ABSENT,
        },
        "nbf": {
            "absent": ABSENT,
            "past": now - 10,
            "inside leeway": now + leeway,
            "beyond leeway": now + leeway + 1,
            "a hair beyond leeway": now + leeway + 0.5,
        },
        "iat": {
            "absent": ABSENT,
            "past": now - 10,
            "inside leeway future": now + leeway,
            "beyond leeway future": now + leeway + 1,
            "a hair beyond leeway future": now + leeway + 0.5,
        },
        "scope": _pick(full["scope"], "exact", "missing"),
    }


def _pick(values: dict[str, object], *names: str) -> dict[str, object]:
    return {name: values[name] for name in names}


@dataclass(frozen=True)
class Combination:
    """One cell of the matrix: a value name for every facet, in facet order."""

    index: int
    values: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return ", ".join(f"{facet}={value}" for facet, value in self.values)


def combinations(table: Facets) -> list[Combination]:
    """The full cartesian product of ``table``'s facet values."""
    return list(_product(tuple((facet, tuple(values)) for facet, values in table.items())))


@functools.lru_cache(maxsize=8)
def _product(shape: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Combination, ...]:
    """The combinations of facets and value names (the same at every ``now``: a scan rebuilds its
    matrix every second, and the product of 12 000 cells would be built again each time)."""
    names = [facet for facet, _values in shape]
    product = itertools.product(*(values for _facet, values in shape))
    return tuple(Combination(i, tuple(zip(names, picked, strict=True))) for i, picked in enumerate(product))


def shard(items: Sequence[Combination], index: int, count: int) -> list[Combination]:
    """Every ``count``-th combination from ``index`` on: shards of even size and mix."""
    return list(items[index::count])


class Matrix:
    """The matrix for one tenant (its key ring and the API's policy) at ``now``; ``facets`` by default."""

    def __init__(
        self,
        policy: Policy,
        ring: KeyRing,
        *,
        now: int = NOW,
        table: Callable[[Policy, int], Facets] = facets,
        name: str = "claim matrix",
    ) -> None:
        self.policy = policy
        self.ring = ring
        self.now = now
        self.name = name
        self.table = table(policy, now)
        self.variants = signing_variants(ring)
        self.combinations = combinations(self.table)

    def __len__(self) -> int:
        return len(self.combinations)

    def spec(self, combination: Combination) -> TokenSpec:
        """The token spec of ``combination``: Auth0's claim shape with each facet's value put in."""
        picked = {facet: self.table[facet][value] for facet, value in combination.values}
        variant = self.variants[str(picked.pop("signature"))]
        claims = without_absent(
            {
                "iss": picked["iss"],
                "sub": "matrix@clients",
                "aud": picked["aud"],
                "iat": picked.get("iat", self.now - 10),
                "exp": picked["exp"],
                "nbf": picked.get("nbf", ABSENT),
                "scope": picked["scope"],
                "gty": "client-credentials",
            }
        )
        return TokenSpec({"alg": variant.alg, "typ": "JWT", "kid": variant.kid}, claims, variant.signing)

    def check(self, combination: Combination, send: Send) -> Iterator[Result]:
        """Put ``combination``'s token to every endpoint; one ``Result`` per endpoint."""
        spec = self.spec(combination)
        token = spec.encode()
        judgement = judge(spec, self.policy, self.now)
        for endpoint in ENDPOINTS:
            wanted = outcome(judgement, self.policy, endpoint)
            answer = send(endpoint, f"Bearer {token}")
            found = tuple(breaches(answer, wanted, self.policy))
            yield Result(combination, endpoint, wanted, answer.outcome, judgement.rule, found)

    def run(self, chosen: Sequence[Combination], send: Send) -> list[Result]:
        """Check every combination in ``chosen``."""
        return [result for combination in chosen for result in self.check(combination, send)]


@dataclass(frozen=True)
class Result:
    """One combination at one endpoint: expected and actual outcome, the oracle's rule, any breaches."""

    combination: Combination
    endpoint: str
    expected: Outcome
    actual: Outcome
    rule: int | str | None
    breaches: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        """The API kept the contract for this combination."""
        return not self.breaches


def default_matrix() -> Matrix:
    """The claim matrix for the default fake tenant (``DEFAULT_ISSUER``/``DEFAULT_AUDIENCE``)."""
    ring = key_ring(DEFAULT_ISSUER)
    return Matrix(Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, ring.published), ring)


def default_time_matrix() -> Matrix:
    """The time matrix (``time_facets``) for the default fake tenant."""
    ring = key_ring(DEFAULT_ISSUER)
    policy = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, ring.published)
    return Matrix(policy, ring, table=time_facets, name="time matrix")


def summary(results: Sequence[Result]) -> Mapping[str, int]:
    """Counts for a closing line: combinations, requests, disagreements."""
    return {
        "combinations": len({result.combination.index for result in results}),
        "requests": len(results),
        "disagreements": sum(not result.agrees for result in results),
    }
