"""``require_auth``: Authlib's Django ``ResourceProtector`` with RFC 6750 bearer-header parsing.

RFC 6750 §2.1 (``Authorization: Bearer b64token``, scheme case-insensitive per RFC 9110 §11.1) and
§3 (the challenge each failure owes). The validator is built lazily from ``settings.AUTH0`` on the
first protected request, so importing this module touches no network and tests can swap settings.
"""

from __future__ import annotations

import threading
from typing import Any

from authlib.integrations.django_oauth2 import ResourceProtector
from authlib.integrations.django_oauth2.signals import token_authenticated
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from apiexample.config import Auth0Config
from apiexample.errors import MalformedAuthorization, NoCredentials
from apiexample.jwks.client import JWKSClient
from apiexample.jwks.keysource import KeySource, StaticKeySource
from apiexample.validator import Auth0JWTBearerTokenValidator


def parse_bearer(value: str | None) -> str:
    """The token of an ``Authorization`` header value (DESIGN §5 rule 1).

    No value, or another scheme: ``NoCredentials``. ``Bearer`` with no token or several:
    ``MalformedAuthorization``. Optional whitespace around the value is not part of it (RFC 9110 §5.5).
    """
    credentials = (value or "").strip(" \t")
    scheme, _, rest = credentials.partition(" ")
    if scheme.lower() != "bearer":
        raise NoCredentials()
    token = rest.strip(" ")
    if not token:
        raise MalformedAuthorization("The Bearer credentials hold no token.")
    if " " in token:
        raise MalformedAuthorization("The Bearer credentials hold more than one token.")
    return token


def key_source_for(config: Auth0Config) -> KeySource:
    """The dev issuer's keys in memory, or the tenant's JWKS over HTTP(S)."""
    if config.dev_key_file is not None:
        from apiexample.dev_issuer import dev_issuer

        return StaticKeySource(dev_issuer(config).jwks())
    return JWKSClient(
        config.jwks_url,
        timeout=config.jwks_timeout,
        ttl=config.jwks_ttl,
        max_stale=config.jwks_max_stale,
        min_refetch_interval=config.jwks_min_refetch_interval,
        refetch_burst=config.jwks_refetch_burst,
        max_waiters=config.jwks_max_waiters,
    )


class Auth0ResourceProtector(ResourceProtector):
    """Authlib's protector with one lazily built ``Auth0JWTBearerTokenValidator``."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._validator: Auth0JWTBearerTokenValidator | None = None

    @property
    def validator(self) -> Auth0JWTBearerTokenValidator:
        """The validator for the current ``settings.AUTH0``, built on first use."""
        validator = self._validator
        return validator if validator is not None else self._build_validator()

    def _build_validator(self) -> Auth0JWTBearerTokenValidator:
        # Under the lock, once: threads racing on a cold start must share one validator and so one
        # key cache, or each would fetch the JWKS for itself.
        with self._lock:
            if self._validator is None:
                config: Auth0Config = settings.AUTH0
                self._validator = Auth0JWTBearerTokenValidator(config, key_source_for(config))
            return self._validator

    def reset(self) -> None:
        """Forget the validator (and its cached keys); the next request builds a new one."""
        with self._lock:
            self._validator = None

    def acquire_token(self, request: Any, scopes: str | list[str] | None = None, **kwargs: Any) -> Any:
        """Authlib's ``acquire_token`` minus its request wrapper, which costs a URL build per request.

        Only the ``Authorization`` header is read, so the Django request serves as it is.
        """
        required = [scopes] if isinstance(scopes, str) else scopes
        token = self.validate_request(required, request)
        token_authenticated.send(sender=type(self), token=token)
        return token

    def parse_request_authorization(self, request: Any) -> tuple[Auth0JWTBearerTokenValidator, str]:
        """The validator and the bearer token of ``request`` (see ``parse_bearer``).

        The header is read first: a request without credentials is answered 401 before (and without)
        the validator and its key source being built.
        """
        token = parse_bearer(request.headers.get("Authorization"))
        return self.validator, token


require_auth = Auth0ResourceProtector()


@receiver(setting_changed)
def _reset_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting == "AUTH0":
        require_auth.reset()
