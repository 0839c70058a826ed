"""What the scanner sends: every attack-catalog entry, every bearer-header trick, the claim matrix.

Each ``Case`` is one request to one endpoint and what it is owed. Attack entries (RFC 7515, 7519, 8725,
6750 §2.1 tricks: ``fake_issuer.attacks``) are built once, before the target starts, each against a
scratch copy of the tenant so that an entry that publishes keys has them in the served JWKS; an entry
that withdraws or rotates keys, or publishes a key under a kid already served, needs a JWKS of its own
and is skipped with that reason (the rotation scenario covers withdrawal). Matrix cells
(``fake_issuer.matrix``) are signed just before they are sent, at the current time, and the oracle
judges them at the moment they left and the moment the answer came back (RFC 7519 §4.1.4-§4.1.5).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fake_issuer.attacks import CATALOG, Attack
from fake_issuer.attacks import Request as AttackRequest
from fake_issuer.encoding import b64url_decode
from fake_issuer.issuer import FakeIssuer
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.matrix.matrix import Combination, Matrix
from fake_issuer.policy.oracle import PRIVATE, PUBLIC, SCOPED, Outcome, Policy, judge, outcome
from fake_issuer.policy.spec import KeyRing

#: The catalog's endpoint names, as the scanner's paths.
ATTACK_ENDPOINTS = {"private": PRIVATE, "scoped": SCOPED}
#: Request fields the scanner knows how to put on the wire; any other non-empty one means a skip.
_SENDABLE = {"authorization", "query", "headers", "token"}
#: Seconds a matrix built at one instant is reused before a fresh one is signed at the current time.
MATRIX_REFRESH = 1.0


@dataclass(frozen=True)
class Sent:
    """One request as it goes out: endpoint path, ``Authorization`` (None: none), query, other headers."""

    endpoint: str
    authorization: str | None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The tokens inside (for the report, which shows only their header and claims).
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """A request ready to send and the outcome owed to it at a given instant."""

    sent: Sent
    owed: Callable[[float], Outcome]


@dataclass(frozen=True)
class Case:
    """One request to one endpoint: id, where it comes from, its reference, how to prepare it."""

    id: str
    source: str
    description: str
    reference: str
    prepare: Callable[[], Prepared] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Skipped:
    """A case the scanner cannot send, and why (reported, never silent)."""

    id: str
    reason: str


class _Scratch(FakeIssuer):
    """A copy of the tenant for one attack: same URL and keys; new keys get labels of their own."""

    def __init__(self, base: FakeIssuer, label: str) -> None:
        super().__init__(
            base.issuer,
            audience=base.audience,
            client_id=base.client_id,
            keys=list(base.keys),
            clock=base.clock,
        )
        self.signing_key = base.signing_key
        self._label = label

    def new_key(self, *, kid: str | None = None, bits: int = 2048) -> SigningKey:
        """A fresh key unique to this attack (so two attacks never publish different keys as one kid)."""
        self._key_count += 1
        # Not labelled with the issuer URL: every scan in a process reuses the keys (generation is slow).
        return generate_rsa_key(f"scan:{self._label}:{self._key_count}", bits=bits, kid=kid)


def _unsendable(request: AttackRequest) -> str | None:
    for item in dataclasses.fields(request):
        value = getattr(request, item.name)
        default = item.default_factory() if item.default_factory is not dataclasses.MISSING else item.default
        if item.name not in _SENDABLE and value != default:
            return f"carries {item.name}, which the scanner cannot put on the wire"
    for value in (request.authorization or "", *request.headers.values()):
        if "\r" in value or "\n" in value:
            return "a CR or LF inside one header field cannot be sent over HTTP/1.1 (RFC 9110 §5.5)"
    return None


def _no_op(request: AttackRequest, scratch: _Scratch, entry: Attack) -> str | None:
    """Why ``entry`` is a no-op on this tenant (its token is the genuine one), or None."""
    token = request.token
    if token is None or request.authorization != f"Bearer {token}" or entry.expected.private.status == 200:
        return None
    try:
        claims = json.loads(b64url_decode(token.split(".")[1]))
        genuine = token == scratch.mint(now=claims["iat"])
    except (ValueError, IndexError, KeyError, TypeError, RecursionError):
        return None
    if genuine:
        return f"on the issuer {scratch.issuer} its change does nothing: the token is the genuine one"
    return None


def _published_changes(tenant: FakeIssuer, scratch: _Scratch, entry: Attack) -> str | None:
    """Publish on ``tenant`` the keys ``entry`` added; the reason it cannot share the JWKS, or None."""
    served = {key.kid: key.public_jwk() for key in tenant.keys}
    if scratch.signing_key is not tenant.signing_key or any(key not in scratch.keys for key in tenant.keys):
        return "withdraws or rotates the tenant's keys; the rotation scenario covers that"
    for key in scratch.keys:
        jwk = key.public_jwk()
        if key.kid in served and served[key.kid] != jwk:
            return f"publishes a second key under kid {key.kid!r}; it needs a JWKS of its own"
        if key.kid not in served:
            tenant.keys.append(key)
            served[key.kid] = jwk
    return None


def _constant(wanted: Outcome, at: float) -> Outcome:
    return wanted


def _same(prepared: Prepared) -> Prepared:
    return prepared


def attack_cases(tenant: FakeIssuer, endpoints: Sequence[str]) -> tuple[list[Case], list[Skipped]]:
    """Every catalog entry on every protected endpoint in ``endpoints``; entries it cannot send skipped."""
    cases: list[Case] = []
    skipped: list[Skipped] = []
    for entry in CATALOG:
        scratch = _Scratch(tenant, entry.id)
        request = entry.request(scratch)
        reason = (
            _unsendable(request)
            or _no_op(request, scratch, entry)
            or _published_changes(tenant, scratch, entry)
        )
        if reason is not None:
            skipped.append(Skipped(f"attack/{entry.id}", reason))
            continue
        for name, path in ATTACK_ENDPOINTS.items():
            if path not in endpoints:
                continue
            wanted = entry.expected.on(name)  # type: ignore[arg-type]
            sent = Sent(
                path,
                request.authorization,
                dict(request.query),
                dict(request.headers),
                (request.token,) if request.token else (),
            )
            prepared = Prepared(sent, functools.partial(_constant, wanted))
            cases.append(
                Case(
                    f"attack/{entry.id}@{name}",
                    "attack",
                    entry.description,
                    entry.reference,
                    functools.partial(_same, prepared),
                )
            )
    return cases, skipped


class MatrixSource:
    """The claim matrix signed at the current time (refreshed every ``MATRIX_REFRESH`` seconds).

    A cell's token is signed once per matrix and sent to each endpoint, as ``Matrix.check`` does.
    """

    def __init__(self, policy: Policy, ring: KeyRing, clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self.ring = ring
        self.clock = clock
        self._lock = threading.Lock()
        self._matrix = Matrix(policy, ring, now=int(clock()))
        #: ``(matrix.now, cell index)`` -> token, for the current matrix only.
        self._tokens: dict[tuple[int, int], str] = {}

    def current(self) -> Matrix:
        """A matrix whose ``now`` is at most ``MATRIX_REFRESH`` seconds old."""
        with self._lock:
            if self.clock() - self._matrix.now > MATRIX_REFRESH:
                self._matrix = Matrix(self.policy, self.ring, now=int(self.clock()))
                self._tokens = {}
            return self._matrix

    def prepare(self, combination: Combination, endpoint: str) -> Prepared:
        """Sign ``combination`` now; the owed outcome is the oracle's at any later instant."""
        matrix = self.current()
        spec = matrix.spec(combination)
        key = (matrix.now, combination.index)  # keyed by instant: a refresh racing this never mixes them
        token = self._tokens.get(key)
        if token is None:
            token = self._tokens[key] = spec.encode()
        policy = self.policy

        def owed(at: float) -> Outcome:
            return outcome(judge(spec, policy, at), policy, endpoint)

        return Prepared(Sent(endpoint, f"Bearer {token}", tokens=(token,)), owed)


def matrix_cases(
    source: MatrixSource, endpoints: Sequence[str], *, sample: int | None = None, seed: int = 0
) -> list[Case]:
    """The matrix (all of it, or ``sample`` cells drawn with ``seed``) on each endpoint in ``endpoints``."""
    combinations = source.current().combinations
    if sample is not None and sample < len(combinations):
        combinations = sorted(random.Random(seed).sample(combinations, sample), key=lambda c: c.index)
    return [
        Case(
            f"matrix/{combination.index}@{path.rsplit('/', 1)[-1]}",
            "matrix",
            str(combination),
            "RFC 7519 §4.1; RFC 8725 §3",
            functools.partial(source.prepare, combination, path),
        )
        for combination in combinations
        for path in (PUBLIC, PRIVATE, SCOPED)
        if path in endpoints
    ]
