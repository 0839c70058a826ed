"""``require_auth``: Authlib's Django ``ResourceProtector`` with one validator per scheme.

RFC 6750 §2.1 (``Authorization: Bearer b64token``, scheme case-insensitive per RFC 9110 §11.1) and
§3 (the challenge each failure owes); RFC 9449 §7 (``Authorization: DPoP`` plus a ``DPoP`` proof),
chosen by ``AUTH0_DPOP``. The validator is built lazily from ``settings.AUTH0`` on the
first protected request, so importing this module touches no network and tests can swap settings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from authlib.integrations.django_oauth2 import ResourceProtector
from authlib.integrations.django_oauth2.signals import token_authenticated
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import TokenValidator
from authlib.oauth2.rfc7523 import JWTBearerToken
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.connection import ConnectionProxy

from apiexample.config import Auth0Config
from apiexample.dpop import (
    NonceSource,
    ReplayStore,
    StoreUnavailable,
    VerifiedProof,
    request_uri,
    verify_proof,
)
from apiexample.errors import (
    DPoPBoundToken,
    DPoPCredentialsRequired,
    DPoPError,
    DPoPInsufficientScope,
    DPoPNonceRequired,
    DPoPTokenRejected,
    InvalidDPoPProof,
    InvalidToken,
    MalformedAuthorization,
    NoCredentials,
    ReplayStoreUnavailable,
)
from apiexample.jwks.client import JWKSClient
from apiexample.jwks.keysource import KeySource, StaticKeySource
from apiexample.validator import Auth0JWTBearerTokenValidator, scope_granted

logger = logging.getLogger(__name__)

#: The Django cache alias that holds DPoP proof ``jti`` values and server nonces (``CACHES``).
DPOP_CACHE = "default"


def split_authorization(value: str | None) -> tuple[str, str]:
    """The lowercased scheme and the rest of an ``Authorization`` header value (RFC 9110 §11.6.2).

    Optional whitespace around the value is not part of it (RFC 9110 §5.5).
    """
    credentials = (value or "").strip(" \t")
    scheme, _, rest = credentials.partition(" ")
    return scheme.lower(), rest


def single_token(scheme: str, rest: str) -> str:
    """The one token after the scheme (docs/validation-policy.md rule 1), else ``MalformedAuthorization``."""
    token = rest.strip(" ")
    if not token:
        raise MalformedAuthorization(f"The {scheme} credentials hold no token.")
    if " " in token:
        raise MalformedAuthorization(f"The {scheme} credentials hold more than one token.")
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


def is_dpop_bound(claims: Mapping[str, Any]) -> bool:
    """Whether the token is bound to a DPoP key: a ``cnf`` object with a ``jkt`` (RFC 9449 §6.1)."""
    cnf = claims.get("cnf")
    return isinstance(cnf, dict) and "jkt" in cnf


class BearerTokenValidator(Auth0JWTBearerTokenValidator):
    """The ``Bearer`` scheme (RFC 6750): the policy, and no DPoP-bound token (RFC 9449 §7.2)."""

    TOKEN_TYPE = "bearer"

    def authenticate_token(self, token_string: str) -> JWTBearerToken:
        """The policy's checks, then refuse a token bound to a DPoP key: it is useless without its proof."""
        token = self.authenticate_access_token(token_string)
        if is_dpop_bound(token):
            raise DPoPBoundToken()
        return token

    def authenticate_access_token(self, token_string: str) -> JWTBearerToken:
        """Every rule of the policy, whatever the scheme the token came with."""
        return super().authenticate_token(token_string)


@dataclass(frozen=True)
class DPoPCredentials:
    """What a DPoP-scheme request presents: the access token, the ``DPoP`` header, method and URI."""

    access_token: str
    proof: str | None
    method: str
    uri: str


class DPoPToken(JWTBearerToken):
    """An access token authenticated with a DPoP proof; ``proof`` is the proof that came with it."""

    proof: VerifiedProof


