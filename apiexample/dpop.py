"""DPoP proofs at the resource server (RFC 9449 §4.3, §7, §9, §11.1): checks, replay store, nonces.

``verify_proof`` runs the checks of RFC 9449 §4.3 in the order docs/validation-policy.md ("DPoP")
reports them: one ``DPoP`` header; a strict compact JWS; ``typ`` ``dpop+jwt``, an asymmetric ``alg``
from the allow-list and a public ``jwk`` of the matching type (RFC 8725 §3.1); the signature by that
key; ``jti``, ``htm``, ``htu`` and ``iat``; ``ath`` (§4.2). The server nonce (§9), the access
token and its ``cnf.jkt`` (§6.1) and the replay check (§11.1) follow in ``DPoPTokenValidator``
(apiexample.auth). The replay store and the nonces live in Django's cache framework, so several
workers or hosts share them when ``CACHES`` names a shared backend (Redis).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import secrets
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple, TypeGuard
from urllib.parse import urlsplit

from django.core.cache import BaseCache
from django.http import HttpRequest
from django.utils.encoding import escape_uri_path
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, RSAKey, import_key
from joserfc.jws import JWSRegistry

from apiexample.errors import DPOP_ALGORITHMS, DPoPInvalidRequest, InvalidDPoPProof, MalformedToken
from apiexample.validator import _b64url_decode, _json_object

PROOF_TYPE = "dpop+jwt"
#: RFC 7517 / RFC 7518 §6.2.2, §6.3.2, §6.4: members that only a private (or symmetric) key has.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
#: Header members that would fetch or constrain the key from elsewhere (RFC 8725 §3.10); the key is
#: the ``jwk`` alone, and a ``kid`` is never looked up.
FORBIDDEN_HEADER_MEMBERS = ("crit", "jku", "x5u", "x5c")
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MIN_RSA_BITS = 2048
#: How long one server nonce is handed out (RFC 9449 §9); the previous one stays good as long again.
NONCE_LIFETIME = 300
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_A_JWS = "The DPoP proof is not a compact JWS of canonical base64url JSON."


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that passed RFC 9449 §4.3: its key's thumbprint and its claims."""

    jkt: str
    jti: str
    claims: dict[str, Any]


def single_proof(value: str | None) -> str:
    """The one ``DPoP`` header's value; several headers arrive joined by commas (RFC 9110 §5.3)."""
    if value is None:
        raise InvalidDPoPProof("DPoP proof missing")
    if "," in value:
        raise DPoPInvalidRequest()
    return value.strip(" \t")


def normalized_uri(uri: object) -> str | None:
    """``uri`` without query and fragment, scheme and host lowercased, no default port (RFC 3986 §6.2)."""
    if not isinstance(uri, str):
        return None
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    host = f"[{host}]" if ":" in host else host
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path}"


def request_uri(request: HttpRequest, public_origin: str | None) -> str:
    """The request's URI as the client addressed it: ``public_origin`` (or Django's own) plus the path.

    Without ``AUTH0_PUBLIC_ORIGIN``, Django's scheme and host are used, which honour
    ``SECURE_PROXY_SSL_HEADER`` and ``USE_X_FORWARDED_HOST`` only when the deployment sets them.
    """
    origin = public_origin or f"{request.scheme}://{request.get_host()}"
    return f"{origin}{escape_uri_path(request.path)}"


