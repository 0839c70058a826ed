"""Which keys of a JWK Set (RFC 7517 §5) can verify our tokens: rule 4 of docs/validation-policy.md.

Only RSA keys (RFC 7518 §6.3) with a string ``kid``, ``use`` absent or ``sig`` (RFC 7517 §4.2),
``key_ops`` absent or allowing ``verify`` (RFC 7517 §4.3), ``alg`` absent or ``RS256`` (RFC 7517
§4.4), a modulus of at least 2048 bits without the ROCA fingerprint (CVE-2017-15361) and an odd
public exponent ``3 <= e < n`` (RFC 8017 §3.1) are kept. A ``kid`` that two or more such keys share
is ambiguous and names none of them. The others are reported and skipped, so an EC key published
beside the RSA ones does not break them. Only public members are imported.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Mapping

from joserfc.jwk import RSAKey

from apiexample.jwks.roca import has_roca_fingerprint

logger = logging.getLogger(__name__)

MIN_MODULUS_BITS = 2048


def _b64url_uint(value: object) -> int:
    """The integer a Base64urlUInt (RFC 7518 §2) encodes, 0 when it is not one."""
    # base64url without padding and nothing outside the alphabet (RFC 4648 §5): Python's decoder
    # would otherwise drop unknown characters, and "A.Q.A.B" would be read as 65537.
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        return 0
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error:  # a length of 4n+1 is no base64
        return 0
    return int.from_bytes(raw, "big")


def _key_ops_reason(key_ops: object) -> str | None:
    """RFC 7517 §4.3: an array of distinct strings; to verify our tokens it must hold ``verify``."""
    if not isinstance(key_ops, list) or not all(isinstance(op, str) for op in key_ops):
        return "key_ops is not an array of strings"
    if len(set(key_ops)) != len(key_ops):
        return "key_ops repeats a value"
    if "verify" not in key_ops:
        return f"key_ops {key_ops!r} does not allow verify"
    return None


def unusable_reason(jwk: object) -> str | None:
    """Why ``jwk`` cannot verify an RS256 token under rule 4, or None when it can."""
    if not isinstance(jwk, Mapping):
        return "not a JSON object"
    if jwk.get("kty") != "RSA":
        return f"kty {jwk.get('kty')!r} is not RSA"
    if not isinstance(jwk.get("kid"), str):
        return "no string kid"
    if jwk.get("use", "sig") != "sig":
        return f"use {jwk.get('use')!r} is not sig"
    if "key_ops" in jwk and (reason := _key_ops_reason(jwk["key_ops"])) is not None:
        return reason
    if jwk.get("alg", "RS256") != "RS256":
        return f"alg {jwk.get('alg')!r} is not RS256"
    modulus = _b64url_uint(jwk.get("n"))
    if modulus.bit_length() < MIN_MODULUS_BITS:
        return f"modulus of {modulus.bit_length()} bits is under {MIN_MODULUS_BITS}"
    exponent = _b64url_uint(jwk.get("e"))
    if exponent < 3 or exponent % 2 == 0 or exponent >= modulus:
        return "public exponent is not an odd integer with 3 <= e < n"
    if has_roca_fingerprint(modulus):
        return "modulus has the ROCA fingerprint (CVE-2017-15361)"
    return None


def read_jwks(document: object) -> tuple[dict[str, RSAKey], list[tuple[object, str]]]:
    """The usable keys of a JWK Set by ``kid`` and ``(kid, reason)`` for each key skipped.

    Raises ``ValueError`` when ``document`` is not a JWK Set (RFC 7517 §5: an object with a ``keys``
    array). A ``kid`` shared by two or more usable keys names none of them (one entry in the skipped
    list for the ``kid``): which key verifies must not depend on the order of the set.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set: expected a JSON object with a 'keys' array")
    usable: dict[str, list[RSAKey]] = {}
    skipped: list[tuple[object, str]] = []
    for jwk in document["keys"]:
        reason = unusable_reason(jwk)
        if reason is None:
            try:
                # Public members only: a JWKS that leaks "d" must not make us hold a private key.
                key = RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]})
            except Exception as error:  # none that passes rule 4 fails today; a future refusal is a skip
                reason = f"not importable ({type(error).__name__})"
            else:
                usable.setdefault(jwk["kid"], []).append(key)
        if reason is not None:
            skipped.append((jwk.get("kid") if isinstance(jwk, Mapping) else None, reason))
    keys: dict[str, RSAKey] = {}
    for kid, found in usable.items():
        if len(found) == 1:
            keys[kid] = found[0]
        else:
            skipped.append((kid, f"ambiguous: {len(found)} usable keys share this kid"))
    return keys, skipped


def parse_jwks(document: object) -> dict[str, RSAKey]:
    """The usable keys of a JWK Set by ``kid``, logging each key skipped; ``ValueError`` if not a set."""
    keys, skipped = read_jwks(document)
    for kid, reason in skipped:
        logger.warning("JWKS key %r skipped: %s", kid, reason)
    return keys
