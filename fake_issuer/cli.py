"""``python -m fake_issuer`` / ``fake-issuer``: the fake issuer from the command line.

``mint`` prints a token with any claims and header, ``jwks`` prints a public JWK Set; ``serve`` (in
``fake_issuer.server.cli``) runs the loopback server. Each further subcommand lives beside the concept it
belongs to and registers itself through an ``add_command(subparsers)`` function; this module lists them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import requests

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, FakeIssuer
from fake_issuer.keyfile import read_key_file

#: Modules that contribute subcommands, each with ``add_command(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "fake_issuer.attacks",
    "fake_issuer.server.cli",
    "fake_issuer.matrix.cli",
    "fake_issuer.scan.cli",
)

_FORMATTER = argparse.RawDescriptionHelpFormatter


def _add_issuer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--issuer", default=DEFAULT_ISSUER, help=f"issuer URL (default: {DEFAULT_ISSUER})")
    parser.add_argument(
        "--audience", default=DEFAULT_AUDIENCE, help=f"API identifier (default: {DEFAULT_AUDIENCE})"
    )
    parser.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help='sign with / publish the key in FILE ({"kid", "private_key_pem"}, the format of the '
        "API's .dev-issuer-key.json); default: a fresh key of this process",
    )


def _issuer(args: argparse.Namespace) -> FakeIssuer:
    keys = [read_key_file(args.key_file)] if args.key_file else 1
    return FakeIssuer(args.issuer, audience=args.audience, keys=keys)


def parse_assignment(text: str) -> tuple[str, object]:
    """``NAME=VALUE``: VALUE as JSON when it parses (``exp=0``, ``aud=["a"]``), else as a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


# -- jwks -----------------------------------------------------------------------------------------------


def _jwks(args: argparse.Namespace) -> int:
    print(json.dumps(_issuer(args).jwks(), indent=2))
    return 0


# -- mint -----------------------------------------------------------------------------------------------

_MINT_EPILOG = """\
examples:
  fake-issuer mint                                   a token the default tenant's API accepts
  fake-issuer mint --no-scope --claim exp=0          expired, without scope
  fake-issuer mint --header kid=unknown --alg RS256  a kid no JWKS has
  fake-issuer mint --key-file .dev-issuer-key.json --issuer https://dev-issuer.apiexample.localhost/ \\
      --audience https://apiexample.localhost/api    a token for the API's offline dev issuer
  fake-issuer mint --server http://127.0.0.1:8001/   signed by a running `fake-issuer serve`

Without --key-file or --server the signing key is new to this process: no JWKS publishes it.
"""


def _mint(args: argparse.Namespace) -> int:
    scope = None if args.no_scope else args.scope
    claims, header = dict(args.claim), dict(args.header)
    if args.server:
        if args.alg != "RS256" or args.secret or args.drop_header or args.key_file:
            raise SystemExit(
                "fake-issuer mint: --server takes only --scope/--no-scope, --claim, --drop, --header"
            )
        url = args.server.rstrip("/") + "/_admin/mint"
        document = {"scope": scope, "claims": claims, "header": header, "drop": args.drop}
        try:
            response = requests.post(url, json=document, timeout=10)
        except requests.RequestException as error:
            raise SystemExit(
                f"fake-issuer mint: cannot reach {url} ({type(error).__name__}); for a --tls server, "
                "set REQUESTS_CA_BUNDLE to the CA certificate that serve printed"
            ) from None
        if response.status_code != 200:
            raise SystemExit(f"fake-issuer mint: {url} answered {response.status_code}: {response.text}")
        print(response.json()["access_token"])
        return 0
    token = _issuer(args).mint(
        scope=scope,
        claims=claims,
        drop=args.drop,
        header=header,
        drop_header=args.drop_header,
        alg=args.alg,
        secret=args.secret.encode() if args.secret else None,
    )
    print(token)
    return 0


def _add_mint(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mint = subparsers.add_parser(
        "mint",
        help="print an access token with any claims and header",
        description="Print an Auth0-shaped access token; any claim or header member can be set or dropped.",
        epilog=_MINT_EPILOG,
        formatter_class=_FORMATTER,
    )
    _add_issuer_options(mint)
    mint.add_argument("--scope", default=DEFAULT_SCOPE, help=f"the scope claim (default: {DEFAULT_SCOPE})")
    mint.add_argument("--no-scope", action="store_true", help="leave the scope claim out")
    mint.add_argument(
        "--claim",
        action="append",
        default=[],
        type=parse_assignment,
        metavar="NAME=VALUE",
        help="set a claim (repeatable); VALUE is read as JSON when it parses, else as a string",
    )
    mint.add_argument(
        "--drop", action="append", default=[], metavar="NAME", help="remove a claim (repeatable)"
    )
    mint.add_argument(
        "--header",
        action="append",
        default=[],
        type=parse_assignment,
        metavar="NAME=VALUE",
        help="set a header member (repeatable), VALUE as for --claim; e.g. kid=other, typ=at+jwt",
    )
    mint.add_argument(
        "--drop-header",
        action="append",
        default=[],
        metavar="NAME",
        help="remove a header member (repeatable)",
    )
    mint.add_argument(
        "--alg",
        default="RS256",
        help="algorithm to sign with, also the header's alg (default: RS256; HS* need --secret)",
    )
    mint.add_argument("--secret", help="the HMAC secret for --alg HS256/HS384/HS512")
    mint.add_argument(
        "--server", metavar="URL", help="ask a running `fake-issuer serve` at URL (its issuer) to sign"
    )
    mint.set_defaults(handler=_mint)


def build_parser() -> argparse.ArgumentParser:
    """The ``fake-issuer`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fake-issuer",
        description="An offline stand-in for an Auth0 tenant: serve it, mint tokens, print its JWKS.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    jwks = subparsers.add_parser(
        "jwks",
        help="print the issuer's public JWKS",
        description="Print the public JWK Set (no private members).",
    )
    _add_issuer_options(jwks)
    jwks.set_defaults(handler=_jwks)
    _add_mint(subparsers)
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
