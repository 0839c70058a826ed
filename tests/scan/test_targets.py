"""``fake-issuer scan`` against real server processes: the flawed targets, the reference, this API.

Every flawed target in ``tests/scan/targets/`` is scanned over HTTP (concurrently, to keep the suite
short); the findings must be exactly those its seeded faults produce (``tests.scan.faults``, written
from the faults and the oracle), each with the legend's severity, and the reference target must have
none. This repository's API runs under gunicorn and must have nothing at low or above under ``strict``.
"""

from __future__ import annotations

import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fake_issuer.scan import Options, Report, Scanner, Targets
from tests.scan import faults as model
from tests.scan.targets import (
    alg_confusion,
    aud_iss,
    exp_ignored,
    jku_followed,
    jwks_at_import,
    reference,
    scope_crash,
    scope_substring,
)

TARGETS = {
    module.__name__.rsplit(".", 1)[-1]: module.FAULTS
    for module in (
        reference,
        aud_iss,
        exp_ignored,
        alg_confusion,
        scope_substring,
        scope_crash,
        jwks_at_import,
        jku_followed,
    )
}
#: Scenario checks each JWKS fault fails, written from the fault (never refetching the JWKS).
SCENARIO_FINDINGS: dict[str, list[tuple[str, str]]] = {
    "jwks-at-import": [
        ("scenario/cold-start", "high"),
        ("scenario/jwks-status-recovery", "high"),
        ("scenario/rotation-new-key", "high"),
        ("scenario/rotation-withdrawn-key", "critical"),
    ],
    # Accepting the token whose jku named the attacker's JWKS, and fetching that JWKS: two findings.
    "jku-followed": [("scenario/jku-fetched", "critical"), ("scenario/jku-fetched", "critical")],
}
SAMPLE = 60
URL = "http://127.0.0.1:{port}"
ENDPOINTS = Targets(f"{URL}/api/private", f"{URL}/api/private-scoped", f"{URL}/api/public")
ROOT = Path(__file__).resolve().parents[2]


#: Targets whose faults are in the JWKS handling also play the scenarios; the claim faults share the
#: reference target's JWKS code, whose scenarios the reference run checks.
JWKS_TARGETS = {"reference", "jwks_at_import", "jku_followed"}


def _scan(name: str) -> Report:
    options = Options(sample=SAMPLE, seed=13, jwks_ttl=2, recovery_wait=6, workers=4, timeout=30)
    options.scenarios = name in JWKS_TARGETS
    if name == "jwks_at_import":
        options.jwks_faults = ("status",)  # it never refetches: every fault fails alike, one will do
    command = f"{sys.executable} -m tests.scan.targets.{name} --port {{port}} --issuer {{issuer}} "
    command += "--audience {audience} --ttl 2"
    with Scanner(options) as scanner:
        return scanner.scan(Targets(ENDPOINTS.private, ENDPOINTS.scoped, ENDPOINTS.public, command))


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    """Every target scanned once, all at the same time (their scenario waits overlap)."""
    with ThreadPoolExecutor(len(TARGETS)) as pool:
        return dict(zip(TARGETS, pool.map(_scan, TARGETS), strict=True))


def expected(report: Report, faults: frozenset[str]) -> dict[str, set[tuple[str | None, ...]]]:
    """Per case id, the finding severities the seeded ``faults`` may produce on the cases ``report`` ran.

    Several alternatives only for matrix cells at the ``nbf`` time edge (``tests.scan.faults``).
    """
    issuer = report.settings["issuer"]
    ran = {row.id for row in report.rows if not row.skipped}
    indices = {int(m.group(1)) for case in ran if (m := re.fullmatch(r"matrix/(\d+)@.*", case))}
    allowed: dict[str, set[tuple[str | None, ...]]] = {}
    for case, level in model.attack_findings(issuer, faults):
        allowed[case] = {(level,)}
    for case, levels in model.matrix_findings(issuer, indices, faults).items():
        allowed[case] = {(level,) if level else () for level in levels}
    for fault in faults:
        for case, level in SCENARIO_FINDINGS.get(fault, []):
            allowed[case] = {(*next(iter(allowed.get(case, {()}))), level)}
    return {case: levels for case, levels in allowed.items() if case in ran and levels != {()}}