def access_token_hash(token: str) -> str:
    """base64url(SHA-256(ASCII ``token``)) without padding: the ``ath`` a proof must carry."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _is_number(value: object) -> TypeGuard[float]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _proof_key(header: dict[str, Any]) -> ECKey | RSAKey:
    alg = header["alg"]
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise InvalidDPoPProof("The DPoP proof's header has no 'jwk' object.")
    if any(member in jwk for member in PRIVATE_MEMBERS):
        raise InvalidDPoPProof("The DPoP proof's 'jwk' carries private key members.")
    expected_kty = "EC" if alg in _EC_CURVES else "RSA"
    if jwk.get("kty") != expected_kty or (expected_kty == "EC" and jwk.get("crv") != _EC_CURVES[alg]):
        raise InvalidDPoPProof(f"The DPoP proof's 'jwk' is not a key for {alg}.")
    try:
        with warnings.catch_warnings():  # joserfc warns of short RSA keys; the size is refused below
            warnings.simplefilter("ignore", SecurityWarning)
            key = import_key(jwk)
    except Exception:  # any malformed member (joserfc raises several kinds): the proof is invalid
        raise InvalidDPoPProof("The DPoP proof's 'jwk' is not a usable public key.") from None
    if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
        raise InvalidDPoPProof("The DPoP proof's RSA key is shorter than 2048 bits.")
    assert isinstance(key, ECKey | RSAKey)  # kty was checked to be EC or RSA just above
    return key


class ProofHeader(NamedTuple):
    """A proof header that passed checks 2-4 but the signature: the header, its key, the thumbprint."""

    header: dict[str, Any]
    key: ECKey | RSAKey
    #: RFC 7638 thumbprint of ``key``, the ``cnf.jkt`` a bound token must carry (RFC 9449 §6.1).
    jkt: str


def check_proof_header(segment: str) -> ProofHeader:
    """Checks 2-4 for a header segment: strict JSON, ``typ``, ``alg`` and a public ``jwk`` for it."""
    try:
        header = _json_object(_b64url_decode(segment, "header"), "header")
    except MalformedToken:
        raise InvalidDPoPProof(_NOT_A_JWS) from None
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() != PROOF_TYPE:
        raise InvalidDPoPProof("The DPoP proof's 'typ' is not dpop+jwt.")
    if header.get("alg") not in DPOP_ALGORITHMS:
        raise InvalidDPoPProof("The DPoP proof's 'alg' is not an accepted asymmetric algorithm.")
    key = _proof_key(header)
    for member in FORBIDDEN_HEADER_MEMBERS:
        if member in header:
            raise InvalidDPoPProof(f"The DPoP proof's header carries '{member}', which is not accepted.")
    return ProofHeader(header, key, key.thumbprint())


#: Proof header segments up to this length are memoised: a client signs all its proofs with one key,
#: so they share one header segment (an ES256 one is about 250 characters, an RSA-4096 one about 900).
#: A longer one is checked every time, so attacker-chosen headers cannot fill memory through the memo.
MEMO_PROOF_HEADER_MAX_LENGTH = 1536

# Only headers that pass are kept (an exception is never cached); callers must not mutate them.
_memo_check_proof_header = functools.lru_cache(maxsize=256)(check_proof_header)


def parse_proof_header(segment: str) -> ProofHeader:
    """``check_proof_header``, memoised for short segments."""
    if len(segment) <= MEMO_PROOF_HEADER_MAX_LENGTH:
        return _memo_check_proof_header(segment)
    return check_proof_header(segment)


def decode_proof(proof: str) -> tuple[ProofHeader, dict[str, Any]]:
    """Checks 2-4: a strict compact JWS whose header names a public ``jwk`` that signed it."""
    segments = proof.split(".")
    if len(segments) != 3:
        raise InvalidDPoPProof("The DPoP proof is not a compact JWS of three segments.")
    # The payload and signature are decoded before the header is checked: a segment that is not
    # canonical base64url is reported as such whichever it is (check 2 before checks 3-4).
    try:  # the MalformedToken's own description (which segment) is replaced by the proof's
        payload, signature = [_b64url_decode(segment, "segment") for segment in segments[1:]]
    except MalformedToken:
        raise InvalidDPoPProof(_NOT_A_JWS) from None
    checked = parse_proof_header(segments[0])
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    if not JWSRegistry.algorithms[checked.header["alg"]].verify(signing_input, signature, checked.key):
        raise InvalidDPoPProof("The DPoP proof's signature does not verify with its 'jwk'.")
    try:
        claims = _json_object(payload, "payload")
    except MalformedToken:
        raise InvalidDPoPProof("The DPoP proof's payload is not a strict JSON object.") from None
    return checked, claims


def check_claims(
    claims: dict[str, Any], *, method: str, uri: str, now: float, offset: float, leeway: float
) -> None:
    """Check 5: ``jti`` a string, ``htm`` the method, ``htu`` the URI, ``iat`` within the window."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise InvalidDPoPProof("The DPoP proof has no 'jti' string.")
    if claims.get("htm") != method:
        raise InvalidDPoPProof("The DPoP proof's 'htm' is not this request's method.")
    htu = normalized_uri(claims.get("htu"))
    if htu is None or htu != normalized_uri(uri):
        raise InvalidDPoPProof("The DPoP proof's 'htu' is not this request's URI.")
    iat = claims.get("iat")
    if not _is_number(iat):
        raise InvalidDPoPProof("The DPoP proof's 'iat' is missing or not a number.")
    # Exact arithmetic: float rounding must not move the window's edges (as for exp, rule 8).
    at, skew = Fraction(now), Fraction(leeway)
    if not at - Fraction(offset) - skew <= Fraction(iat) <= at + skew:
        raise InvalidDPoPProof("The DPoP proof's 'iat' is outside the accepted window.")


