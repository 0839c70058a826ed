"""Where the validator gets its verification keys: the ``KeySource`` protocol and its errors.

A key source answers one question, ``get_key(kid)``, with a joserfc ``RSAKey`` (RFC 7517 §4), or raises
``UnknownKeyId`` (the token names no key we have: 401) or ``KeysUnavailable`` (we cannot tell: 503).
``StaticKeySource`` holds a fixed JWK Set; ``apiexample.jwks.client.JWKSClient`` fetches a tenant's.
"""

from __future__ import annotations

from typing import Protocol

from joserfc.jwk import RSAKey

from apiexample.jwks.keyset import parse_jwks


class KeysUnavailable(Exception):
    """The signing keys cannot be had now (JWKS unreachable, invalid or empty): answer 503."""

    def __init__(self, reason: str, *, retry_after: int = 30) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class UnknownKeyId(Exception):
    """The token's ``kid`` names no usable key in the issuer's JWKS: answer 401.

    Raised as ``UnknownKeyId(kid)``: ``error.args == (kid,)``, so a log or a custom ``KeySource``'s
    caller can say which ``kid`` was missing.
    """


class KeySource(Protocol):
    """Anything that maps a ``kid`` to a verification key."""

    def get_key(self, kid: str) -> RSAKey:
        """The usable key named ``kid``; raises ``UnknownKeyId`` or ``KeysUnavailable``."""
        ...  # pragma: no cover - a Protocol body is never run


class StaticKeySource:
    """A fixed JWK Set held in memory (the offline dev issuer's, or a test's)."""

    def __init__(self, document: object) -> None:
        self._keys = parse_jwks(document)

    def get_key(self, kid: str) -> RSAKey:
        """The key named ``kid``; raises ``UnknownKeyId``."""
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKeyId(kid) from None
