"""``manage.py mint_token``: print an access token the dev-issuer API accepts."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apiexample.dev_issuer import dev_issuer
from apiexample.views import REQUIRED_SCOPE
from fake_issuer.cli import parse_assignment


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
        """``--scope``, ``--no-scope``, ``--claim name=value`` (repeatable), ``--drop name`` (repeatable)."""
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
        self.stdout.write(issuer.mint(scope=scope, claims=claims, drop=options["drop"]))
