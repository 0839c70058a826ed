"""``python -m fake_issuer`` / ``fake-issuer``: the fake issuer from the command line.

``serve`` runs the loopback server (``fake_issuer.server``), ``mint`` prints a token with any claims
and header, ``jwks`` prints a public JWK Set. Each further subcommand lives beside the concept it
belongs to and registers itself through an ``add_command(subparsers)`` function; this module lists them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import requests

from fake_issuer.clients import DEFAULT_CLIENT_SECRET, ClientRegistry, parse_client_spec
from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, FakeIssuer
from fake_issuer.keyfile import load_or_create_key_file, read_key_file
from fake_issuer.keys import SigningKey
from fake_issuer.server import IssuerServer
from fake_issuer.tls import generate_tls_material

#: Modules that contribute subcommands, each with ``add_command(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = ("fake_issuer.attacks",)

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
        response = requests.post(url, json=document, timeout=10)
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


# -- serve ----------------------------------------------------------------------------------------------

_SERVE_EPILOG = f"""\
clients:
  --client ID:SECRET[:SCOPES] grants client ID (secret SECRET) the space- or comma-separated SCOPES on
  --audience, e.g. --client reader:s3cret:read:messages --client nobody:s3cret. --clients FILE reads
  {{"apis": {{AUDIENCE: [SCOPES]}},
   "clients": [{{"client_id", "client_secret", "grants": {{AUDIENCE: [SCOPES]}}}}]}}.
  With neither, one client: fakeClientId0123456789abcdefgh / {DEFAULT_CLIENT_SECRET}, granted {DEFAULT_SCOPE}.

TLS:
  --tls writes a fresh CA (printed path) and a certificate for 127.0.0.1 and localhost; trust it with
  REQUESTS_CA_BUNDLE, SSL_CERT_FILE or NODE_EXTRA_CA_CERTS. The issuer is then https://127.0.0.1:PORT/,
  which the API reaches with AUTH0_DOMAIN=127.0.0.1:PORT.

admin calls (same server, loopback): POST _admin/rotate, POST _admin/keys, DELETE _admin/keys/KID,
  POST _admin/faults {{"fault": status|garbage|empty|slow|drop, "endpoint": jwks|discovery|token}},
  DELETE _admin/faults, POST _admin/mint {{"scope", "claims", "header", "drop"}}, GET /_admin/requests.
"""


def wait_for_interrupt() -> None:  # pragma: no cover - blocks until a signal; run by the subprocess tests
    """Block until Ctrl-C or SIGTERM."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()


def _clients(args: argparse.Namespace) -> ClientRegistry | None:
    registry = ClientRegistry.from_file(args.clients) if args.clients else None
    if args.client:
        registry = registry or ClientRegistry()
        for spec in args.client:
            registry.add(parse_client_spec(spec, args.audience))
    return registry


def _serve(args: argparse.Namespace) -> int:
    try:
        clients = _clients(args)
    except (ValueError, OSError) as error:
        raise SystemExit(f"fake-issuer serve: {error}") from None
    tls = generate_tls_material().write(args.tls_dir) if args.tls_dir else args.tls
    keys: int | list[SigningKey] = 1
    if args.key_file:
        key, created = load_or_create_key_file(args.key_file)
        keys = [key]
        print(
            f"{'created' if created else 'using'} signing key {key.kid} in {args.key_file}", file=sys.stderr
        )
    server = IssuerServer(
        host=args.host,
        port=args.port,
        tls=tls,
        audience=args.audience,
        clients=clients,
        keys=keys,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    for name in args.tenant:
        server.add_tenant(name, audience=args.audience, clients=clients)
    with server:
        print(banner(server), flush=True)
        wait_for_interrupt()
    return 0


def banner(server: IssuerServer) -> str:
    """What ``serve`` prints: the URLs, the CA, how to point the API at it, a ``curl`` for a token."""
    tenant, issuer = server.tenant, server.issuer
    grants = ", ".join(
        f"{client.client_id} ({' '.join(client.grants.get(issuer.audience, ())) or 'no scope'})"
        for client in tenant.clients.clients.values()
    )
    lines = [
        f"fake_issuer serving {server.url} (Ctrl-C stops)",
        f"  issuer          {issuer.issuer}",
        f"  JWKS            {issuer.jwks_url}",
        f"  discovery       {issuer.issuer}.well-known/openid-configuration",
        f"  token endpoint  {issuer.token_url}",
        f"  audience        {issuer.audience}",
        f"  clients         {grants or 'none'}",
        *(f"  tenant          {t.issuer.issuer}" for name, t in server.tenants.items() if name),
    ]
    cacert = ""
    if server.ca_path is not None:
        lines.append(f"  CA certificate  {server.ca_path}")
        cacert = f" --cacert {server.ca_path}"
        env = f"AUTH0_DOMAIN={server.host}:{server.port} REQUESTS_CA_BUNDLE={server.ca_path}"
    else:
        env = f"AUTH0_ISSUER={issuer.issuer}"
    lines += ["Point the API at it:", f"  {env} AUTH0_AUDIENCE={issuer.audience} python manage.py runserver"]
    client = next(iter(tenant.clients.clients.values()), None)
    if client is not None:
        body = json.dumps(
            {
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "audience": issuer.audience,
            }
        )
        lines += [
            "Get a token:",
            f"  curl{cacert} -s {issuer.token_url} -H 'Content-Type: application/json' -d '{body}'",
        ]
    return "\n".join(lines)


def _add_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve JWKS, discovery and /oauth/token on loopback",
        description="Serve a fake Auth0 tenant on loopback: JWKS, discovery, /oauth/token (client "
        "credentials) and admin calls for key rotation and fault injection.",
        epilog=_SERVE_EPILOG,
        formatter_class=_FORMATTER,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1; keep it loopback)"
    )
    serve.add_argument(
        "--port", type=int, default=0, help="port (default: 0, any free port; the URL is printed)"
    )
    serve.add_argument(
        "--audience", default=DEFAULT_AUDIENCE, help=f"the API identifier (default: {DEFAULT_AUDIENCE})"
    )
    serve.add_argument(
        "--client", action="append", default=[], metavar="ID:SECRET[:SCOPES]", help="a client (repeatable)"
    )
    serve.add_argument("--clients", type=Path, metavar="FILE", help="clients and grants from a JSON file")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh CA (its path is printed)")
    serve.add_argument(
        "--tls-dir",
        type=Path,
        metavar="DIR",
        help="serve HTTPS, writing ca.pem and the certificate into DIR (implies --tls)",
    )
    serve.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help="publish and sign with the key in FILE, created if missing (share it with `mint --key-file`)",
    )
    serve.add_argument(
        "--tenant",
        action="append",
        default=[],
        metavar="NAME",
        help="also serve a tenant at URL/NAME/ (repeatable)",
    )
    serve.set_defaults(handler=_serve)


def build_parser() -> argparse.ArgumentParser:
    """The ``fake-issuer`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="fake-issuer", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    jwks = subparsers.add_parser(
        "jwks",
        help="print the issuer's public JWKS",
        description="Print the public JWK Set (no private members).",
    )
    _add_issuer_options(jwks)
    jwks.set_defaults(handler=_jwks)
    _add_mint(subparsers)
    _add_serve(subparsers)
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