def verify_proof(
    value: str | None,
    *,
    access_token: str,
    method: str,
    uri: str,
    now: float,
    offset: float,
    leeway: float,
) -> VerifiedProof:
    """Checks 1-6 of a request's ``DPoP`` header value; raises ``DPoPError`` for the first that fails."""
    checked, claims = decode_proof(single_proof(value))
    check_claims(claims, method=method, uri=uri, now=now, offset=offset, leeway=leeway)
    if claims.get("ath") != access_token_hash(access_token):
        raise InvalidDPoPProof("The DPoP proof's 'ath' is not the hash of the access token.")
    return VerifiedProof(jkt=checked.jkt, jti=claims["jti"], claims=claims)


class StoreUnavailable(Exception):
    """The cache behind the replay store or the nonces failed (Redis down, say)."""


class ReplayStore:
    """Proof ``jti`` values seen within the ``iat`` window, in a Django cache (RFC 9449 §11.1)."""

    def __init__(self, cache: BaseCache, *, ttl: float) -> None:
        self.cache = cache
        self.ttl = ttl

    @staticmethod
    def key(jkt: str, jti: str) -> str:
        """The cache key of a (key, ``jti``) pair: hashed, so any ``jti`` fits every backend's key rules."""
        digest = hashlib.sha256(f"{jkt}\x00{jti}".encode("utf-8", "surrogatepass")).hexdigest()
        return f"apiexample:dpop:jti:{digest}"

    def first_use(self, jkt: str, jti: str) -> bool:
        """Record the pair; True only the first time (``cache.add`` is atomic: Redis ``SET NX``)."""
        try:
            return bool(self.cache.add(self.key(jkt, jti), 1, timeout=math.ceil(self.ttl)))
        except Exception as error:  # any backend's failure: the caller fails closed (503)
            raise StoreUnavailable(str(error)) from error


class NonceSource:
    """Server nonces (RFC 9449 §9) in a Django cache, so every worker hands out and accepts the same."""

    def __init__(self, cache: BaseCache, *, lifetime: int = NONCE_LIFETIME) -> None:
        self.cache = cache
        self.lifetime = lifetime

    def _nonce(self, window: int) -> str:
        key = f"apiexample:dpop:nonce:{window}"
        try:
            nonce = self.cache.get_or_set(
                key, lambda: secrets.token_urlsafe(24), timeout=2 * self.lifetime + 1
            )
        except Exception as error:  # any backend's failure: the caller fails closed (503)
            raise StoreUnavailable(str(error)) from error
        return str(nonce)

    def current(self, now: float) -> str:
        """The nonce to hand out now."""
        return self._nonce(math.floor(now) // self.lifetime)

    def accepts(self, nonce: object, now: float) -> bool:
        """Whether ``nonce`` is the current nonce or the one before it."""
        window = math.floor(now) // self.lifetime
        return isinstance(nonce, str) and nonce in (self._nonce(window), self._nonce(window - 1))
