"""This project's API in-process (Django's test client) trusting a ``FakeIssuer``, at a fixed clock.

The one module of ``fake_issuer`` that imports ``apiexample`` (and Django): the claim matrix's CLI and
the property suite use it to put tokens to the real API. The oracle never imports it. Requests go
through the whole Django stack (middleware, views, Authlib's protector, the JWKS client served by
``responses``) exactly as RFC 6750 §2.1 requests would; only the validator's clock is pinned, so that
tokens built around ``now`` are judged at ``now`` (the validation policy rules 8-9 compared at one instant).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fake_issuer.issuer import FakeIssuer
from fake_issuer.matrix.dpop import DPoPMatrix
from fake_issuer.matrix.matrix import Matrix
from fake_issuer.policy.contract import Answer
from fake_issuer.policy.dpop import DPoPPolicy, DPoPRequest
from fake_issuer.policy.oracle import Policy

if TYPE_CHECKING:
    from apiexample.auth import Auth0ResourceProtector
    from apiexample.validator import Auth0JWTBearerTokenValidator


def configure_django(
    issuer: str,
    audience: str,
    *,
    environ: MutableMapping[str, str] = os.environ,
    settings: Any = None,
    setup: Callable[[], None] | None = None,
) -> None:
    """Set Django up with the API's own settings trusting ``issuer`` when nothing has (the CLI path)."""
    import django
    import django.conf

    settings = django.conf.settings if settings is None else settings
    if not settings.configured:
        environ.setdefault("DJANGO_SETTINGS_MODULE", "apiexample.settings")
        environ.setdefault("AUTH0_ISSUER", issuer)
        environ.setdefault("AUTH0_AUDIENCE", audience)
        (setup or django.setup)()


class DjangoAPI:
    """The API behind Django's test client, its validator pinned to ``now`` and trusting ``tenant``."""

    def __init__(self, tenant: FakeIssuer, *, now: float) -> None:
        from django.test import Client

        self.tenant = tenant
        self.now = now
        self.client = Client()
        self._validator: Auth0JWTBearerTokenValidator | None = None

    def __repr__(self) -> str:
        return f"<DjangoAPI tenant={self.tenant.issuer} now={self.now}>"

    @property
    def policy(self) -> Policy:
        """The oracle's policy: the API's configured values and the tenant's published keys."""
        from django.conf import settings

        from apiexample.errors import REALM
        from apiexample.views import REQUIRED_SCOPE

        config = settings.AUTH0
        return Policy.for_keys(
            config.issuer,
            config.audience,
            self.tenant.keys,
            leeway=config.leeway,
            required_scope=REQUIRED_SCOPE,
            realm=REALM,
            organization=config.organization,
        )

    @property
    def dpop_policy(self) -> DPoPPolicy:
        """The DPoP oracle's settings: the API's configured mode, ``iat`` window and nonce option."""
        from django.conf import settings

        from apiexample.errors import DPOP_ALGORITHMS

        config = settings.AUTH0
        return DPoPPolicy(
            config.dpop,
            DPOP_ALGORITHMS,
            iat_offset=config.dpop_iat_offset,
            leeway=config.dpop_leeway,
            nonce=config.dpop_nonce,
        )

    def _now(self) -> float:
        return self.now

    @contextmanager
    def serving(self) -> Iterator[DjangoAPI]:
        """Serve the tenant's JWKS and make sure the API's validator is ours (cheap when it already is)."""
        from apiexample.auth import require_auth

        # Django logs every 4xx as a warning; here most answers are 4xx on purpose.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)
        try:
            with self.tenant:
                yield self._pinned(require_auth)
        finally:
            request_log.setLevel(level)

    def _pinned(self, require_auth: Auth0ResourceProtector) -> DjangoAPI:
        if require_auth.validator is not self._validator:
            # Another test (or a settings change) rebuilt the validator: build ours, clock pinned.
            require_auth.reset()
            self._validator = require_auth.validator
            self._validator.clock = self._now
        return self

    def get(self, endpoint: str, authorization: str | None) -> Answer:
        """GET ``endpoint`` with ``authorization`` as the header value (None: no header at all)."""
        headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
        response = self.client.get(endpoint, **headers)  # type: ignore[arg-type]
        try:
            body: object = json.loads(response.content)
        except ValueError:
            body = None
        return Answer(response.status_code, response.get("WWW-Authenticate"), body)

    def send(self, request: DPoPRequest) -> Answer:
        """Send ``request``: its ``Authorization``, its ``DPoP`` headers (several joined, RFC 9110 §5.3)."""
        headers = {} if request.authorization is None else {"HTTP_AUTHORIZATION": request.authorization}
        if request.proofs:
            headers["HTTP_DPOP"] = ", ".join(request.dpop_headers())
        response = self.client.generic(request.method, request.endpoint, **headers)  # type: ignore[arg-type]
        try:
            body: object = json.loads(response.content)
        except ValueError:
            body = None
        return Answer(
            response.status_code, response.get("WWW-Authenticate"), body, response.get("DPoP-Nonce")
        )

    @contextmanager
    def dpop_settings(self, dpop: DPoPPolicy) -> Iterator[DjangoAPI]:
        """The API with ``dpop``'s settings and an empty replay store (RFC 9449 §11.1) for the duration."""
        from django.conf import settings
        from django.core.cache import caches
        from django.test.utils import override_settings

        from apiexample.auth import DPOP_CACHE, require_auth

        config = dataclasses.replace(
            settings.AUTH0,
            dpop=dpop.mode,
            dpop_iat_offset=float(dpop.iat_offset),
            dpop_leeway=float(dpop.leeway),
            dpop_nonce=dpop.nonce,
        )
        caches[DPOP_CACHE].clear()
        try:
            with override_settings(AUTH0=config):
                yield self._pinned(require_auth)
        finally:
            caches[DPOP_CACHE].clear()
            self._pinned(require_auth)

    @contextmanager
    def organization_settings(self, organization: str | None) -> Iterator[DjangoAPI]:
        """The API with ``AUTH0_ORGANIZATION`` = ``organization`` (rule 11; None: unset) for the duration."""
        from django.conf import settings
        from django.test.utils import override_settings

        from apiexample.auth import require_auth

        config = dataclasses.replace(settings.AUTH0, organization=organization)
        try:
            with override_settings(AUTH0=config):
                yield self._pinned(require_auth)
        finally:
            self._pinned(require_auth)

    def forget_proofs(self) -> None:
        """Empty the API's replay store and nonces (Django's cache), so no earlier ``jti`` counts."""
        from django.core.cache import caches

        from apiexample.auth import DPOP_CACHE

        caches[DPOP_CACHE].clear()


@contextmanager
def api_in_process(matrix: Matrix | DPoPMatrix) -> Iterator[DjangoAPI]:
    """The API in-process trusting the matrix's tenant, Django configured if nothing has yet."""
    # The runner path: the only place the matrix reaches the API (Django in-process).
    configure_django(matrix.policy.issuer, matrix.policy.audience)
    from django.test.utils import override_settings

    from apiexample.config import Auth0Config, jwks_url_for

    issuer, audience = matrix.policy.issuer, matrix.policy.audience
    config = Auth0Config(issuer, audience, jwks_url_for(issuer), leeway=float(matrix.policy.leeway))
    with override_settings(AUTH0=config, ALLOWED_HOSTS=["testserver"]):
        api = DjangoAPI(FakeIssuer(issuer, audience=audience, keys=matrix.ring.published), now=matrix.now)
        with api.serving():
            yield api
