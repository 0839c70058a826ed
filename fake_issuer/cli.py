"""``python -m fake_issuer`` / ``fake-issuer``: the fake issuer from the command line.

Each subcommand lives beside the concept it belongs to and registers itself through an
``add_command(subparsers)`` function; this module only lists them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer

#: Modules that contribute subcommands, each with ``add_command(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = ("fake_issuer.attacks",)


def _add_issuer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--issuer", default=DEFAULT_ISSUER, help=f"issuer URL (default: {DEFAULT_ISSUER})")
    parser.add_argument(
        "--audience", default=DEFAULT_AUDIENCE, help=f"API identifier (default: {DEFAULT_AUDIENCE})"
    )


def _jwks(args: argparse.Namespace) -> int:
    issuer = FakeIssuer(args.issuer, audience=args.audience)
    print(json.dumps(issuer.jwks(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``fake-issuer`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="fake-issuer", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    jwks = subparsers.add_parser("jwks", help="print the issuer's public JWKS")
    _add_issuer_options(jwks)
    jwks.set_defaults(handler=_jwks)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":  # pragma: no cover - ``python -m fake_issuer`` goes through __main__.py
    sys.exit(main())
