"""Which keys of a JWK Set (RFC 7517 §5) can verify our tokens: DESIGN §5 rule 4 as code.

Only RSA keys (RFC 7518 §6.3) with a modulus of at least 2048 bits, ``use`` absent or ``sig``,
``alg`` absent or ``RS256`` and a string ``kid`` are kept; the others are reported and skipped, so an
EC key published beside the RSA ones does not break them. Only public members are imported.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping

from joserfc.jwk import RSAKey

logger = logging.getLogger(__name__)

MIN_MODULUS_BITS = 2048


def _b64url_uint_bits(value: object) -> int:
    """Bit length of a Base64urlUInt (RFC 7518 §2), 0 when it is not one."""
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


def read_jwks(document: object) -> tuple[dict[str, RSAKey], list[tuple[object, str]]]:
    """The usable keys of a JWK Set by ``kid`` and ``(kid, reason)`` for each key skipped.

    Raises ``ValueError`` when ``document`` is not a JWK Set (RFC 7517 §5: an object with a ``keys``
    array). Of two keys with one ``kid`` the first wins: the ``kid`` must name one key, not a choice.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set: expected a JSON object with a 'keys' array")
    keys: dict[str, RSAKey] = {}
    skipped: list[tuple[object, str]] = []
    for jwk in document["keys"]:
        reason = unusable_reason(jwk)
        if reason is None and jwk["kid"] in keys:
            reason = "duplicate kid"
        if reason is None:
            try:
                # Public members only: a JWKS that leaks "d" must not make us hold a private key.
                keys[jwk["kid"]] = RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]})
            except Exception as error:  # joserfc raises several types for a bad modulus
                reason = f"not importable ({type(error).__name__})"
        if reason is not None:
            skipped.append((jwk.get("kid") if isinstance(jwk, Mapping) else None, reason))
    return keys, skipped


def parse_jwks(document: object) -> dict[str, RSAKey]:
    """The usable keys of a JWK Set by ``kid``, logging each key skipped; ``ValueError`` if not a set."""
    keys, skipped = read_jwks(document)
    for kid, reason in skipped:
        logger.warning("JWKS key %r skipped: %s", kid, reason)
    return keys