class DPoPTokenValidator(TokenValidator):
    """The ``DPoP`` scheme (RFC 9449 §7): proof, nonce, access token, binding, scope, then replay."""

    TOKEN_TYPE = "dpop"

    def __init__(self, bearer: BearerTokenValidator, cache: BaseCache) -> None:
        super().__init__()  # no realm here: DPoP challenges take theirs from apiexample.errors
        self.bearer = bearer
        self.config = bearer.config
        self.offer_bearer = self.config.dpop == "allowed"
        # A proof dated up to `leeway` ahead stays acceptable until iat + offset + leeway: its jti must
        # be remembered that long after its first use, or it could be replayed in the last seconds.
        window = self.config.dpop_iat_offset + 2 * self.config.dpop_leeway
        self.replays = ReplayStore(cache, ttl=window)
        self.nonces = NonceSource(cache) if self.config.dpop_nonce else None

    def authenticate_token(self, token_string: DPoPCredentials) -> DPoPToken:
        """Proof checks 1-6, the nonce (7), the policy and ``cnf.jkt`` (8); the challenge per the mode."""
        try:
            return self._authenticate(token_string)
        except DPoPError as error:
            error.offer_bearer = self.offer_bearer
            raise
        except OAuth2Error:  # 503: the signing keys are unavailable
            raise
        except StoreUnavailable:
            logger.exception("the DPoP nonce store is unavailable; answering 503")
            raise ReplayStoreUnavailable() from None
        except Exception:  # fail closed: a bug here must be a 401, never a 500 or a pass
            logger.exception("DPoP validation failed unexpectedly; rejecting the request")
            raise InvalidDPoPProof(
                "The DPoP proof could not be validated.", offer_bearer=self.offer_bearer
            ) from None

    def _authenticate(self, credentials: DPoPCredentials) -> DPoPToken:
        now = self.bearer.clock()
        proof = verify_proof(
            credentials.proof,
            access_token=credentials.access_token,
            method=credentials.method,
            uri=credentials.uri,
            now=now,
            offset=self.config.dpop_iat_offset,
            leeway=self.config.dpop_leeway,
        )
        if self.nonces is not None and not self.nonces.accepts(proof.claims.get("nonce"), now):
            raise DPoPNonceRequired(self.nonces.current(now))
        try:
            claims = self.bearer.authenticate_access_token(credentials.access_token)
        except InvalidToken as error:
            raise DPoPTokenRejected(str(error.description)) from None
        cnf = claims.get("cnf")
        if not isinstance(cnf, dict) or cnf.get("jkt") != proof.jkt:
            raise DPoPTokenRejected("token not bound to the proof key")
        token = DPoPToken(claims)
        token.proof = proof
        return token

    def validate_token(self, token: DPoPToken, scopes: list[str] | None, request: Any) -> None:
        """The endpoint's scopes (403), then the replay check (9), last, so a refusal spends no ``jti``."""
        for scope in scopes or ():
            if not scope_granted(token, scope, honor_permissions=self.config.honor_permissions):
                raise DPoPInsufficientScope(scope, offer_bearer=self.offer_bearer)
        try:
            first_use = self.replays.first_use(token.proof.jkt, token.proof.jti)
        except StoreUnavailable:
            logger.exception("the DPoP replay store is unavailable; answering 503")
            raise ReplayStoreUnavailable() from None
        if not first_use:
            raise InvalidDPoPProof("proof replayed", offer_bearer=self.offer_bearer)


class Auth0ResourceProtector(ResourceProtector):
    """Authlib's protector with one lazily built validator per scheme: ``Bearer`` and ``DPoP``."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._validator: BearerTokenValidator | None = None

    @property
    def validator(self) -> BearerTokenValidator:
        """The Bearer validator for the current ``settings.AUTH0``, built on first use."""
        validator = self._validator
        return validator if validator is not None else self._build_validator()

    @property
    def dpop_validator(self) -> DPoPTokenValidator:
        """The DPoP validator (sharing the Bearer validator's policy, keys and clock), built on first use."""
        self.validator  # noqa: B018 -- builds and registers both validators
        validator: DPoPTokenValidator = self.get_token_validator(DPoPTokenValidator.TOKEN_TYPE)
        return validator

    def _build_validator(self) -> BearerTokenValidator:
        # Under the lock, once: threads racing on a cold start must share one validator and so one
        # key cache, or each would fetch the JWKS for itself.
        with self._lock:
            if self._validator is None:
                config: Auth0Config = settings.AUTH0
                bearer = BearerTokenValidator(config, key_source_for(config))
                self._token_validators: dict[str, TokenValidator] = {}
                self.register_token_validator(bearer)
                # A proxy, as django.core.cache.cache is: each thread gets its own connection.
                store = cast(BaseCache, ConnectionProxy(caches, DPOP_CACHE))
                self.register_token_validator(DPoPTokenValidator(bearer, store))
                self._validator = bearer
            return self._validator

    def reset(self) -> None:
        """Forget the validators (and their cached keys); the next request builds new ones."""
        with self._lock:
            self._validator = None

    def acquire_token(self, request: Any, scopes: str | list[str] | None = None, **kwargs: Any) -> Any:
        """Authlib's ``acquire_token`` minus its request wrapper, which costs a URL build per request.

        Only the ``Authorization`` and ``DPoP`` headers are read, so the Django request serves as it is.
        """
        required = [scopes] if isinstance(scopes, str) else scopes
        token = self.validate_request(required, request)
        token_authenticated.send(sender=type(self), token=token)
        return token

    def parse_request_authorization(self, request: Any) -> tuple[Any, Any]:
        """The validator for the request's scheme and what it authenticates (RFC 9449 §7.1, §7.2).

        The header is read first: a request without credentials is answered 401 before (and without)
        the validators and their key source being built. ``AUTH0_DPOP`` decides which schemes count.
        """
        config: Auth0Config = settings.AUTH0
        scheme, rest = split_authorization(request.headers.get("Authorization"))
        if scheme == "bearer" and config.dpop != "required":
            return self.validator, single_token("Bearer", rest)
        if config.dpop == "disabled" or scheme not in ("bearer", "dpop"):
            raise DPoPCredentialsRequired() if config.dpop == "required" else NoCredentials()
        if scheme == "bearer":
            raise DPoPTokenRejected("Bearer tokens are not accepted; use DPoP")
        offer_bearer = config.dpop == "allowed"
        try:
            token = single_token("DPoP", rest)
        except MalformedAuthorization as error:
            raise DPoPTokenRejected(str(error.description), offer_bearer=offer_bearer) from None
        credentials = DPoPCredentials(
            access_token=token,
            proof=request.headers.get("DPoP"),
            method=request.method,
            uri=request_uri(request, config.public_origin),
        )
        return self.dpop_validator, credentials


require_auth = Auth0ResourceProtector()


@receiver(setting_changed)
def _reset_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting in ("AUTH0", "CACHES"):
        require_auth.reset()
