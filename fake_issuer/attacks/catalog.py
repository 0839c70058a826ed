"""The attack catalog's shape: entries, the request each builds, and the outcome the policy owes it.

An entry is registered with the ``attack`` decorator on a function that builds the forged token (or a
whole ``Request``, for RFC 6750 §2.1 header tricks) from a ``FakeIssuer``. Its expected outcome is
stated per protected endpoint with one of four constructors (``rejected``, ``no_credentials``,
``accepted``, ``scope_denied``), so an oracle can later be compared with it or replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from fake_issuer.issuer import FakeIssuer
from fake_issuer.policy.contract import BEARER, Scheme
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE, INVALID_TOKEN, NO_CREDENTIALS, OK, Outcome

Endpoint = Literal["private", "scoped"]
ENDPOINTS: tuple[Endpoint, ...] = ("private", "scoped")


@dataclass(frozen=True)
class Expected:
    """The outcome on each protected endpoint, and the policy rule that decides it (for readers)."""

    private: Outcome
    scoped: Outcome
    rule: str = ""
    #: The challenge the answers carry: Bearer's, or DPoP's (RFC 9449 §7.1) for DPoP-scheme requests.
    scheme: Scheme = BEARER

    def on(self, endpoint: Endpoint) -> Outcome:
        """The outcome on ``endpoint``."""
        return self.private if endpoint == "private" else self.scoped

    def __str__(self) -> str:
        text = str(self.private) if self.private == self.scoped else f"{self.private} / {self.scoped}"
        return f"{text} ({self.rule})" if self.rule else text


def rejected(rule: int) -> Expected:
    """401 ``invalid_token`` on both endpoints, because docs/validation-policy.md rule ``rule`` fails."""
    return Expected(INVALID_TOKEN, INVALID_TOKEN, f"rule {rule}")


def no_credentials() -> Expected:
    """401 with a bare ``Bearer realm`` challenge: no Bearer credentials at all (policy rule 1)."""
    return Expected(NO_CREDENTIALS, NO_CREDENTIALS, "rule 1, bare challenge")


def accepted() -> Expected:
    """200 on both endpoints: a benign variant that must keep working."""
    return Expected(OK, OK)


def scope_denied() -> Expected:
    """A valid token without ``read:messages``: 200 on /api/private, 403 on /api/private-scoped."""
    return Expected(OK, INSUFFICIENT_SCOPE, "scope")


#: The ``DPoP`` header values (one per header) a request sends for a method and URL (RFC 9449 §4.1).
Proofs = Callable[[str, str], tuple[str, ...]]


@dataclass(frozen=True)
class Request:
    """What an attack sends: the ``Authorization`` value (None: no header), a query, other headers.

    ``dpop`` makes the ``DPoP`` headers for the method and URL the request goes to (a proof names
    them, RFC 9449 §4.2); ``replay`` sends the request once before the judged one (§11.1);
    ``settings`` names the API settings (``apiexample.config.Auth0Config`` fields, for example
    ``{"dpop_nonce": True}``) the entry needs; a runner that cannot set them skips the entry.
    """

    authorization: str | None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The token inside, which no error description may echo (docs/validation-policy.md, Answers).
    token: str | None = None
    dpop: Proofs | None = field(default=None, compare=False)
    replay: bool = False
    settings: Mapping[str, object] = field(default_factory=dict)


def bearer(token: str) -> Request:
    """``Authorization: Bearer <token>`` (RFC 6750 §2.1)."""
    return Request(f"Bearer {token}", token=token)


Build = Callable[[FakeIssuer], str | Request]


@dataclass(frozen=True)
class Attack:
    """One catalog entry: what it is, where it is documented, how it is built, what must happen."""

    id: str
    category: str
    description: str
    reference: str
    expected: Expected
    build: Build = field(repr=False, compare=False)

    def request(self, issuer: FakeIssuer) -> Request:
        """The request this attack sends against ``issuer``'s tenant (a bare token goes in as Bearer)."""
        built = self.build(issuer)
        return bearer(built) if isinstance(built, str) else built


#: Every registered attack, in registration order (category modules register on import).
CATALOG: list[Attack] = []


def register(entry: Attack) -> Attack:
    """Add ``entry`` to the catalog; ids are unique."""
    if any(existing.id == entry.id for existing in CATALOG):
        raise ValueError(f"duplicate attack id {entry.id!r}")
    CATALOG.append(entry)
    return entry


def attack(id: str, description: str, reference: str, expected: Expected) -> Callable[[Build], Build]:
    """Decorator: register the decorated builder as an attack of its module's category."""

    def decorator(build: Build) -> Build:
        category = build.__module__.rsplit(".", 1)[-1]
        register(Attack(id, category, description, reference, expected, build))
        return build

    return decorator
