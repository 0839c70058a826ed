"""The Django app: warns loudly at startup when the offline dev issuer is in use."""

from __future__ import annotations

import logging
import os
import sys

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("apiexample")


class ApiExampleConfig(AppConfig):
    """``apiexample``: the three quickstart endpoints."""

    name = "apiexample"

    def ready(self) -> None:
        """Warn when no tenant is configured: tokens come from the embedded dev issuer.

        Once per server: not in ``runserver``'s autoreloader parent (its child warns, then prints the
        banner) and not in ``mint_token``, whose output is the token.
        """
        if settings.AUTH0.is_dev_issuer and not quiet_process(sys.argv, os.environ):
            logger.warning(
                "!!! No Auth0 tenant configured: using the OFFLINE DEV ISSUER (%s). Tokens from "
                "`python manage.py mint_token` are accepted; real Auth0 tokens are not. Set "
                "AUTH0_DOMAIN and AUTH0_AUDIENCE for a real tenant. Never run this in production.",
                settings.AUTH0.issuer,
            )


def quiet_process(argv: list[str], environ: os._Environ[str] | dict[str, str]) -> bool:
    """Whether this ``manage.py`` process leaves the dev-issuer warning to another one."""
    command = argv[1] if len(argv) > 1 else ""
    reloader_parent = (
        command == "runserver" and "--noreload" not in argv and environ.get("RUN_MAIN") != "true"
    )
    return command == "mint_token" or reloader_parent
