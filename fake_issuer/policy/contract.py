"""The error contract of DESIGN §4 (RFC 6750 §3, §3.1): what an answer must look like for an outcome.

``Answer`` is what the API said; ``breaches`` lists every way it departs from the outcome the oracle
expects: status and error code, the ``WWW-Authenticate`` challenge, a JSON body, no 5xx.
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

    @property
    def outcome(self) -> Outcome:
        """Status and the challenge's ``error`` parameter (None on success or for a bare challenge)."""
        match = _ERROR_PARAM.search(self.challenge or "")
        return Outcome(self.status, match.group(1) if match and self.status != 200 else None)


def expected_challenge(outcome: Outcome, policy: Policy) -> str | None:
    """The ``WWW-Authenticate`` value DESIGN §4 owes (RFC 6750 §3); for ``invalid_token`` its prefix."""
    realm = f'Bearer realm="{policy.realm}"'
    if outcome.status == 200:
        return None
    if outcome.error is None:
        return realm
    if outcome.error == "insufficient_scope":
        return f'{realm}, error="insufficient_scope", scope="{policy.required_scope}"'
    return f'{realm}, error="{outcome.error}", error_description="'


def challenge_matches(outcome: Outcome, challenge: str | None, policy: Policy) -> bool:
    """``challenge`` is the ``WWW-Authenticate`` value DESIGN §4 owes for ``outcome``."""
    wanted = expected_challenge(outcome, policy)
    if wanted is None or challenge is None:
        return wanted == challenge
    if outcome.error == "invalid_token":
        return challenge.startswith(wanted) and _DESCRIPTION.fullmatch(challenge, len(wanted)) is not None
    return challenge == wanted


def breaches(answer: Answer, wanted: Outcome, policy: Policy) -> list[str]:
    """Every way ``answer`` departs from ``wanted`` under DESIGN §4; empty when it keeps the contract."""
    problems = []
    if answer.status >= 500:
        problems.append(f"server error {answer.status}")
    if answer.outcome != wanted:
        problems.append(f"expected {wanted}, got {answer.outcome}")
    if not challenge_matches(wanted, answer.challenge, policy):
        problems.append(f"WWW-Authenticate {answer.challenge!r} is not the one owed for {wanted}")
    body = answer.body
    if answer.status == 200:
        if not (isinstance(body, dict) and isinstance(body.get("message"), str)):
            problems.append(f"200 body {body!r} has no message")
    elif not (isinstance(body, dict) and {"error", "error_description"} <= set(body)):
        problems.append(f"error body {body!r} is not {{error, error_description}} JSON")
    elif wanted.error is not None and body["error"] != wanted.error:
        problems.append(f"body error {body['error']!r} is not {wanted.error!r}")
    return problems
