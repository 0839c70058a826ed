"""Judging one answer against the oracle's outcome, under a profile, with a severity (RFC 6750 §3).

Severities, worst first: critical (a request that must be refused was accepted; the target fetched a
URL the token named), high (5xx other than 503 with ``Retry-After``, no answer within the bound, a
dropped connection, a startup that needs the network), medium (wrong status class: 401 vs 403 vs 400,
a valid token refused, scope not enforced as written), low (RFC 6750 §3 challenge or error body
details), info (a stricter or looser choice than the profile asks for).

The HTTP layer may refuse what RFC 9110 lets it refuse before the application sees it: a field larger
than it wishes to process (§5.4: 400/413/431 or a closed connection) and control characters in a field
value (§5.5). That satisfies an owed refusal, and is an info finding where a 200 was owed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from fake_issuer.policy.contract import Answer, challenge_matches
from fake_issuer.policy.oracle import Outcome, Policy
from fake_issuer.scan.cases import Sent
from fake_issuer.scan.profiles import Context, rfc_refusal

SEVERITIES = ("critical", "high", "medium", "low", "info")
RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
#: A header field above this many bytes may be refused by the HTTP layer (gunicorn's default limit).
FIELD_LIMIT = 8190
_LAYER_REFUSALS = (400, 413, 431)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_REALM = re.compile(r'realm="[^"]*"')


@dataclass(frozen=True)
class Reply:
    """What came back: status (None: no answer), headers, body text, seconds, or the transport error."""

    status: int | None
    headers: Mapping[str, str]
    body: str
    elapsed: float
    error: str | None = None

    def answer(self, realm: str | None) -> Answer:
        """As the contract's ``Answer``; the realm is normalised to ``realm`` when any realm is fine."""
        challenge = self.headers.get("www-authenticate")
        if challenge is not None and realm is not None:
            challenge = _REALM.sub(f'realm="{realm}"', challenge, count=1)
        try:
            body = json.loads(self.body)
        except (ValueError, RecursionError):
            body = None
        return Answer(self.status or 0, challenge, body)

    def describe(self) -> str:
        """One line: status, challenge, start of the body (or the error)."""
        if self.status is None:
            return f"no answer: {self.error}"
        challenge = self.headers.get("www-authenticate")
        return (
            f"{self.status}"
            + (f" WWW-Authenticate: {challenge}" if challenge else "")
            + f" {self.body[:120]}"
        )


@dataclass(frozen=True)
class Finding:
    """One departure: the case, its severity, reference, the request, what came back, what was owed."""

    case: str
    severity: str
    title: str
    reference: str
    request: str
    got: str
    owed: str


@dataclass(frozen=True)
class Verdict:
    """The judging setup: profile, policy (realm and scope for the challenge), RFC context, bounds."""

    profile: str
    policy: Policy
    context: Context
    realm_checked: bool = True
    hang_bound: float = 10.0


def _layer_may_refuse(sent: Sent) -> bool:
    values = [sent.authorization or "", *sent.headers.values()]
    return any(len(value.encode("utf-8")) > FIELD_LIMIT or _CONTROL.search(value) for value in values)


def _status_finding(
    sent: Sent, owed: Outcome, status: int, verdict: Verdict, at: float
) -> tuple[str, str] | None:
    """Severity and title when the status departs from ``owed``; None when it keeps it."""
    if status == owed.status:
        return None
    if owed.status != 200 and status == 200:
        if owed.status == 403:
            return "medium", "scope not enforced as written"
        why = rfc_refusal(sent, verdict.context, at)
        if verdict.profile == "rfc" and why is None:
            return "info", "accepted a request this profile leaves to the API (strictness)"
        return "critical", f"accepted a request that must be refused ({why or 'docs/validation-policy.md'})"
    if owed.status == 200 and verdict.profile == "rfc":
        return "info", f"refused a request the policy accepts ({status}); stricter than required"
    if owed.status == 200:
        return "medium", f"refused a request that must be accepted ({status})"
    return "medium", f"wrong status class: {status} where {owed.status} is owed"


def _detail_findings(answer: Answer, owed: Outcome, verdict: Verdict) -> list[str]:
    """RFC 6750 §3 challenge and error-body departures (strict: the whole contract)."""
    problems = []
    challenge = answer.challenge
    if owed.status == 401 and not (challenge or "").lower().startswith("bearer"):
        problems.append(f"401 without a Bearer WWW-Authenticate challenge (RFC 6750 §3): {challenge!r}")
    elif owed.status == 403 and 'error="insufficient_scope"' not in (challenge or ""):
        problems.append(f'403 without error="insufficient_scope" (RFC 6750 §3.1): {challenge!r}')
    if verdict.profile == "strict" and not problems:
        if not challenge_matches(owed, challenge, verdict.policy):
            problems.append(f"WWW-Authenticate {challenge!r} is not the one owed for {owed}")
        body = answer.body
        if answer.status == 200:
            pass
        elif not (isinstance(body, dict) and {"error", "error_description"} <= set(body)):
            problems.append(f"error body {str(body)[:80]!r} is not {{error, error_description}} JSON")
        elif owed.error is not None and body["error"] != owed.error:
            problems.append(f"body error {body['error']!r} is not {owed.error!r}")
    return problems


def judge_reply(
    sent: Sent, owed: set[Outcome], reply: Reply, verdict: Verdict, at: float, *, unavailable: bool = False
) -> list[tuple[str, str]]:
    """Every (severity, title) ``reply`` earns against ``owed`` (several when time-edged).

    ``unavailable``: the JWKS cannot be had, so a 503 with ``Retry-After`` is a fair answer too.
    """
    status = reply.status
    refusal_owed = all(outcome.status != 200 for outcome in owed)
    if (status is None or status in _LAYER_REFUSALS) and _layer_may_refuse(sent):
        return (
            [] if refusal_owed else [("info", f"the HTTP layer refused an oversized or odd field ({status})")]
        )
    if status is None:
        if reply.error and "timed out" in reply.error:
            return [("high", f"no answer within {verdict.hang_bound} s")]
        return [("high", f"the connection failed without an answer: {reply.error}")]
    if status >= 500:
        if status == 503 and "retry-after" in reply.headers:
            if unavailable:
                return []
            return [("medium", "503 with Retry-After while the keys were available")]
        return [("high", f"server error {status}")]
    if reply.elapsed > verdict.hang_bound:
        return [("high", f"answered after {reply.elapsed:.1f} s, past the {verdict.hang_bound} s bound")]
    answer = reply.answer(None if verdict.realm_checked else verdict.policy.realm)
    results = []
    for outcome in sorted(owed, key=str):
        found = _status_finding(sent, outcome, status, verdict, at)
        details = [("low", problem) for problem in _detail_findings(answer, outcome, verdict)]
        results.append([found] if found else details)
    # Several outcomes are owed only at a time edge: the answer is judged by the one it fits best.
    return min(results, key=lambda result: (bool(result), -min((RANK[s] for s, _ in result), default=0)))
