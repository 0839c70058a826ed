"""The scanner's judging, profiles and reports on hand-made answers (RFC 6750 §3, RFC 9110 §5.4-§5.5)."""

from __future__ import annotations

import pytest

from fake_issuer import FakeIssuer
from fake_issuer.keys import generate_ec_key
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE, INVALID_TOKEN, NO_CREDENTIALS, OK, Outcome, Policy
from fake_issuer.scan.cases import Sent
from fake_issuer.scan.judge import Finding, Reply, Verdict, judge_reply
from fake_issuer.scan.profiles import REQUIREMENTS, Context, candidate_tokens, rfc_refusal, token_breach
from fake_issuer.scan.report import Report, Row, render_junit, render_markdown
from fake_issuer.scan.runner import shown_request, shown_token

ISSUER = FakeIssuer("http://127.0.0.1:1/")
POLICY = Policy(ISSUER.issuer, ISSUER.audience, {}, realm="apiexample")
CONTEXT = Context(ISSUER.issuer, ISSUER.audience, 60, tuple(ISSUER.keys))
STRICT = Verdict("strict", POLICY, CONTEXT)
RFC = Verdict("rfc", POLICY, CONTEXT)
INVALID = 'Bearer realm="apiexample", error="invalid_token", error_description="Bad."'
ERROR_BODY = '{"error": "invalid_token", "error_description": "Bad."}'
NOW = ISSUER.clock()


def sent(token: str | None = None, **kwargs: object) -> Sent:
    """A request to the private endpoint carrying ``token``."""
    authorization = f"Bearer {token}" if token else None
    return Sent("/api/private", authorization, tokens=(token,) if token else (), **kwargs)  # type: ignore[arg-type]


def reply(status: int | None, challenge: str | None = None, body: str = "", **headers: str) -> Reply:
    """An answer with ``status`` and ``challenge``."""
    found = {"www-authenticate": challenge} if challenge else {}
    return Reply(status, {**found, **headers}, body, 0.01, None if status else "timed out (read)")


def levels(found: list[tuple[str, str]]) -> list[str]:
    """The severities only."""
    return [level for level, _ in found]


def test_a_forgery_accepted_is_critical_under_both_profiles() -> None:
    forged = ISSUER.mint(alg="HS256", secret=b"x")
    assert levels(judge_reply(sent(forged), {INVALID_TOKEN}, reply(200), STRICT, NOW)) == ["critical"]
    assert levels(judge_reply(sent(forged), {INVALID_TOKEN}, reply(200), RFC, NOW)) == ["critical"]


def test_a_strictness_choice_accepted_is_critical_under_strict_and_info_under_rfc() -> None:
    typed = ISSUER.mint(header={"typ": "JOSE+JSON"})
    assert levels(judge_reply(sent(typed), {INVALID_TOKEN}, reply(200), STRICT, NOW)) == ["critical"]
    assert levels(judge_reply(sent(typed), {INVALID_TOKEN}, reply(200), RFC, NOW)) == ["info"]
    assert levels(judge_reply(sent(typed), {OK}, reply(401, INVALID, ERROR_BODY), RFC, NOW)) == ["info"]
    assert levels(judge_reply(sent(typed), {OK}, reply(401, INVALID, ERROR_BODY), STRICT, NOW)) == ["medium"]


@pytest.mark.parametrize(
    ("owed", "answer", "level"),
    [
        (INSUFFICIENT_SCOPE, reply(200), "medium"),
        (INVALID_TOKEN, reply(403), "medium"),
        (INVALID_TOKEN, reply(500), "high"),
        (INVALID_TOKEN, reply(503, **{"retry-after": "5"}), "medium"),
        (INVALID_TOKEN, reply(None), "high"),
        (INVALID_TOKEN, Reply(None, {}, "", 0.1, "ProtocolError: reset"), "high"),
        (INVALID_TOKEN, Reply(401, {"www-authenticate": INVALID}, ERROR_BODY, 99.0), "high"),
        (INVALID_TOKEN, reply(401, "Basic"), "low"),
        (INSUFFICIENT_SCOPE, reply(403, 'Bearer error="insufficient_scope"', "{}"), "low"),
        (
            INVALID_TOKEN,
            reply(401, 'Bearer realm="elsewhere", error="invalid_token", error_description="x"'),
            "low",
        ),
        (INVALID_TOKEN, reply(401, INVALID, "not json"), "low"),
        (INVALID_TOKEN, reply(401, INVALID, '{"error": "x", "error_description": "y"}'), "low"),
    ],
)
def test_the_legend_is_applied(owed: Outcome, answer: Reply, level: str) -> None:
    found = judge_reply(sent(ISSUER.mint(claims={"exp": 1})), {owed}, answer, STRICT, NOW)
    assert levels(found)[:1] == [level]


def test_a_503_with_retry_after_is_fair_when_the_keys_cannot_be_had() -> None:
    answer = reply(503, **{"retry-after": "5"})
    assert judge_reply(sent(ISSUER.mint()), {OK}, answer, STRICT, NOW, unavailable=True) == []


def test_the_http_layer_may_refuse_oversized_or_control_characters() -> None:
    huge = Sent("/api/private", "Bearer " + "a" * 9000)
    assert judge_reply(huge, {INVALID_TOKEN}, reply(431), STRICT, NOW) == []
    assert judge_reply(huge, {INVALID_TOKEN}, reply(None), STRICT, NOW) == []
    assert levels(judge_reply(huge, {OK}, reply(400), STRICT, NOW)) == ["info"]
    control = Sent("/api/private", "Bearer\x0bx")
    assert judge_reply(control, {NO_CREDENTIALS}, reply(400), STRICT, NOW) == []