def found(report: Report) -> dict[str, tuple[str | None, ...]]:
    """Per case id, the severities of its findings, sorted."""
    cases: dict[str, list[str]] = {}
    for finding in report.findings:
        cases.setdefault(finding.case, []).append(finding.severity)
    return {case: tuple(sorted(levels)) for case, levels in cases.items()}


@pytest.mark.parametrize("name", list(TARGETS))
def test_scan_reports_exactly_the_seeded_faults(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    got, allowed = found(report), expected(report, TARGETS[name])
    assert {f.case: f.title for f in report.findings if f.case not in allowed} == {}
    assert {case: levels for case, levels in allowed.items() if got.get(case, ()) not in levels} == {}
    assert report.requests > 2 * SAMPLE * 3  # the catalog on two endpoints and the sampled matrix on three


def test_every_seeded_fault_shows_in_the_cases_run(reports: dict[str, Report]) -> None:
    for name, faults in TARGETS.items():
        for fault in faults:
            modelled = expected(reports[name], frozenset({fault}))
            assert {case for case in modelled if "bearer-many-spaces" not in case}, (name, fault)


def test_findings_name_the_case_reference_request_answer_and_what_was_owed(
    reports: dict[str, Report],
) -> None:
    finding = next(
        f for f in reports["alg_confusion"].findings if f.case == "attack/alg-none-unsigned@private"
    )
    assert (finding.severity, finding.reference) == ("critical", model.BY_ID["alg-none-unsigned"].reference)
    assert finding.request.startswith("GET /api/private; Authorization: 'Bearer <token>'; <token> = ")
    assert '"alg": "none"' in finding.request and '"iss": "http://127.0.0.1:' in finding.request
    assert finding.got.startswith("200 ") and finding.owed == "401 invalid_token"


def test_this_api_under_gunicorn_has_nothing_at_low_or_above_under_strict() -> None:
    # A sample of 200 cells (600 requests): the whole matrix runs in-process in tests/properties
    # against the same validator, and over HTTP in `python -m bench.scan` (about 36 000 requests).
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = (
        "AUTH0_ISSUER={issuer} AUTH0_AUDIENCE={audience} AUTH0_JWKS_TTL=2 AUTH0_JWKS_MIN_REFETCH_INTERVAL=1 "
        "DJANGO_SETTINGS_MODULE=apiexample.settings DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1 "
        f"{gunicorn} --chdir {ROOT} -b 127.0.0.1:{{port}} "
        "-w 1 --threads 4 apiexample.wsgi"
    )
    options = Options(sample=200, jwks_ttl=2, recovery_wait=15, workers=4, timeout=30, realm="apiexample")
    with Scanner(options) as scanner:
        report = scanner.scan(Targets(ENDPOINTS.private, ENDPOINTS.scoped, ENDPOINTS.public, command))
    assert [(f.case, f.title) for f in report.at_or_above("low")] == []
    # The one info finding: gunicorn refuses a 100 000-space header (its 8 190-byte field limit).
    assert {f.case for f in report.findings} == {
        "attack/bearer-many-spaces@private",
        "attack/bearer-many-spaces@scoped",
    }
    assert {row.id for row in report.rows if row.source == "scenario" and not row.skipped} >= {
        "scenario/cold-start",
        "scenario/rotation-new-key",
        "scenario/rotation-withdrawn-key",
        "scenario/unknown-kid-flood",
        "scenario/jku-fetched",
        "scenario/x5u-fetched",
        "scenario/jwks-slow-recovery",
    }
