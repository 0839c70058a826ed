"""fake_issuer.cli loads subcommands from the modules listed in COMMAND_MODULES."""

from __future__ import annotations

from typing import Any

import pytest

from fake_issuer import cli


def add_command(subparsers: Any) -> None:
    """A subcommand contributed by this module, as fake_issuer's own modules contribute theirs."""
    parser = subparsers.add_parser("echo-test", help="test subcommand")
    parser.add_argument("word")
    parser.set_defaults(handler=lambda args: len(args.word))


def test_registered_modules_contribute_subcommands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, __name__))
    assert cli.main(["echo-test", "four"]) == 4


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args([])
    assert exit_info.value.code == 2