def test_a_time_edge_is_judged_by_the_outcome_the_answer_fits() -> None:
    both = {OK, INVALID_TOKEN}
    assert judge_reply(sent(ISSUER.mint()), both, reply(401, INVALID, ERROR_BODY), STRICT, NOW) == []
    assert judge_reply(sent(ISSUER.mint()), both, reply(200, None, '{"message": "hi"}'), STRICT, NOW) == []


def test_any_realm_is_fine_unless_one_is_asked_for() -> None:
    other = 'Bearer realm="theirs", error="invalid_token", error_description="Bad."'
    anywhere = Verdict("strict", POLICY, CONTEXT, realm_checked=False)
    assert (
        judge_reply(sent(ISSUER.mint()), {INVALID_TOKEN}, reply(401, other, ERROR_BODY), anywhere, NOW) == []
    )
    assert judge_reply(sent(ISSUER.mint()), {INVALID_TOKEN}, reply(401, other, ERROR_BODY), STRICT, NOW)


BREACHES: list[tuple[str, str | None]] = [
    ("a.b", "not-compact"),
    ("!!.!!.!!", "not-json"),
    ("W10.W10.", "not-json"),
    (ISSUER.mint(alg="none"), "alg"),
    (ISSUER.mint(header={"crit": ["exp"]}), "crit"),
    (FakeIssuer(ISSUER.issuer, keys=[ISSUER.new_key()]).mint(), "signature"),
    (ISSUER.mint(claims={"iss": "http://127.0.0.1:2/"}), "iss"),
    (ISSUER.mint(claims={"aud": "other"}), "aud"),
    (ISSUER.mint(drop=["exp"]), "exp-missing"),
    (ISSUER.mint(claims={"exp": "soon"}), "exp-type"),
    (ISSUER.mint(claims={"exp": NOW - 61}), "expired"),
    (ISSUER.mint(claims={"nbf": NOW + 3600}), "nbf"),
    (ISSUER.mint(claims={"nbf": "later"}), "nbf"),
    (ISSUER.mint(claims={"nbf": NOW, "aud": ISSUER.audience}), None),
    (ISSUER.mint(header={"typ": "odd"}, claims={"scope": 5}), None),
]


@pytest.mark.parametrize(
    ("token", "breach"),
    BREACHES,
    ids=[
        f"{breach}-{index}" for index, (_, breach) in enumerate(BREACHES)
    ],  # tokens vary: xdist needs stable ids
)
def test_token_breach_names_the_first_rfc_requirement(token: str, breach: str | None) -> None:
    assert token_breach(token, CONTEXT, NOW) == breach


def test_only_rsa_keys_can_verify_an_rs256_signature() -> None:
    ec_first = Context(ISSUER.issuer, ISSUER.audience, 60, (generate_ec_key("scan-test"), *ISSUER.keys))
    assert token_breach(ISSUER.mint(), ec_first, NOW) is None
    assert token_breach(ISSUER.mint(), Context(ISSUER.issuer, ISSUER.audience, 60, ()), NOW) == "signature"


def test_rfc_refusal_needs_every_token_in_the_request_to_break_one() -> None:
    genuine, forged = ISSUER.mint(), ISSUER.mint(alg="none")
    assert rfc_refusal(Sent("/api/private", f"Bearer {genuine} {forged}"), CONTEXT, NOW) is None
    assert rfc_refusal(Sent("/api/private", f"Basic {genuine}"), CONTEXT, NOW) is None
    assert rfc_refusal(Sent("/api/private", f"Bearer{genuine}"), CONTEXT, NOW) is None
    assert rfc_refusal(Sent("/api/private", None, {"access_token": genuine}), CONTEXT, NOW) is None
    assert rfc_refusal(Sent("/api/private", "Bearer"), CONTEXT, NOW) == REQUIREMENTS["no-token"]
    assert rfc_refusal(Sent("/api/private", f"Bearer {forged}"), CONTEXT, NOW) == REQUIREMENTS["alg"]
    proxy = Sent("/api/private", None, headers={"Proxy-Authorization": f"Bearer {genuine}"})
    assert candidate_tokens(proxy) == [genuine]


def test_requests_show_tokens_as_header_and_claims_only() -> None:
    token = ISSUER.mint()
    shown = shown_request(
        Sent("/api/private", f"Bearer {token}", {"access_token": token}, {"X": "y" * 300}, (token,))
    )
    assert token not in shown and token.split(".")[2] not in shown
    assert "query access_token='<token>'" in shown and "X: 'yyy" in shown and "<300 characters>" in shown
    assert '"alg": "RS256"' in shown
    assert shown_token("plain") == "<5 characters, not a JWT>"
    assert '"header": "<3 undecodable characters>"' in shown_token("!!!.e30.x")
    assert shown_token(ISSUER.mint(claims={"pad": "p" * 500})).endswith("...}")


def test_reports_summarise_and_junit_fails_only_at_the_threshold() -> None:
    finding = Finding("attack/x@private", "medium", "t", "RFC 6750 §3", "GET /", "401", "403")
    rows = [Row(f"attack/{n}", "attack", (finding,)) for n in range(60)] + [Row("s", "scenario", (), "why")]
    report = Report("strict", rows, 0, 0.0, 1.0)
    assert "... and 10 more (see the reports)" in report.summary() and report.rate == 0.0
    assert 'failures="60"' in render_junit(report, "medium")
    assert 'failures="0"' in render_junit(report, "high") and "<system-out message=" in render_junit(
        report, "high"
    )
    assert "## Skipped" in render_markdown(report) and "- `s`: why" in render_markdown(report)
    assert "## Skipped" not in render_markdown(Report("rfc", [], 0, 1.0, 1.0))
