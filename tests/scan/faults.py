"""The seeded faults as a model: what each flawed target answers, written from the fault, not the scanner.

A fault makes the target accept what a rule should refuse (or crash on it). For catalog entries the
model reads the entry's own rule (``Expected.rule``, written from docs/validation-policy.md) and the
token's header and claims; for matrix cells it treats one facet value as another (``aud`` unchecked:
every ``aud`` value is as good as the exact one) and asks the oracle. The severity then follows the
legend: a refused request accepted is critical, a wrong status class medium, a 500 high.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping

from fake_issuer import FakeIssuer
from fake_issuer.attacks import CATALOG, Attack
from fake_issuer.encoding import b64url_decode
from fake_issuer.matrix.matrix import Combination, Matrix
from fake_issuer.policy.oracle import (
    INSUFFICIENT_SCOPE,
    OK,
    PRIVATE,
    PUBLIC,
    SCOPED,
    Outcome,
    Policy,
    judge,
    outcome,
    scope_granted,
)
from fake_issuer.policy.spec import key_ring

SCOPE = "read:messages"
CRASH = Outcome(500)
BY_ID = {entry.id: entry for entry in CATALOG}
#: Python's http.server refuses a request line or header longer than this (431), before any handler.
HTTP_SERVER_LINE_LIMIT = 65536
#: Matrix facet values a fault makes as good as a valid one.
MATRIX_SUBSTITUTES: dict[str, dict[str, dict[str, str]]] = {
    "aud-unchecked": {
        "aud": {value: "exact" for value in ("missing", "other API", "empty list", "trailing slash")}
    },
    "iss-prefix": {"iss": {"superstring": "exact"}},
    "exp-ignored": {"exp": {value: "valid" for value in ("expired", "missing", "string")}},
    "alg-none": {"signature": {"alg none": "issuer key"}},
    "hs256-public-key": {"signature": {"HS256 with the public key": "issuer key"}},
    "scope-substring": {"scope": {"superstring": "exact", "comma-separated": "exact"}},
}


#: Faults the model decides from the token's header and claims, and the rules whose entries they touch.
TOKEN_FAULTS = {
    "iss-prefix",
    "alg-none",
    "hs256-public-key",
    "jku-followed",
    "scope-crash",
    "scope-substring",
}
TOKEN_RULES = {"rule 3", "rule 5", "rule 6", "rule 10", "scope"}


def severity(owed: Outcome, got: Outcome) -> str | None:
    """The legend's severity for answering ``got`` where ``owed`` was due (None: no finding)."""
    if got == owed:
        return None
    if got == CRASH:
        return "high"
    if got.status == 200 and owed.status == 401:
        return "critical"
    return "medium"


def _decoded(token: str) -> tuple[dict[str, object], dict[str, object]]:
    parts = token.split(".")
    try:
        header, claims = (json.loads(b64url_decode(part)) for part in parts[:2])
    except (ValueError, IndexError, RecursionError):
        return {}, {}
    return (header, claims) if isinstance(header, dict) and isinstance(claims, dict) else ({}, {})


def _granted(claims: Mapping[str, object], faults: Collection[str]) -> bool:
    scope = claims.get("scope")
    if "scope-substring" in faults:
        return SCOPE in str(scope if scope is not None else "")
    return scope_granted(claims, SCOPE)


