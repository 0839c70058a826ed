"""``Auth0JWTBearerTokenValidator``: Authlib's ``JWTBearerTokenValidator`` on joserfc keys, RS256 only.

Three steps, each testable alone (the rules of docs/validation-policy.md):

1. ``decode_token`` — compact JWS syntax (RFC 7515 §7.1, canonical base64url per RFC 4648 §3.5),
   header rules (RFC 8725 §3.1 algorithm allow-list; no key material from the token, RFC 8725 §3.10;
   no ``zip``, RFC 7516 §4.1.3), key lookup by ``kid`` among joserfc keys and the RS256 signature
   (RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256, ``verify_jws``), then the payload as a JSON object.
2. ``validate_claims`` — ``iss``, ``aud``, ``exp``, ``nbf``, ``iat`` (RFC 7519 §4.1) and claim types.
3. ``scope_granted`` — the space-separated ``scope`` claim (RFC 8693 §4.2; RFC 6749 §3.3).

Authlib's own ``authenticate_token`` would hand any exception but ``JoseError`` up as a 500 and never
applies the leeway to ``exp``; this subclass raises one ``InvalidToken`` subclass per failing rule.
"""

from __future__ import annotations

import binascii
import functools
import json
import logging
import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple, TypeGuard

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc7523 import JWTBearerToken, JWTBearerTokenValidator
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc.jwk import RSAKey

from apiexample.config import Auth0Config
from apiexample.errors import (
    REALM,
    BadSignature,
    DisallowedHeader,
    InsufficientScope,
    InvalidAudience,
    InvalidClaimType,
    InvalidExpiry,
    InvalidIssuer,
    InvalidOrganization,
    InvalidTimes,
    InvalidToken,
    MalformedToken,
    SigningKeysUnavailable,
    UnknownSigningKey,
)
from apiexample.jwks.keysource import KeySource, KeysUnavailable, UnknownKeyId
from apiexample.token_cache import VerifiedTokenCache, token_digest

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
#: RFC 9068 §2.1 ``at+jwt`` and RFC 7519 §5.1 ``JWT``, each also in its media-type form (RFC 7515
#: §4.1.9), compared case-insensitively.
ALLOWED_TYPES = frozenset({"jwt", "application/jwt", "at+jwt", "application/at+jwt"})
#: Header members that would let the token choose its own key or processing rules (RFC 8725 §3.10),
#: and ``zip``, registered for JWE only (RFC 7516 §4.1.3): a JWS never says it is compressed.
FORBIDDEN_HEADER_MEMBERS = ("crit", "jku", "jwk", "x5u", "x5c", "zip")


class VerifiedJWS(NamedTuple):
    """A compact JWS whose syntax, header and signature passed: its header and raw payload octets."""

    header: dict[str, Any]
    payload: bytes
    #: The key that verified the signature.
    key: RSAKey


