"""The claim matrix: exhaustive, large, distinct tokens, even shards; its report and its CLI."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fake_issuer import cli
from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.matrix.matrix import Combination, Result, default_matrix, shard, summary
from fake_issuer.matrix.report import render_html, render_markdown, report_tables, write_report
from fake_issuer.policy.contract import Answer, expected_challenge
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE, INVALID_TOKEN, OK, PRIVATE, SCOPED, judge, outcome

MATRIX = default_matrix()


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
    # By DESIGN §5: good signature, exact iss, aud exact or in a list, exp valid or inside the leeway,
    # no nbf: 4 valid cells per scope value; scope exact or among others gives 200 on the scoped endpoint.
    judgements = [judge(MATRIX.spec(c), MATRIX.policy, MATRIX.now) for c in MATRIX.combinations]
    scoped = Counter(outcome(j, MATRIX.policy, SCOPED) for j in judgements if j.rule is None)
    assert scoped == {OK: 8, INSUFFICIENT_SCOPE: 12}


def _results(broken: bool) -> list[Result]:
    chosen = MATRIX.combinations[:3] + MATRIX.combinations[-3:]
    specs = {f"Bearer {MATRIX.spec(c).encode()}": MATRIX.spec(c) for c in chosen}

    def send(endpoint: str, authorization: str | None) -> Answer:
        # A stand-in API that answers as the oracle says (or, broken, lets everything into /api/private).
        if broken and endpoint == PRIVATE:
            return Answer(200, None, {"message": "hi"})
        wanted = outcome(judge(specs[str(authorization)], MATRIX.policy, MATRIX.now), MATRIX.policy, endpoint)
        if wanted == OK:
            return Answer(200, None, {"message": "m"})
        challenge = expected_challenge(wanted, MATRIX.policy) or ""
        challenge += 'x"' if wanted == INVALID_TOKEN else ""
        return Answer(wanted.status, challenge, {"error": wanted.error, "error_description": "x"})

    return MATRIX.run(chosen, send)


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
    answer: Any = api.get("/", None)
    assert answer == Answer(500, None, None) and "now=0" in repr(api)


def test_serving_again_keeps_the_pinned_validator() -> None:
    from apiexample.auth import require_auth
    from fake_issuer import FakeIssuer

    api = DjangoAPI(FakeIssuer(), now=0)
    with api.serving():
        first = require_auth.validator
    with api.serving():
        assert require_auth.validator is first and first.clock() == 0
    require_auth.reset()
