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
from typing import NoReturn

import requests

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, FakeIssuer
from fake_issuer.keyfile import read_key_file
from fake_issuer.keys import SigningKey, generate_ec_key

#: What ``mint --alg`` signs with (RFC 7518 §3.1); ``none`` makes an unsecured JWS.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "HS256", "HS384", "HS512", "none")  # fmt: skip
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

#: Modules that contribute subcommands, each with ``add_command(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "fake_issuer.attacks",
    "fake_issuer.server.cli",
    "fake_issuer.matrix.cli",
    "fake_issuer.scan.cli",
)

_FORMATTER = argparse.RawDescriptionHelpFormatter


def _add_issuer_options(parser: argparse.ArgumentParser, *, key_help: str, audience: bool = True) -> None:
    parser.add_argument("--issuer", default=DEFAULT_ISSUER, help=f"issuer URL (default: {DEFAULT_ISSUER})")
    if audience:
        parser.add_argument(
            "--audience", default=DEFAULT_AUDIENCE, help=f"API identifier (default: {DEFAULT_AUDIENCE})"
        )
    parser.add_argument("--key-file", type=Path, metavar="FILE", help=key_help)


def fail(command: str, message: str) -> NoReturn:
    """Exit 2 with one line on standard error: how every subcommand answers bad arguments."""
    print(f"fake-issuer {command}: {message}", file=sys.stderr)
    raise SystemExit(2)


def _issuer(args: argparse.Namespace) -> FakeIssuer:
    try:
        keys = [read_key_file(args.key_file)] if args.key_file else 1
    except OSError as error:
        fail(args.command, f"cannot read --key-file {args.key_file}: {error.strerror or error}")
    except ValueError as error:
        fail(args.command, str(error))
    return FakeIssuer(args.issuer, audience=getattr(args, "audience", DEFAULT_AUDIENCE), keys=keys)


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


def _signing(args: argparse.Namespace) -> tuple[SigningKey | None, bytes | None]:
    """The key or secret ``--alg`` signs with; a bad combination ends the command with one line."""
    alg, secret = args.alg, args.secret.encode() if args.secret else None
    if alg not in ALGORITHMS:
        fail("mint", f"--alg {alg!r} is not one of {', '.join(ALGORITHMS)}")
    if alg.startswith("HS"):
        if secret is None:
            fail("mint", f"--alg {alg} signs with a shared secret: add --secret SECRET")
        return None, secret
    if alg.startswith("ES"):
        if args.key_file:
            fail("mint", f"--alg {alg} needs an EC key; --key-file holds the tenant's RSA key")
        # An EC key of the curve the algorithm names (RFC 7518 §3.4), new to this process like the
        # default RSA key: no JWKS publishes it.
        return generate_ec_key(f"cli:{alg}", curve=EC_CURVES[alg]), None
    return None, None


def _mint(args: argparse.Namespace) -> int:
    scope = None if args.no_scope else args.scope
    claims, header = dict(args.claim), dict(args.header)
    if args.server:
        if args.alg != "RS256" or args.secret or args.drop_header or args.key_file:
            fail("mint", "--server takes only --scope/--no-scope, --claim, --drop, --header")
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
    issuer = _issuer(args)
    key, secret = _signing(args)
    token = issuer.mint(
        scope=scope,
        claims=claims,
        drop=args.drop,
        header=header,
        drop_header=args.drop_header,
        key=key,
        alg=args.alg,
        secret=secret,
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
    _add_issuer_options(
        mint,
        key_help='sign with the key in FILE ({"kid", "private_key_pem"}, the format of the API\'s '
        ".dev-issuer-key.json and of `serve --key-file`); default: a fresh key of this process",
    )
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
        metavar="ALG",
        help=f"algorithm to sign with, also the header's alg: {', '.join(ALGORITHMS)} (default: RS256; "
        "HS* need --secret, ES* sign with a fresh EC key)",
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
        description="Print the public JWK Set (RFC 7517 §5) of the issuer's key; no private members.",
    )
    _add_issuer_options(
        jwks,
        audience=False,
        key_help="publish the key in FILE (the format of `serve --key-file` and the API's "
        ".dev-issuer-key.json); default: a fresh key of this process",
    )
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
