"""``manage.py runserver`` that, with the dev issuer, prints ready-to-paste ``curl`` lines."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand

from apiexample.dev_issuer import dev_issuer
from apiexample.views import REQUIRED_SCOPE


def curl_lines(base_url: str, *, with_scope: str, without_scope: str) -> list[str]:
    """``curl`` commands for the three endpoints, with tokens that should get 200 or 403."""
    return [
        f"curl -i {base_url}/api/public",
        f"curl -i {base_url}/api/private -H 'Authorization: Bearer {without_scope}'",
        f"curl -i {base_url}/api/private-scoped -H 'Authorization: Bearer {with_scope}'    # 200",
        f"curl -i {base_url}/api/private-scoped -H 'Authorization: Bearer {without_scope}'    # 403",
    ]


def dpop_line(base_url: str) -> str:
    """A bash line that mints a DPoP-bound token and a one-use proof, then sends them (RFC 9449 §7.1)."""
    url = f"{base_url}/api/private"
    return (
        f"mapfile -t h < <(python manage.py mint_token --dpop {url}) && "
        f'curl -i {url} -H "${{h[0]}}" -H "${{h[1]}}"    # DPoP'
    )


class Command(RunserverCommand):
    """Django's ``runserver``, plus the dev issuer's banner."""

    def inner_run(self, *args: Any, **options: Any) -> None:
        """Print the banner once per (re)start, in the serving process, then serve."""
        if settings.AUTH0.is_dev_issuer:
            issuer = dev_issuer(settings.AUTH0)
            # addr, port and _raw_ipv6 are set by runserver's handle(); django-stubs does not declare them.
            addr, port = self.addr, self.port  # type: ignore[attr-defined]
            host = f"[{addr}]" if self._raw_ipv6 else addr  # type: ignore[attr-defined]
            base_url = f"{self.protocol}://{host}:{port}"
            lines = curl_lines(
                base_url, with_scope=issuer.mint(scope=REQUIRED_SCOPE), without_scope=issuer.mint(scope=None)
            )
            lines.append(dpop_line(base_url))
            banner = [
                "",
                "*** OFFLINE DEV ISSUER: no Auth0 tenant configured; do not use in production. ***",
                f"Tokens: python manage.py mint_token [--scope '{REQUIRED_SCOPE}'] [--claim name=value]",
                "Try:",
                *lines,
                "",
            ]
            self.stdout.write("\n".join(banner))
        super().inner_run(*args, **options)