class DecodedToken(NamedTuple):
    """A token whose syntax, header and signature passed: its header and claims."""

    header: dict[str, Any]
    claims: dict[str, Any]
    #: The key that verified the signature (the cache checks it is still the one published).
    key: RSAKey


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEXTET = {character: value for value, character in enumerate(_ALPHABET)}
#: RFC 4648 §5's alphabet onto §4's for ``binascii``; ``+``, ``/`` and ``=`` (not base64url) become ``*``,
#: which strict decoding refuses, as it refuses every other character outside the alphabet.
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/***")
#: Bits of the last character that carry no data, by segment length modulo 4 (RFC 4648 §4, §5).
_UNUSED_BITS_MASK = {0: 0, 2: 0b1111, 3: 0b11}
_PADDING = {0: b"", 2: b"==", 3: b"="}


def _b64url_decode(segment: str, name: str) -> bytes:
    # Canonical only (RFC 4648 §3.5): no padding, nothing outside the alphabet, no length of 4n+1,
    # and zero unused bits in the last character; otherwise two different tokens share one signature.
    remainder = len(segment) % 4
    mask = _UNUSED_BITS_MASK.get(remainder)
    if mask is None or not segment.isascii():
        raise MalformedToken(f"The token's {name} is not base64url without padding.")
    standard = segment.encode("ascii").translate(_TO_STANDARD) + _PADDING[remainder]
    try:
        data = binascii.a2b_base64(standard, strict_mode=True)
    except binascii.Error:
        raise MalformedToken(f"The token's {name} is not base64url without padding.") from None
    if mask and _SEXTET[segment[-1]] & mask:
        raise MalformedToken(f"The token's {name} is not canonical base64url.")
    return data


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 7515 §5.2 step 4 / RFC 8725 §3.1: duplicate member names are rejected, not last-wins.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # RFC 8259 §6: NaN and Infinity are not numbers


# One decoder for every segment (``json.loads`` with hooks builds a new one per call).
_JSON = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        # A UTF-8 BOM is not JSON whitespace, so the decoder refuses it (RFC 8259 §8.1).
        value = _JSON.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedToken(f"The token's {name} is not UTF-8 JSON without duplicate members.") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"The token's {name} is not a JSON object.")
    return value


def check_header(header: dict[str, Any]) -> str:
    """Rule 3: the header's ``kid`` when ``alg``, ``kid``, ``typ`` and the forbidden members pass."""
    if header.get("alg") != ALGORITHM:
        raise DisallowedHeader("The token's 'alg' is not RS256.")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise DisallowedHeader("The token's header has no string 'kid'.")
    typ = header.get("typ", "JWT")
    if not isinstance(typ, str) or typ.lower() not in ALLOWED_TYPES:
        raise DisallowedHeader("The token's 'typ' is not JWT or at+jwt.")
    for member in FORBIDDEN_HEADER_MEMBERS:
        if member in header:
            raise DisallowedHeader(f"The token's header carries '{member}', which is not accepted.")
    return kid


#: Header segments up to this length are memoised; Auth0's are about 150 characters. A longer one is
#: parsed every time, so attacker-chosen headers cannot fill memory through the memo.
MEMO_HEADER_MAX_LENGTH = 512


def _check_header_segment(segment: str) -> tuple[dict[str, Any], str]:
    header = _json_object(_b64url_decode(segment, "header"), "header")
    return header, check_header(header)


# Every token a key signs carries the same header segment: parse and check each one once. Only headers
# that pass are cached (an exception is never cached); callers must not mutate them.
_memo_check_header_segment = functools.lru_cache(maxsize=256)(_check_header_segment)


def parse_header(segment: str) -> tuple[dict[str, Any], str]:
    """Rules 2-3 for a header segment: the header and its ``kid``, memoised for short segments."""
    if len(segment) <= MEMO_HEADER_MAX_LENGTH:
        return _memo_check_header_segment(segment)
    return _check_header_segment(segment)


def rs256_verify(signing_input: bytes, signature: bytes, key: RSAKey) -> bool:
    """RS256 (RFC 7518 §3.3) as joserfc's ``RSAAlgorithm.verify`` computes it, minus its per-call
    key-operation lookup: the key set holds public keys imported from ``n`` and ``e`` alone (rule 4)."""
    try:
        key.public_key.verify(signature, signing_input, _PKCS1V15, _SHA256)
    except InvalidSignature:
        return False
    return True


def _verify(token: str, keys: KeySource) -> tuple[dict[str, Any], bytes, RSAKey]:
    signing_text, _, signature_segment = token.rpartition(".")
    header_segment, _, payload_segment = signing_text.partition(".")
    if not signing_text or token.count(".") != 2:
        raise MalformedToken("The token is not a compact JWS of three segments.")
    header, kid = parse_header(header_segment)
    payload = _b64url_decode(payload_segment, "payload")
    signature = _b64url_decode(signature_segment, "signature")
    try:
        key = keys.get_key(kid)
    except UnknownKeyId:
        raise UnknownSigningKey("The token's 'kid' names no signing key of the issuer.") from None
    if not rs256_verify(signing_text.encode("ascii"), signature, key):
        raise BadSignature()
    return header, payload, key


def verify_jws(token: str, keys: KeySource) -> VerifiedJWS:
    """Rules 2-5 but the payload's JSON: parse the compact JWS, check its header, verify its signature."""
    return VerifiedJWS(*_verify(token, keys))


def decode_token(token: str, keys: KeySource) -> DecodedToken:
    """Rules 2-5: a verified compact JWS (``verify_jws``) whose payload is a JSON object."""
    header, payload, key = _verify(token, keys)
    return DecodedToken(header, _json_object(payload, "payload"), key)


def _is_number(value: object) -> TypeGuard[float]:
    # An int is always finite (and math.isfinite overflows on one beyond float range); bool is no number.
    if isinstance(value, int):
        return not isinstance(value, bool)
    return isinstance(value, float) and math.isfinite(value)


#: Float arithmetic's relative error bound for ``(b + c) - a`` (three roundings of at most 2**-53 each,
#: int-to-float conversions included), with room to spare: beyond it the float gap's sign is exact.
_ROUNDING_BOUND = 1e-15


def _less(a: float, b: float, c: float) -> bool:
    """``a < b + c`` exactly for finite ints and floats (float rounding must not move the boundary)."""
    try:
        gap = (b + c) - a
    except OverflowError:  # an integer beyond float range: exact arithmetic settles it
        return Fraction(a) < Fraction(b) + Fraction(c)
    if abs(gap) > _ROUNDING_BOUND * (abs(a) + abs(b) + abs(c)):
        return gap > 0
    return Fraction(a) < Fraction(b) + Fraction(c)


def validate_claims(claims: dict[str, Any], config: Auth0Config, now: float) -> None:
    """Rules 6-11 at time ``now``; raises the ``InvalidToken`` subclass of the first rule that fails."""
    iss = claims.get("iss")
    if not isinstance(iss, str) or iss != config.issuer:
        raise InvalidIssuer()
    aud = claims.get("aud")
    if isinstance(aud, str):
        aud_ok = aud == config.audience
    else:
        aud_ok = (
            isinstance(aud, list) and all(isinstance(entry, str) for entry in aud) and config.audience in aud
        )
    if not aud_ok:
        raise InvalidAudience()
    exp = claims.get("exp")
    if not _is_number(exp):
        raise InvalidExpiry("The token's 'exp' claim is missing or not a number.")
    if not _less(now, exp, config.leeway):
        raise InvalidExpiry("The token has expired.")
    if "nbf" in claims:
        nbf = claims["nbf"]
        if not _is_number(nbf):
            raise InvalidTimes("The token's 'nbf' claim is not a number.")
        if _less(now, nbf, -config.leeway):
            raise InvalidTimes("The token is not valid yet ('nbf').")
    if "iat" in claims:
        iat = claims["iat"]
        if not _is_number(iat):
            raise InvalidTimes("The token's 'iat' claim is not a number.")
        if _less(now, iat, -config.leeway):
            raise InvalidTimes("The token was issued in the future ('iat').")
    for name in ("scope", "sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidClaimType(f"The token's '{name}' claim is not a string.")
    if config.organization is not None:
        org_id = claims.get("org_id")
        if not isinstance(org_id, str) or org_id != config.organization:
            raise InvalidOrganization()


def scope_granted(claims: dict[str, Any], scope: str, *, honor_permissions: bool = False) -> bool:
    """Whether ``scope`` is one of the space-separated entries of ``scope`` (or of ``permissions``)."""
    granted = claims.get("scope", "")
    if scope in granted.split(" "):
        return True
    permissions = claims.get("permissions")
    return honor_permissions and isinstance(permissions, list) and scope in permissions


class Auth0JWTBearerTokenValidator(JWTBearerTokenValidator):
    """Validates Auth0 access tokens under docs/validation-policy.md for Authlib's ``ResourceProtector``."""

    def __init__(
        self,
        config: Auth0Config,
        keys: KeySource,
        *,
        clock: Callable[[], float] = time.time,
        cache: VerifiedTokenCache[DecodedToken] | None = None,
    ) -> None:
        # Authlib passes a callable key through; we verify with the key source ourselves.
        super().__init__(keys.get_key, issuer=config.issuer, realm=REALM, leeway=config.leeway)
        self.config = config
        self.keys = keys
        self.clock = clock
        self.cache: VerifiedTokenCache[DecodedToken] = VerifiedTokenCache() if cache is None else cache

    def decode(self, token_string: str) -> DecodedToken:
        """Rules 2-5 for ``token_string``, from the verified-token cache while its key is still published."""
        digest = token_digest(token_string)
        cached = self.cache.get(digest)
        if cached is not None:
            try:
                current = self.keys.get_key(cached.header["kid"])
            except UnknownKeyId:
                self.cache.discard(digest)
                raise UnknownSigningKey("The token's 'kid' names no signing key of the issuer.") from None
            if current is cached.key:
                return cached
            self.cache.discard(digest)
        decoded = decode_token(token_string, self.keys)
        self.cache.put(digest, decoded)
        return decoded

    def authenticate_token(self, token_string: str) -> JWTBearerToken:
        """Decode and validate ``token_string``; raises one ``InvalidToken`` per failing rule."""
        try:
            decoded = self.decode(token_string)
            validate_claims(decoded.claims, self.config, self.clock())
        except KeysUnavailable as error:
            raise SigningKeysUnavailable(error.reason, error.retry_after) from None
        except InvalidToken:
            raise
        except Exception:  # fail closed: a bug here must be a 401, never a 500 or a pass
            logger.exception("token validation failed unexpectedly; rejecting the token")
            raise InvalidToken("The access token could not be validated.") from None
        return JWTBearerToken(decoded.claims)

    def validate_token(self, token: JWTBearerToken, scopes: list[str] | None, request: OAuth2Request) -> None:
        """Check the endpoint's required scopes on an authenticated token (403 when one is missing)."""
        for scope in scopes or ():
            if not scope_granted(token, scope, honor_permissions=self.config.honor_permissions):
                raise InsufficientScope(scope)
