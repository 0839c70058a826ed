"""Where the validator gets its verification keys: the tenant's JWK Set (RFC 7517 §5), fetched lazily.

A key source answers one question, ``get_key(kid)``, with a joserfc ``RSAKey``, or raises
``UnknownKeyId`` (the token names no key we have: 401) or ``KeysUnavailable`` (we cannot tell: 503).
Only keys usable under DESIGN §5 rule 4 are kept: RSA, modulus >= 2048 bits, ``use`` absent or
``sig``, ``alg`` absent or ``RS256``, a string ``kid``. Others are skipped (and logged once), so an EC
key published beside the RSA ones does not break them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import requests
from joserfc.jwk import RSAKey

logger = logging.getLogger(__name__)

MIN_MODULUS_BITS = 2048


class KeysUnavailable(Exception):
    """The signing keys cannot be had now (JWKS unreachable, invalid or empty): answer 503."""

    def __init__(self, reason: str, *, retry_after: int = 30) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class UnknownKeyId(Exception):
    """The token's ``kid`` names no usable key in the issuer's JWKS: answer 401."""


class KeySource(Protocol):
    """Anything that maps a ``kid`` to a verification key."""

    def get_key(self, kid: str) -> RSAKey:
        """The usable key named ``kid``; raises ``UnknownKeyId`` or ``KeysUnavailable``."""
        ...  # pragma: no cover - a Protocol body is never run


def _b64url_uint_bits(value: object) -> int:
    """Bit length of a Base64urlUInt (RFC 7518 §2), 0 when it is not one."""
    import base64
    import binascii

    if not isinstance(value, str) or not value or "=" in value:
        return 0
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return 0
    return int.from_bytes(raw, "big").bit_length()


def unusable_reason(jwk: object) -> str | None:
    """Why ``jwk`` cannot verify an RS256 token under DESIGN §5 rule 4, or None when it can."""
    if not isinstance(jwk, Mapping):
        return "not a JSON object"
    if jwk.get("kty") != "RSA":
        return f"kty {jwk.get('kty')!r} is not RSA"
    if not isinstance(jwk.get("kid"), str):
        return "no string kid"
    if jwk.get("use", "sig") != "sig":
        return f"use {jwk.get('use')!r} is not sig"
    if jwk.get("alg", "RS256") != "RS256":
        return f"alg {jwk.get('alg')!r} is not RS256"
    bits = _b64url_uint_bits(jwk.get("n"))
    if bits < MIN_MODULUS_BITS:
        return f"modulus of {bits} bits is under {MIN_MODULUS_BITS}"
    if _b64url_uint_bits(jwk.get("e")) < 2:
        return "no valid public exponent"
    return None


def parse_jwks(document: object) -> dict[str, RSAKey]:
    """The usable keys of a JWK Set by ``kid``; raises ``ValueError`` when it is not a JWK Set."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set: expected a JSON object with a 'keys' array")
    keys: dict[str, RSAKey] = {}
    for jwk in document["keys"]:
        reason = unusable_reason(jwk)
        if reason is None:
            try:
                # Public members only: a JWKS that leaks "d" must not make us hold a private key.
                keys[jwk["kid"]] = RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]})
            except Exception as error:  # joserfc raises several types for a bad modulus
                reason = f"not importable ({type(error).__name__})"
        if reason is not None:
            kid = jwk.get("kid") if isinstance(jwk, Mapping) else None
            logger.warning("JWKS key %r skipped: %s", kid, reason)
    return keys


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


class JWKSClient:
    """The tenant's JWKS over HTTP(S), fetched on first need and cached.

    An unknown ``kid`` triggers a refetch (so a rotated key works without a restart), at most once
    every ``min_refetch_interval`` seconds so that forged ``kid``s cannot flood the tenant.
    """

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.0, 5.0),
        min_refetch_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"JWKS URL must be http(s): {url!r}")
        self.url = url
        self.session = session or requests.Session()
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self.clock = clock
        self._keys: dict[str, RSAKey] | None = None
        self._last_fetch: float | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        count = "cold" if self._keys is None else f"{len(self._keys)} keys"
        return f"<JWKSClient {self.url} {count}>"

    def get_key(self, kid: str) -> RSAKey:
        """The usable key named ``kid``, fetching the JWKS on first need or for an unknown ``kid``."""
        keys = self._keys
        if keys is not None and kid in keys:
            return keys[kid]
        with self._lock:
            if self._keys is None or (kid not in self._keys and self._may_refetch()):
                self._keys = self._fetch()
            if kid in self._keys:
                return self._keys[kid]
        raise UnknownKeyId(kid)

    def _may_refetch(self) -> bool:
        return self._last_fetch is None or self.clock() - self._last_fetch >= self.min_refetch_interval

    def _fetch(self) -> dict[str, RSAKey]:
        self._last_fetch = self.clock()
        try:
            response = self.session.get(self.url, timeout=self.timeout, allow_redirects=False)
            response.raise_for_status()
            keys = parse_jwks(response.json())
        except (requests.RequestException, ValueError) as error:
            logger.warning("JWKS fetch from %s failed: %s", self.url, error)
            if self._keys:
                return self._keys
            raise KeysUnavailable(f"JWKS fetch failed: {type(error).__name__}") from error
        logger.info("JWKS fetched from %s: %d usable keys", self.url, len(keys))
        if not keys:
            if self._keys:
                return self._keys
            raise KeysUnavailable("JWKS has no usable keys")
        return keys
