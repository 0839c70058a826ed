"""``fake-issuer scan`` on the command line: settings printed, reports written, exit codes, bad arguments."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fake_issuer.cli import main
from fake_issuer.scan import Options

URL = "http://127.0.0.1:{port}"


def _args(target: str, tmp_path: Path, *extra: str) -> list[str]:
    run = f"{sys.executable} -m tests.scan.targets.{target} --port {{port}} --issuer {{issuer}}"
    run += " --audience {audience}"
    return [
        "scan", "--run", run, "--target", f"{URL}/api/private",
        "--scoped-target", f"{URL}/api/private-scoped",
        "--public-target", f"{URL}/api/public", "--sample", "5", "--no-scenarios",
        "--markdown", str(tmp_path / "r.md"), "--html", str(tmp_path / "r.html"),
        "--junit", str(tmp_path / "r.xml"), "--json", str(tmp_path / "r.json"), *extra,
    ]  # fmt: skip


def test_a_flawed_target_fails_the_run_and_every_report_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args("exp_ignored", tmp_path, "--target-log", str(tmp_path / "target.log"))) == 1
    out = capsys.readouterr().out
    assert "Configure the target with:" in out and "  issuer   http://127.0.0.1:" in out
    assert "ca       (none: plain HTTP)" in out and "critical  attack/exp-passed@private" in out
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["counts"]["critical"] >= 2 and document["profile"] == "strict"
    assert "## critical: `attack/exp-passed@private`" in (tmp_path / "r.md").read_text()
    assert (
        '<tr class="critical"><td>critical</td><td><code>attack/exp-passed@private'
        in (tmp_path / "r.html").read_text()
    )
    suite = ElementTree.parse(tmp_path / "r.xml").getroot()
    failed = {case.get("name") for case in suite if case.find("failure") is not None}
    assert "attack/exp-passed@private" in failed and int(suite.get("failures", "0")) == len(failed)
    assert {case.get("name") for case in suite if case.find("skipped") is not None} >= {
        "attack/key-withdrawn"
    }
    assert (tmp_path / "target.log").exists()


def test_fail_on_critical_passes_a_target_whose_findings_are_all_below(tmp_path: Path) -> None:
    # The reference target's only findings are info (a header over http.server's line limit).
    assert (
        main(
            _args("reference", tmp_path, "--fail-on", "critical", "--profile", "rfc", "--realm", "apiexample")
        )
        == 0
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan"], "--target URL is required"),
        (["scan", "--target", "http://127.0.0.1:{nope}/"], "unknown placeholder 'nope'"),
        (["scan", "--target", "http://127.0.0.1:{port}/", "--run", "'unclosed"], "No closing quotation"),
        (["scan", "--target", "http://127.0.0.1:{port}/", "--run", "A=1"], "names no command"),
        (["scan", "--target", "http://127.0.0.1:{port}/", "--run", "/nonexistent/cmd"], "cannot run"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--no-scenarios", "--sample", "1"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "option",
    ["--sample=0", "--sample=x", "--timeout=-1", "--timeout=x", "--profile=lax", "--flood-interval=0"],
)
def test_bad_option_values_exit_2(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["scan", "--target", "http://127.0.0.1:1/", option])
    assert exit.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_dead_target_without_run_or_reports_is_all_high_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["scan", "--target", "http://127.0.0.1:1/api/private", "--no-scenarios", "--sample", "1"]
    assert main([*argv, "--timeout", "5", "--fail-on", "high"]) == 1
    out = capsys.readouterr().out
    assert "high      attack/" in out and "cannot connect" in out and "no answer within" not in out
    assert "wrote" not in out


def test_a_target_that_exits_before_answering_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scan", "--target", "http://127.0.0.1:{port}/", "--run", f"{sys.executable} -c pass"]
    assert main([*argv, "--no-scenarios", "--sample", "1"]) == 2
    assert "the target exited with status 0 before answering" in capsys.readouterr().err


def test_a_tls_issuer_prints_its_ca_and_the_target_trusts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _args("reference", tmp_path, "--tls", "--fail-on", "low")
    del argv[argv.index("--html") : argv.index("--html") + 2]
    argv[2] += " --ca {ca}"
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "  issuer   https://127.0.0.1:" in out and "  ca       /" in out
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["low"] == 0


def test_the_flood_options_reach_the_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Options] = []

    class Stop(Exception):
        pass

    def scanner(options: Options, **kwargs: object) -> None:
        seen.append(options)
        raise Stop

    monkeypatch.setattr("fake_issuer.scan.cli.Scanner", scanner)
    with pytest.raises(Stop):
        main(["scan", "--target", "http://127.0.0.1:1/", "--flood-bound", "12", "--flood-interval", "2.5"])
    assert (seen[0].flood_bound, seen[0].flood_interval) == (12, 2.5)
