"""The error contract (RFC 6750 §3, §3.1; RFC 9449 §7.1): what an answer must look like for an outcome.

``Answer`` is what the API said; ``breaches`` lists every way it departs from the outcome the oracle
expects: status and error code, the ``WWW-Authenticate`` challenge, a JSON body, no 5xx. The challenge
is Bearer's (``BEARER``, the default) or, for DPoP-scheme requests, a ``Scheme("DPoP", algs)`` one
(RFC 9449 §7.1), followed by the bare Bearer challenge when Bearer is allowed too; a ``use_dpop_nonce``
answer also owes a ``DPoP-Nonce`` header (RFC 9449 §9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fake_issuer.policy.oracle import Outcome, Policy

_ERROR_PARAM = re.compile(r'error="([^"]*)"')
#: RFC 6750 §3: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ), then the closing quote: never
#: empty, printable ASCII only, no quote and no backslash (the grammar has no quoted-pair).
_DESCRIPTION = re.compile(r'[\x20\x21\x23-\x5b\x5d-\x7e]+"')


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, ``WWW-Authenticate`` (None when absent), JSON body (None when not JSON)."""

    status: int
    challenge: str | None
    body: object
    dpop_nonce: str | None = None

    @property
    def outcome(self) -> Outcome:
        """Status and the challenge's ``error`` parameter (None on success or for a bare challenge)."""
        match = _ERROR_PARAM.search(self.challenge or "")
        return Outcome(self.status, match.group(1) if match and self.status != 200 else None)


@dataclass(frozen=True)
class Scheme:
    """The challenge owed: Bearer's (RFC 6750 §3) or DPoP's with its ``algs`` (RFC 9449 §7.1), maybe both."""

    name: str = "Bearer"
    algorithms: tuple[str, ...] = ()
    with_bearer: bool = False


#: The Bearer challenge alone: every answer to a request that is not a DPoP-scheme one.
BEARER = Scheme()


def _parts(policy: Policy, scheme: Scheme) -> tuple[str, str]:
    if scheme.name == "Bearer":
        return f'Bearer realm="{policy.realm}"', ""
    head = f'{scheme.name} realm="{policy.realm}", algs="{" ".join(scheme.algorithms)}"'
    return head, f', Bearer realm="{policy.realm}"' if scheme.with_bearer else ""


def expected_challenge(outcome: Outcome, policy: Policy, scheme: Scheme = BEARER) -> str | None:
    """The ``WWW-Authenticate`` value owed (RFC 6750 §3); up to its description when it has one."""
    head, tail = _parts(policy, scheme)
    if outcome.status == 200:
        return None
    if outcome.error is None:
        return head + tail
    if outcome.error == "insufficient_scope":
        return f'{head}, error="insufficient_scope", scope="{policy.required_scope}"{tail}'
    return f'{head}, error="{outcome.error}", error_description="'


def challenge_matches(
    outcome: Outcome, challenge: str | None, policy: Policy, scheme: Scheme = BEARER
) -> bool:
    """``challenge`` is the ``WWW-Authenticate`` value owed for ``outcome`` (RFC 6750 §3, RFC 9449 §7.1)."""
    wanted = expected_challenge(outcome, policy, scheme)
    if wanted is None or challenge is None:
        return wanted == challenge
    if outcome.error not in (None, "insufficient_scope"):
        tail = _parts(policy, scheme)[1]
        if not (challenge.startswith(wanted) and challenge.endswith(tail)):
            return False
        return _DESCRIPTION.fullmatch(challenge[: len(challenge) - len(tail)], len(wanted)) is not None
    return challenge == wanted


def breaches(answer: Answer, wanted: Outcome, policy: Policy, scheme: Scheme = BEARER) -> list[str]:
    """Every way ``answer`` departs from ``wanted`` (RFC 6750 §3, RFC 9449 §7.1); empty when it keeps it."""
    problems = []
    if answer.status >= 500:
        problems.append(f"server error {answer.status}")
    if answer.outcome != wanted:
        problems.append(f"expected {wanted}, got {answer.outcome}")
    if not challenge_matches(wanted, answer.challenge, policy, scheme):
        problems.append(f"WWW-Authenticate {answer.challenge!r} is not the one owed for {wanted}")
    if wanted.error == "use_dpop_nonce" and not answer.dpop_nonce:
        problems.append("use_dpop_nonce without a DPoP-Nonce header")
    body = answer.body
    if answer.status == 200:
        if not (isinstance(body, dict) and isinstance(body.get("message"), str)):
            problems.append(f"200 body {body!r} has no message")
    elif not (isinstance(body, dict) and {"error", "error_description"} <= set(body)):
        problems.append(f"error body {body!r} is not {{error, error_description}} JSON")
    elif wanted.error is not None and body["error"] != wanted.error:
        problems.append(f"body error {body['error']!r} is not {wanted.error!r}")
    return problems
