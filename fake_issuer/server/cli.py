"""``fake-issuer serve``: the loopback server (``fake_issuer.server.http``) from the command line.

Prints the URLs, the CA to trust, the environment that points the API at it and a ``curl`` for a
token; logs every request on standard error; stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import signal
import sys
import threading
from pathlib import Path

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_SCOPE
from fake_issuer.keyfile import load_or_create_key_file
from fake_issuer.keys import SigningKey
from fake_issuer.server.clients import DEFAULT_CLIENT_SECRET, ClientRegistry, parse_client_spec
from fake_issuer.server.http import IssuerServer
from fake_issuer.server.tls import generate_tls_material

# -- serve ----------------------------------------------------------------------------------------------

_SERVE_EPILOG = f"""\
clients:
  --client ID:SECRET[:SCOPES] grants client ID (secret SECRET) the space- or comma-separated SCOPES on
  --audience, e.g. --client reader:s3cret:read:messages --client nobody:s3cret. --clients FILE reads
  {{"apis": {{AUDIENCE: [SCOPES]}},
   "clients": [{{"client_id", "client_secret", "grants": {{AUDIENCE: [SCOPES]}}}}]}}.
  With neither, one client: {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET}, granted {DEFAULT_SCOPE}.

TLS:
  --tls writes a fresh CA (printed path) and a certificate for 127.0.0.1 and localhost; trust it with
  REQUESTS_CA_BUNDLE, SSL_CERT_FILE or NODE_EXTRA_CA_CERTS. The issuer is then https://127.0.0.1:PORT/,
  which the API reaches with AUTH0_DOMAIN=127.0.0.1:PORT.

admin calls (same server, loopback): POST _admin/rotate, POST _admin/keys, DELETE _admin/keys/KID,
  POST _admin/faults {{"fault": status|garbage|empty|slow|drop, "endpoint": jwks|discovery|token}},
  DELETE _admin/faults, POST _admin/mint {{"scope", "claims", "header", "drop"}}, GET /_admin/requests.
  They answer 403 unless Host is 127.0.0.1:PORT, localhost:PORT or [::1]:PORT and any Origin is the
  server's own, and 415 to a body that is not Content-Type: application/json: no web page can drive them.
"""


def wait_for_interrupt() -> None:  # pragma: no cover - blocks until a signal; run by the subprocess tests
    """Block until Ctrl-C or SIGTERM."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


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
    if not _is_loopback(args.host):
        # The admin calls have no authentication: anyone who reaches the port can mint and rotate.
        print(
            f"WARNING: {args.host} is not loopback; anyone who can reach it can mint tokens", file=sys.stderr
        )
    tls = generate_tls_material().write(args.tls_dir) if args.tls_dir else args.tls
    keys: int | list[SigningKey] = 1
    if args.key_file:
        key, created = load_or_create_key_file(args.key_file)
        keys = [key]
        print(
            f"{'created' if created else 'using'} signing key {key.kid} in {args.key_file}", file=sys.stderr
        )
    try:
        server = IssuerServer(
            host=args.host,
            port=args.port,
            tls=tls,
            issuer=args.issuer,
            audience=args.audience,
            clients=clients,
            keys=keys,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except OSError as error:
        raise SystemExit(f"fake-issuer serve: cannot listen on {args.host}:{args.port}: {error}") from None
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
    cacert, env = "", f"AUTH0_ISSUER={issuer.issuer}"
    if server.ca_path is not None:
        lines.append(f"  CA certificate  {server.ca_path}")
        cacert = f" --cacert {server.ca_path}"
        if issuer.issuer == server.url:  # https://{domain}/ exactly, as the API builds it from a domain
            env = f"AUTH0_DOMAIN={server.host}:{server.port}"
        env += f" REQUESTS_CA_BUNDLE={server.ca_path}"
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


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve``."""
    serve = subparsers.add_parser(
        "serve",
        help="serve JWKS, discovery and /oauth/token on loopback",
        description="Serve a fake Auth0 tenant on loopback: JWKS, discovery, /oauth/token (client "
        "credentials) and admin calls for key rotation and fault injection.",
        epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1; keep it loopback)"
    )
    serve.add_argument(
        "--port", type=int, default=0, help="port (default: 0, any free port; the URL is printed)"
    )
    serve.add_argument(
        "--issuer",
        metavar="URL",
        help="the issuer the tenant names in iss and discovery (default: the server's own URL; change it "
        "only behind a proxy, or to test an issuer mismatch)",
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