def _accepted(
    entry: Attack,
    header: Mapping[str, object],
    claims: Mapping[str, object],
    issuer: FakeIssuer,
    token: str,
    faults: Collection[str],
) -> bool:
    rule = entry.expected.rule
    iss = claims.get("iss")
    checks = {
        "aud-unchecked": rule == "rule 7",
        "iss-prefix": rule == "rule 6" and isinstance(iss, str) and iss.startswith(issuer.issuer),
        "exp-ignored": rule == "rule 8",
        "alg-none": rule == "rule 3" and header.get("alg") == "none",
        "jku-followed": rule == "rule 3" and header.get("jku") == issuer.jwks_url,
        "scope-crash": rule == "rule 10" and "scope" in claims and not isinstance(claims["scope"], str),
    }
    if "hs256-public-key" in faults and header.get("alg") == "HS256":
        signing_input, _, signature = token.rpartition(".")
        mac = hmac.new(issuer.signing_key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        checks["hs256-public-key"] = hmac.compare_digest(mac, b64url_decode(signature))
    return any(checks.get(fault, False) for fault in faults)


def attack_findings(issuer_url: str, faults: Collection[str]) -> set[tuple[str, str]]:
    """(case id, severity) of every catalog entry the faulty target answers otherwise than owed."""
    found = set()
    for entry in CATALOG:
        rule = entry.expected.rule
        if entry.category == "authorization" and entry.expected.private == OK:
            request = entry.request(FakeIssuer(issuer_url))
            if len(request.authorization or "") > HTTP_SERVER_LINE_LIMIT:
                found |= {(f"attack/{entry.id}@{name}", "info") for name in ("private", "scoped")}
            continue
        # Only the entries a fault can change are rebuilt (building some generates keys: slow).
        relevant = {"aud-unchecked": rule == "rule 7", "exp-ignored": rule == "rule 8"}
        if not any(relevant.get(fault, fault in TOKEN_FAULTS and rule in TOKEN_RULES) for fault in faults):
            continue
        issuer = FakeIssuer(issuer_url)
        request = entry.request(issuer)
        if request.authorization is None:
            continue
        header, claims = _decoded(request.token or "")
        got = {"private": entry.expected.private, "scoped": entry.expected.scoped}
        if _accepted(entry, header, claims, issuer, request.token or "", faults):
            got = {"private": OK, "scoped": OK if _granted(claims, faults) else INSUFFICIENT_SCOPE}
            if "scope-crash" in faults and entry.expected.rule == "rule 10":
                got["scoped"] = CRASH
        elif (
            "scope-substring" in faults
            and entry.expected.scoped == INSUFFICIENT_SCOPE
            and _granted(claims, faults)
        ):
            got["scoped"] = OK
        for name, answered in got.items():
            level = severity(entry.expected.on(name), answered)  # type: ignore[arg-type]
            if level:
                found.add((f"attack/{entry.id}@{name}", level))
    return found


def matrix_findings(
    issuer_url: str, indices: Collection[int], faults: Collection[str]
) -> dict[str, set[str | None]]:
    """Per matrix case id in ``indices``, the severities the faulty target's answers may earn.

    The scanner signs a cell at most a second before sending it and judges it when it leaves and when
    the answer is back; a target may check an ``nbf`` beyond the leeway a moment after it is reached,
    so for those cells the answer at a later instant (``nbf`` reached) is modelled too.
    """
    ring = key_ring(issuer_url)
    policy = Policy.for_keys(issuer_url, "https://apiexample.test/api", ring.published, required_scope=SCOPE)
    matrix = Matrix(policy, ring)
    found: dict[str, set[str | None]] = {}
    for index in indices:
        combination = matrix.combinations[index]
        values = dict(combination.values)
        for fault in faults:
            for facet, substitutes in MATRIX_SUBSTITUTES.get(fault, {}).items():
                values[facet] = substitutes.get(values[facet], values[facet])
        faulty = Combination(index, tuple(values.items()))
        instants = [matrix.now, *([matrix.now + 2] if values["nbf"] == "beyond leeway" else [])]
        for path in (PUBLIC, PRIVATE, SCOPED):
            levels = set()
            for owed_at in instants:
                owed = outcome(judge(matrix.spec(combination), policy, owed_at), policy, path)
                got = outcome(judge(matrix.spec(faulty), policy, owed_at), policy, path)
                late = outcome(judge(matrix.spec(faulty), policy, instants[-1]), policy, path)
                levels |= {severity(owed, got), severity(owed, late)}
            found[f"matrix/{index}@{path.rsplit('/', 1)[-1]}"] = levels
    return found
