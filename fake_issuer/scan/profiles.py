"""Policy profiles: ``strict`` (docs/validation-policy.md) and ``rfc`` (only what the RFCs require).

Under ``rfc`` a wrongly accepted request is critical only when RFC 7519, 7515, 8725, 9068 or 6750
require its refusal; anything else is a strictness choice, reported as info. ``rfc_refusal`` decides
that from the request itself: it reads every token the request carries leniently (lexically last
duplicate wins, RFC 7515 §5.2; padding tolerated) and returns the first requirement each breaks; the
request must be refused only when every token breaks one (a genuine token under the wrong scheme or
beside another is a strictness choice, not a forgery). ``REQUIREMENTS`` is the table, each with its
section.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fake_issuer.keys import SigningKey
from fake_issuer.scan.cases import Sent

PROFILES = ("strict", "rfc")

#: Each requirement the ``rfc`` profile enforces: name -> the section that makes refusal a MUST.
REQUIREMENTS = {
    "no-token": "RFC 6750 §2.1, §3.1: no bearer token at all",
    "not-compact": "RFC 7519 §7.2 step 1: a JWT is a compact JWS (three segments)",
    "not-json": "RFC 7519 §7.2 steps 3-10: the header and claims are base64url JSON objects",
    "alg": "RFC 8725 §3.1, RFC 7518 §3.6: only the expected algorithm (RS256) is accepted",
    "crit": "RFC 7515 §4.1.11: a crit extension the recipient does not implement",
    "signature": "RFC 7515 §5.2 step 8: the signature does not verify with the issuer's keys",
    "iss": "RFC 7519 §4.1.1, RFC 9068 §4: iss must equal the issuer exactly",
    "aud": "RFC 7519 §4.1.3, RFC 9068 §4: aud must name this API",
    "exp-missing": "RFC 9068 §2.2: exp is REQUIRED",
    "exp-type": "RFC 7519 §2, §4.1.4: exp is a NumericDate",
    "expired": "RFC 7519 §4.1.4: the token has expired (beyond the leeway)",
    "nbf": "RFC 7519 §4.1.5: not before nbf (beyond the leeway)",
}
_PIECES = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Context:
    """What the RFC checks need: issuer, audience, leeway and the issuer's RSA keys."""

    issuer: str
    audience: str
    leeway: float
    keys: tuple[SigningKey, ...]


def _segment(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def _json(raw: bytes) -> object:
    return json.loads(raw.decode("utf-8"))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _verifies(signing_input: bytes, signature: bytes, keys: Iterable[SigningKey]) -> bool:
    for key in keys:
        public = key.private_key.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            continue
        try:
            public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return True
    return False


def _claims_breach(claims: Mapping[str, object], context: Context, now: float) -> str | None:
    aud = claims.get("aud")
    if claims.get("iss") != context.issuer:
        return "iss"
    if not (aud == context.audience or (isinstance(aud, list) and context.audience in aud)):
        return "aud"
    if "exp" not in claims:
        return "exp-missing"
    exp = _number(claims["exp"])
    if exp is None:
        return "exp-type"
    if now >= exp + context.leeway:
        return "expired"
    if "nbf" in claims:
        nbf = _number(claims["nbf"])
        if nbf is None or now < nbf - context.leeway:
            return "nbf"
    return None


def token_breach(token: str, context: Context, now: float) -> str | None:
    """The first RFC requirement ``token`` breaks (a ``REQUIREMENTS`` name), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return "not-compact"
    try:
        header, claims = _json(_segment(parts[0])), _json(_segment(parts[1]))
        signature = _segment(parts[2])
    except (ValueError, RecursionError):  # binascii, Unicode and JSON errors are ValueErrors
        return "not-json"
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return "not-json"
    if header.get("alg") != "RS256":
        return "alg"
    if header.get("crit"):
        return "crit"
    if not _verifies(f"{parts[0]}.{parts[1]}".encode("ascii", "replace"), signature, context.keys):
        return "signature"
    return _claims_breach(claims, context, now)


def candidate_tokens(sent: Sent) -> list[str]:
    """Every piece of the request that could be a token: header words after a scheme, the query's."""
    pieces = []
    for value in (sent.authorization, *sent.headers.values()):
        words = [word for word in _PIECES.split(value or "") if word]
        pieces += [word for word in words if word.lower().rstrip(":") not in ("bearer", "basic", "dpop")]
        pieces += [word[len("bearer") :] for word in words if word.lower().startswith("bearer")]
    if "access_token" in sent.query:
        pieces.append(sent.query["access_token"])
    return [piece for piece in pieces if piece]


def rfc_refusal(sent: Sent, context: Context, now: float) -> str | None:
    """Why the RFCs require refusing ``sent`` (a ``REQUIREMENTS`` entry), or None: a strictness choice."""
    breaches = [token_breach(token, context, now) for token in candidate_tokens(sent)]
    if not breaches:
        return REQUIREMENTS["no-token"]
    if any(breach is None for breach in breaches):
        return None
    return REQUIREMENTS[str(breaches[0])]
