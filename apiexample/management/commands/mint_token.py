"""``manage.py mint_token``: print an access token the dev-issuer API accepts.

With ``--dpop URL``: a token bound to a fresh ES256 proof key (RFC 9449 §6.1) and a proof for one
request to URL (§4.2), as the two header lines ``Authorization: DPoP ...`` and ``DPoP: ...``. The proof
is good once (its ``jti`` is remembered) and for 5 minutes (its ``iat``).
"""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apiexample.dev_issuer import dev_issuer
from apiexample.views import REQUIRED_SCOPE
from fake_issuer.cli import parse_assignment
from fake_issuer.dpop import generate_dpop_key


def parse_claim(text: str) -> tuple[str, object]:
    """``name=value``: the value as JSON when it parses (``exp=0``, ``aud=["a"]``), else as a string."""
    try:
        return parse_assignment(text)
    except ArgumentTypeError:
        raise CommandError(f"--claim takes name=value, not {text!r}") from None


class Command(BaseCommand):
    """Mint a token signed by the offline dev issuer's key (only when no tenant is configured)."""

    help = "Print an access token signed by the offline dev issuer (when no Auth0 tenant is configured)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        """``--scope``, ``--no-scope``, ``--claim``/``--drop`` (repeatable), ``--dpop URL``, ``--method``."""
        parser.add_argument(
            "--scope",
            default=REQUIRED_SCOPE,
            help=f"space-separated scopes (default: {REQUIRED_SCOPE})",
        )
        parser.add_argument("--no-scope", action="store_true", help="leave the scope claim out")
        parser.add_argument(
            "--claim",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="set a claim; VALUE is read as JSON when it parses, else as a string",
        )
        parser.add_argument("--drop", action="append", default=[], metavar="NAME", help="remove a claim")
        parser.add_argument(
            "--dpop",
            metavar="URL",
            help="print a DPoP-bound token and a proof for one request to URL, as two header lines",
        )
        parser.add_argument("--method", default="GET", help="the proof's HTTP method (default: GET)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the token on standard output."""
        if not settings.AUTH0.is_dev_issuer:
            raise CommandError(
                "mint_token signs with the offline dev issuer, but a tenant is configured "
                f"({settings.AUTH0.issuer}); unset AUTH0_DOMAIN/AUTH0_ISSUER/AUTH0_AUDIENCE to use it."
            )
        issuer = dev_issuer(settings.AUTH0)
        claims = dict(parse_claim(text) for text in options["claim"])
        scope = None if options["no_scope"] else options["scope"]
        url = options["dpop"]
        if url is None:
            self.stdout.write(issuer.mint(scope=scope, claims=claims, drop=options["drop"]))
            return
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"--dpop takes the request's http(s) URL, not {url!r}")
        key = generate_dpop_key("ES256", label="mint_token")
        token = issuer.mint(scope=scope, claims=claims, drop=options["drop"], dpop_key=key)
        proof = issuer.dpop_proof(key, htm=options["method"], htu=url, access_token=token)
        self.stdout.write(f"Authorization: DPoP {token}\nDPoP: {proof}")
