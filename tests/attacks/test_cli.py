"""``python -m fake_issuer attacks``: the catalog as a text table or a Markdown file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_issuer.attacks import CATALOG, render_markdown, render_text
from fake_issuer.cli import main


@pytest.mark.parametrize("argv", [["attacks"], ["attacks", "--list"]])
def test_attacks_prints_the_table(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out == render_text()
    assert all(entry.id in out for entry in CATALOG)


def test_markdown_path_writes_the_file_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "attacks.md"
    assert main(["attacks", "--markdown", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_markdown()
    assert capsys.readouterr().out == ""


def test_markdown_to_stdout_and_list_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attacks", "--markdown", "-", "--list"]) == 0
    assert capsys.readouterr().out == render_markdown() + render_text()
