"""The Django app: warns loudly at startup when the offline dev issuer is in use."""

from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("apiexample")


class ApiExampleConfig(AppConfig):
    """``apiexample``: the three quickstart endpoints."""

    name = "apiexample"

    def ready(self) -> None:
        """Warn when no tenant is configured (DESIGN §2): tokens come from the embedded dev issuer."""
        if settings.AUTH0.is_dev_issuer:
            logger.warning(
                "!!! No Auth0 tenant configured: using the OFFLINE DEV ISSUER (%s). Tokens from "
                "`python manage.py mint_token` are accepted; real Auth0 tokens are not. Set "
                "AUTH0_DOMAIN and AUTH0_AUDIENCE for a real tenant. Never run this in production.",
                settings.AUTH0.issuer,
            )
