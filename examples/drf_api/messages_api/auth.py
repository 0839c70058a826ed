"""A DRF authentication class over PyJWT: RS256 access tokens from the tenant's JWKS (RFC 6750, RFC 9068)."""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

_keys: dict[str, Any] = {}


def signing_key(kid: object) -> Any:
    """The tenant's public key named ``kid``; the JWKS is fetched again for a kid not seen yet."""
    if kid not in _keys:
        jwks = requests.get(settings.JWT_JWKS_URL, timeout=5).json()
        _keys.update({jwk["kid"]: jwt.PyJWK(jwk).key for jwk in jwks["keys"] if jwk.get("kty") == "RSA"})
    if not isinstance(kid, str) or kid not in _keys:
        raise exceptions.AuthenticationFailed("unknown signing key")
    return _keys[kid]


def numeric_dates(claims: dict[str, Any]) -> None:
    """RFC 7519 §2: exp, nbf and iat are JSON numbers (PyJWT alone also takes "123" and true)."""
    for name in ("exp", "nbf", "iat"):
        if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
            raise jwt.InvalidTokenError(f"{name} is not a number")


class TokenUser:
    """The caller a valid token names: its ``sub``."""

    is_authenticated = True

    def __init__(self, sub: str) -> None:
        self.sub = sub

    def __str__(self) -> str:
        return self.sub


class Auth0JWTAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <JWT>``; the claims become ``request.auth``."""

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        """The token's subject and claims, None without Bearer credentials, 401 for a bad token."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            key = signing_key(jwt.get_unverified_header(token).get("kid"))
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=settings.JWT_AUDIENCE,
                issuer=settings.JWT_ISSUER,
                leeway=settings.JWT_LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
            numeric_dates(claims)
        except jwt.InvalidTokenError as error:
            raise exceptions.AuthenticationFailed(f"invalid token: {error}") from None
        if not isinstance(claims.get("scope", ""), str):
            raise exceptions.AuthenticationFailed("invalid token: scope is not a string")
        return TokenUser(str(claims.get("sub", ""))), claims

    def authenticate_header(self, request: Request) -> str:
        """The challenge of a 401 (RFC 6750 §3)."""
        return 'Bearer realm="messages"'


def scope_required(scope: str) -> type[permissions.BasePermission]:
    """A permission class: the token's ``scope`` (space-separated) includes ``scope`` (RFC 6749 §3.3)."""

    class HasScope(permissions.BasePermission):
        message = f"the token lacks scope {scope}"

        def has_permission(self, request: Request, view: object) -> bool:
            claims = request.auth or {}
            return scope in str(claims.get("scope", "")).split(" ")

    return HasScope
