"""The claim matrix: exhaustive, large, distinct tokens, even shards; its report and its CLI."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fake_issuer import cli
from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.matrix.dpop import default_dpop_matrices
from fake_issuer.matrix.legend import TERMS, VALUES
from fake_issuer.matrix.matrix import (
    Combination,
    Matrix,
    Result,
    Send,
    default_matrix,
    default_time_matrix,
    shard,
    summary,
)
from fake_issuer.matrix.report import (
    Run,
    render_html,
    render_markdown,
    report_sections,
    report_tables,
    rule_name,
    write_report,
    write_sections,
)
from fake_issuer.policy.contract import Answer, Scheme, expected_challenge
from fake_issuer.policy.dpop import INVALID_PROOF, DPoPRequest, judge_dpop
from fake_issuer.policy.oracle import (
    INSUFFICIENT_SCOPE,
    INVALID_TOKEN,
    OK,
    PRIVATE,
    PROTECTED,
    SCOPED,
    Outcome,
    judge,
    outcome,
)
from fake_issuer.policy.spec import TokenSpec

MATRIX = default_matrix()
TIMES = default_time_matrix()


def test_the_matrix_is_the_full_product_and_large() -> None:
    assert len(MATRIX) == math.prod(len(values) for values in MATRIX.table.values()) >= 10_000
    assert len({combination.values for combination in MATRIX.combinations}) == len(MATRIX)


def test_every_combination_is_a_distinct_token() -> None:
    # Same signature variant and same payload would mean the same token; RS256 (PKCS#1 v1.5) is deterministic.
    keys = {(c.values[0][1], MATRIX.spec(c).payload_bytes()) for c in MATRIX.combinations}
    assert len(keys) == len(MATRIX)


def test_shards_partition_the_matrix_evenly() -> None:
    shards = [shard(MATRIX.combinations, i, 12) for i in range(12)]
    assert sorted(c.index for part in shards for c in part) == list(range(len(MATRIX)))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_the_oracle_accepts_exactly_the_hand_counted_cells() -> None:
    # By the policy: good signature, exact iss, aud exact or in a list, exp valid or inside the leeway,
    # no nbf: 4 valid cells per scope value; scope exact or among others gives 200 on the scoped endpoint.
    judgements = [judge(MATRIX.spec(c), MATRIX.policy, MATRIX.now) for c in MATRIX.combinations]
    scoped = Counter(outcome(j, MATRIX.policy, SCOPED) for j in judgements if j.rule is None)
    assert scoped == {OK: 8, INSUFFICIENT_SCOPE: 12}


def answer_for(wanted: Outcome, matrix: Matrix) -> Answer:
    """The answer the contract owes for ``wanted``."""
    if wanted == OK:
        return Answer(200, None, {"message": "m"})
    challenge = expected_challenge(wanted, matrix.policy) or ""
    challenge += 'x"' if wanted == INVALID_TOKEN else ""
    return Answer(wanted.status, challenge, {"error": wanted.error, "error_description": "x"})


Override = Callable[[dict[str, Any], str], Outcome | None]


def stand_in(matrix: Matrix, chosen: list[Combination], override: Override | None = None) -> Send:
    """An API answering as the oracle says, except where ``override(claims, endpoint)`` names an outcome
    on a protected endpoint."""
    specs: dict[str, TokenSpec] = {f"Bearer {matrix.spec(c).encode()}": matrix.spec(c) for c in chosen}

    def send(endpoint: str, authorization: str | None) -> Answer:
        spec = specs[str(authorization)]
        wanted = outcome(judge(spec, matrix.policy, matrix.now), matrix.policy, endpoint)
        changed = override(dict(spec.claims), endpoint) if override and endpoint in PROTECTED else None  # type: ignore[call-overload]
        return answer_for(wanted if changed is None else changed, matrix)

    return send


def _results(broken: bool) -> list[Result]:
    chosen = MATRIX.combinations[:3] + MATRIX.combinations[-3:]
    # Broken: lets everything into /api/private.
    everything_in: Override = lambda claims, endpoint: OK if endpoint == PRIVATE else None  # noqa: E731
    return MATRIX.run(chosen, stand_in(MATRIX, chosen, everything_in if broken else None))


def test_report_lists_disagreements_first_and_highlights_them(tmp_path: Path) -> None:
    results = _results(broken=True)
    assert summary(results)["disagreements"] > 0
    opening, tables = report_tables(results, MATRIX.table)
    assert "disagreements with the oracle" in opening and tables[0].title == "Disagreements with the oracle"
    assert "❌" in render_markdown(opening, tables) and 'class="bad"' in render_html(opening, tables)
    markdown, page = write_report(results, MATRIX.table, tmp_path / "out" / "matrix")
    assert markdown.suffix == ".md" and page.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_report_of_an_agreeing_run_has_no_disagreement_table() -> None:
    results = _results(broken=False)
    opening, tables = report_tables(results, MATRIX.table)
    assert all(r.agrees for r in results) and "0 disagreements" in opening
    assert all(table.title != "Disagreements with the oracle" for table in tables)
    assert str(Combination(0, (("a", "b"),))) == "a=b"


def test_cli_runs_the_matrix_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix", "--limit", "40", "--report", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "40 combinations, 120 requests, 0 disagreements" in out
    assert "Combinations answered 200" in (tmp_path / "m.md").read_text(encoding="utf-8")


def test_cli_runs_one_matrix_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix", "--matrix", "times", "--limit", "5", "--report", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("time matrix: 5 combinations, 15 requests, 0 disagreements")
    assert "claim matrix" not in out and "## /api/private" in (tmp_path / "t.md").read_text(encoding="utf-8")


def test_cli_exits_1_on_a_disagreement(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(DjangoAPI, "get", lambda self, endpoint, value: Answer(500, None, None))
    assert cli.main(["matrix", "--limit", "2"]) == 1
    assert "disagreements" in capsys.readouterr().out


def test_configure_django_only_when_nothing_has() -> None:
    from fake_issuer.matrix.django_api import configure_django

    class Unconfigured:
        configured = False

    calls: list[str] = []
    environ: dict[str, str] = {"AUTH0_AUDIENCE": "kept"}
    configure_django(
        "https://i/", "a", environ=environ, settings=Unconfigured(), setup=lambda: calls.append("setup")
    )
    assert calls == ["setup"] and environ == {
        "AUTH0_AUDIENCE": "kept",
        "DJANGO_SETTINGS_MODULE": "apiexample.settings",
        "AUTH0_ISSUER": "https://i/",
    }
    configure_django("https://i/", "a", environ=environ)  # pytest-django configured Django already
    assert calls == ["setup"]


def test_django_api_answers_non_json_as_no_body(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.http import HttpResponse

    from fake_issuer import FakeIssuer

    api = DjangoAPI(FakeIssuer(), now=0)
    monkeypatch.setattr(api.client, "get", lambda *args, **kwargs: HttpResponse(b"<html>", status=500))
    monkeypatch.setattr(api.client, "generic", lambda *args, **kwargs: HttpResponse(b"<html>", status=500))
    answer: Any = api.get("/", None)
    assert answer == Answer(500, None, None) and "now=0" in repr(api)
    assert api.send(DPoPRequest(None, scheme=None)) == Answer(500, None, None)


def test_serving_again_keeps_the_pinned_validator() -> None:
    from apiexample.auth import require_auth
    from fake_issuer import FakeIssuer

    api = DjangoAPI(FakeIssuer(), now=0)
    with api.serving():
        first = require_auth.validator
    with api.serving():
        assert require_auth.validator is first and first.clock() == 0
    require_auth.reset()


def test_the_time_matrix_is_a_full_product_of_distinct_tokens_within_budget() -> None:
    assert len(TIMES) == math.prod(len(values) for values in TIMES.table.values())
    keys = {(c.values[0][1], TIMES.spec(c).payload_bytes()) for c in TIMES.combinations}
    assert len(keys) == len(TIMES)
    # Issue 12: the time facets may add at most ~30% to the claim matrix's requests.
    assert len(TIMES) <= 0.3 * len(MATRIX)
    assert {"exp", "nbf", "iat"} <= set(TIMES.table) and TIMES.name == "time matrix"


def test_the_oracle_accepts_exactly_the_hand_counted_time_cells() -> None:
    # By the policy's rules 8-9: exp valid or inside the leeway (2) x nbf absent, past or at now+leeway
    # (3) x iat absent, past or at now+leeway (3), with the good signature, iss and aud: 18 per scope.
    judgements = [judge(TIMES.spec(c), TIMES.policy, TIMES.now) for c in TIMES.combinations]
    scoped = Counter(outcome(j, TIMES.policy, SCOPED) for j in judgements if j.rule is None)
    assert scoped == {OK: 18, INSUFFICIENT_SCOPE: 18}
    assert Counter(j.rule for j in judgements)[9] > 0


def _good_rest(matrix: Matrix) -> list[Combination]:
    good = {"signature": "issuer key", "iss": "exact", "aud": "in a list", "scope": "exact"}
    return [c for c in matrix.combinations if all(good.get(f, v) == v for f, v in c.values)]


def test_the_claim_matrix_alone_misses_a_validator_that_refuses_every_nbf() -> None:
    # The blind spot of issue 12: no valid cell of the claim matrix carries nbf; the time matrix's do.
    def valid_with_nbf(matrix: Matrix) -> int:
        return sum(
            "nbf" in matrix.spec(c).claims and judge(matrix.spec(c), matrix.policy, matrix.now).rule is None  # type: ignore[operator]
            for c in matrix.combinations
        )

    assert valid_with_nbf(MATRIX) == 0 and valid_with_nbf(TIMES) > 0


def test_the_time_matrix_catches_a_validator_refusing_every_nbf() -> None:
    chosen = _good_rest(TIMES)
    refuses_nbf: Override = lambda claims, endpoint: INVALID_TOKEN if "nbf" in claims else None  # noqa: E731
    bad = [r for r in TIMES.run(chosen, stand_in(TIMES, chosen, refuses_nbf)) if not r.agrees]
    assert bad and {dict(r.combination.values)["nbf"] for r in bad} == {"past", "inside leeway"}


def test_the_time_matrix_catches_a_validator_with_iat_off_by_the_edge() -> None:
    chosen = _good_rest(TIMES)
    limit = TIMES.now + TIMES.policy.leeway

    def strict_iat(claims: dict[str, Any], endpoint: str) -> Outcome | None:
        # iat < now + leeway instead of <=: the last accepted instant is refused.
        return INVALID_TOKEN if claims.get("iat") == limit else None

    bad = [r for r in TIMES.run(chosen, stand_in(TIMES, chosen, strict_iat)) if not r.agrees]
    assert bad and {dict(r.combination.values)["iat"] for r in bad} == {"inside leeway future"}


def test_the_legend_explains_every_value_and_term_of_both_matrices() -> None:
    results = _results(broken=False)
    _, tables = report_sections(
        [Run("claim matrix", results, MATRIX.table), Run("time matrix", [], TIMES.table)]
    )
    legend = next(t for t in tables if t.title == "Legend")
    terms = {row[0] for row in legend.rows}
    for table in (MATRIX.table, TIMES.table):
        assert {f"{facet} = {value}" for facet, values in table.items() for value in values} <= terms
    assert {
        "iss = superstring",
        "exp = inside leeway",
        "signature = tampered: flip_bit",
        "decides alone",
    } <= terms
    assert all(len(row) == 2 and row[1] for row in legend.rows) and len(VALUES) + len(TERMS) >= len(terms)


def test_the_rule_table_names_scope_and_is_written_once_where_endpoints_agree() -> None:
    valid = _good_rest(TIMES)[:4] + [c for c in _good_rest(TIMES) if dict(c.values)["exp"] == "missing"][:2]
    scopeless = [c for c in TIMES.combinations if dict(c.values)["scope"] == "missing"][:2]
    opening, tables = report_tables(
        TIMES.run(valid + scopeless, stand_in(TIMES, valid + scopeless)), TIMES.table
    )
    rules = [t for t in tables if t.title == "Oracle's first failing rule"]
    assert len(rules) == 2 and rules[0].headers and rules[1].headers
    assert ["scope (403)", "0"] not in rules[0].rows and any(r[0] == "scope (403)" for r in rules[1].rows)
    assert [r[0] for r in rules[0].rows] == sorted((r[0] for r in rules[0].rows), key=lambda n: n == "valid")
    _, tables = report_tables(TIMES.run(valid, stand_in(TIMES, valid)), TIMES.table)
    rules = [t for t in tables if t.title == "Oracle's first failing rule"]
    assert rules[1].headers == [] and rules[1].note == "The same as for /api/private."
    assert "The same as for /api/private." in render_markdown(opening, tables)
    assert "<p>The same as for /api/private.</p>" in render_html(opening, tables)


def test_a_report_of_two_matrices_has_a_section_each(tmp_path: Path) -> None:
    chosen = _good_rest(TIMES)[:2]
    runs = [
        Run("claim matrix", _results(broken=True), MATRIX.table),
        Run("time matrix", TIMES.run(chosen, stand_in(TIMES, chosen)), TIMES.table),
    ]
    opening, tables = report_sections(runs)
    assert opening.startswith("24 requests (claim matrix: 18; time matrix: 6);")
    assert tables[0].title == "Disagreements with the oracle" and tables[0].rows[0][0] == "claim matrix"
    assert [t.title for t in tables if t.level == 2][-2:] == ["Claim matrix", "Time matrix"]
    markdown, _ = write_sections(runs, tmp_path / "two")
    assert "## Time matrix" in markdown.read_text(encoding="utf-8")


def test_a_rule_named_by_its_check_is_reported_by_that_name() -> None:
    result = Result(Combination(0, ()), PRIVATE, INVALID_TOKEN, INVALID_TOKEN, "proof: htm", ())
    assert rule_name(result) == "proof: htm"


def test_the_dpop_matrices_are_full_products_with_a_legend_for_every_value() -> None:
    matrices = default_dpop_matrices()
    assert [m.dpop.mode for m in matrices] == ["allowed", "required", "disabled"]
    for matrix in matrices:
        assert len(matrix) == math.prod(len(values) for values in matrix.table.values())
        assert {(facet, value) for facet, values in matrix.table.items() for value in values} == set(
            matrix.legend
        )
    # Each request has a jti of its own (the matrix never replays by accident) and its endpoint's htu.
    matrix = matrices[0]
    requests = [matrix.request(c, endpoint) for c in matrix.combinations for endpoint in (PRIVATE, SCOPED)]
    jtis = [p.claims.get("jti") for r in requests for p in r.proofs if isinstance(p.claims, dict)]
    named = [jti for jti in jtis if jti is not None]
    assert len(named) == len(set(named)) > len(matrix)


def test_the_oracle_accepts_the_hand_counted_dpop_cells() -> None:
    # By RFC 9449 §4.3 and the contract: on /api/private, a DPoP-scheme request (2 spellings) with a
    # proof that passes (valid, htu with query, htu with :80, iat at either edge: 5) for a valid token
    # (with or without read:messages: 2) bound to the proof key, plus the replayed proof (sent alone
    # here): 24 cells, in allowed and required.
    for matrix in default_dpop_matrices():
        accepted = [
            c
            for c in matrix.combinations
            if judge_dpop(matrix.request(c, PRIVATE), matrix.policy, matrix.dpop, matrix.now).outcome == OK
            and dict(c.values)["scheme"] in ("DPoP", "dpop")
        ]
        assert len(accepted) == (0 if matrix.dpop.mode == "disabled" else 24)


def test_the_dpop_matrix_sends_a_replayed_proof_twice() -> None:
    matrix = default_dpop_matrices()[0]
    replayed = next(
        c
        for c in matrix.combinations
        if dict(c.values) == {"scheme": "DPoP", "proof": "replayed", "binding": "proof key", "token": "valid"}
    )
    sent: list[DPoPRequest] = []

    def send(request: DPoPRequest) -> Answer:
        sent.append(request)
        first = len(sent) % 2 == 1
        wanted = OK if first else INVALID_PROOF
        scheme = Scheme("DPoP", matrix.dpop.algorithms, with_bearer=True)
        challenge = (
            None
            if first
            else f'{expected_challenge(wanted, matrix.policy, scheme)}replayed", Bearer realm="apiexample"'
        )
        body = {"message": "m"} if first else {"error": "invalid_dpop_proof", "error_description": "replayed"}
        return Answer(wanted.status, challenge, body)

    results = matrix.run([replayed], send)
    assert len(sent) == 4 and sent[0] == sent[1]
    assert [r.expected for r in results] == [INVALID_PROOF, INVALID_PROOF] and all(r.agrees for r in results)
    assert {r.rule for r in results} == {"proof 9: replay"}


def test_cli_runs_the_dpop_matrices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix", "--matrix", "dpop", "--limit", "30", "--report", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "DPoP matrix, AUTH0_DPOP=required: 30 combinations, 60 requests, 0 disagreements" in out
    report = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "## DPoP matrix, AUTH0_DPOP=disabled" in report and "| proof = htu with query |" in report
