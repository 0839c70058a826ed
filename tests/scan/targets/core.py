"""A small standalone API for the scanner to judge: stdlib ``http.server``, ``cryptography`` for RS256.

Serves ``/api/public``, ``/api/private`` and ``/api/private-scoped`` as docs/validation-policy.md
owes (rules 1-10 applied with the oracle's pure rule functions, RS256 verified here), with a JWKS
cache: lazy first fetch, a TTL, one refetch per second at most for unknown kids, stale keys kept
when the JWKS fails, 503 with ``Retry-After`` when no key can be had (RFC 9110 §15.6.4).
``FAULTS`` lists what a flawed target may switch on; each file beside this one seeds some.

Run: ``python -m tests.scan.targets.NAME --port P --issuer URL --audience AUD [--ttl S]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import ssl
import threading
import time
import urllib.request
from collections.abc import Collection, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fake_issuer.policy.oracle import (
    NO_CREDENTIALS,
    Outcome,
    Policy,
    bad_claim_types,
    bad_expiry,
    bad_times,
    bearer_token,
    disallowed_header,
    json_object,
    key_named,
    wrong_audience,
    wrong_issuer,
)

FAULTS = (
    "aud-unchecked",
    "iss-prefix",
    "exp-ignored",
    "alg-none",
    "hs256-public-key",
    "scope-substring",
    "scope-crash",
    "jwks-at-import",
    "jku-followed",
)
MESSAGES = {
    "/api/public": "Hello from a public endpoint! You don't need to be authenticated to see this.",
    "/api/private": "Hello from a private endpoint! You need to be authenticated to see this.",
    "/api/private-scoped": "Hello from a private endpoint! You need to be authenticated and have a scope "
    "of read:messages to see this.",
}


class Refused(Exception):
    """The request is answered with ``outcome`` (a 401 or 403) and ``reason``."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome


class Unavailable(Exception):
    """No key can be had: 503 with Retry-After."""


def _canonical(segment: str) -> bytes:
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise ValueError("not canonical base64url")
    return raw


#: The CA to trust for an https issuer (``--ca``), as a TLS context.
CONTEXT: list[ssl.SSLContext] = []


#: Seconds a JWKS fetch may take: this API's default (``AUTH0_JWKS_TIMEOUT``). Shorter, a fetch on a
#: loaded machine gives up on a healthy issuer and a valid request gets a 503 the scan reports.
FETCH_TIMEOUT = 5.0


def _fetch(url: str) -> dict[str, list[dict[str, str]]]:
    context = CONTEXT[0] if CONTEXT else None
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT, context=context) as response:
        document = json.loads(response.read())
    keys: dict[str, list[dict[str, str]]] = {}
    for jwk in document["keys"]:
        if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str):
            keys.setdefault(jwk["kid"], []).append(jwk)  # every key under a kid: an ambiguous kid is refused
    return keys


def _rsa(jwk: Mapping[str, object]) -> rsa.RSAPublicKey:
    def number(name: str) -> int:
        text = str(jwk[name])
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    return rsa.RSAPublicNumbers(number("e"), number("n")).public_key()


class Keys:
    """The JWKS cache (or, with ``jwks-at-import``, the keys fetched once at startup)."""

    def __init__(self, url: str, ttl: float, faults: Collection[str]) -> None:
        self.url, self.ttl, self.faults = url, ttl, faults
        self.keys: dict[str, list[dict[str, str]]] = {}
        self.fetched = self.attempted = float("-inf")
        self.lock = threading.Lock()
        if "jwks-at-import" in faults:
            self.keys = _fetch(url)  # raises when the JWKS is down: the process exits

    def get(self, kid: str) -> list[dict[str, str]]:
        """The JWK named ``kid``; ``Refused`` when unknown, ``Unavailable`` when none can be had."""
        with self.lock:
            now = time.monotonic()
            stale = now - self.fetched > self.ttl
            failed = False
            if (
                "jwks-at-import" not in self.faults
                and (stale or kid not in self.keys)
                and now - self.attempted >= 1
            ):
                self.attempted = now
                try:
                    self.keys, self.fetched = _fetch(self.url), now
                except (OSError, ValueError, KeyError, TypeError):
                    failed = True
            if kid in self.keys:
                return self.keys[kid]
            if failed or not self.keys:
                raise Unavailable("the JWKS cannot be had")
            raise Refused(Outcome(401, "invalid_token"), "unknown kid")


class Validator:
    """The policy of docs/validation-policy.md for one issuer and audience, with ``faults`` seeded."""

    def __init__(self, issuer: str, audience: str, ttl: float, faults: Collection[str]) -> None:
        self.issuer, self.audience, self.faults = issuer, audience, set(faults)
        self.keys = Keys(issuer + ".well-known/jwks.json", ttl, self.faults)

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The claims of a valid token in ``authorization``; raises ``Refused``/``Unavailable``."""
        token = bearer_token(authorization)
        if isinstance(token, Outcome):
            raise Refused(token, "no usable bearer credentials")
        invalid = Outcome(401, "invalid_token")
        parts = token.split(".")
        try:
            raw = [_canonical(part) for part in parts] if len(parts) == 3 else None
        except ValueError:
            raw = None
        header = json_object(raw[0]) if raw else None
        payload = json_object(raw[1]) if raw else None
        if raw is None or header is None or payload is None:
            raise Refused(invalid, "the token is malformed.")
        signing_input = f"{parts[0]}.{parts[1]}".encode()
        alg = header.get("alg")
        if alg == "none" and "alg-none" in self.faults:
            return self._checked(payload)  # the seeded fault: an unsigned token is taken at its word
        candidates = self._key(header)
        if "jku-followed" in self.faults:
            header = {name: value for name, value in header.items() if name != "jku"}
        if alg == "HS256" and "hs256-public-key" in self.faults:
            secret = _rsa(candidates[0]).public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            if not hmac.compare_digest(hmac.new(secret, signing_input, hashlib.sha256).digest(), raw[2]):
                raise Refused(invalid, "the signature does not verify.")
            return self._checked(payload)
        policy = Policy(self.issuer, self.audience, {str(header.get("kid")): candidates})
        reason = disallowed_header(header, policy)
        jwk, _why = key_named(str(header.get("kid")), policy)
        if reason is not None or jwk is None:
            raise Refused(invalid, "the token's header is not allowed.")
        try:
            _rsa(jwk).verify(raw[2], signing_input, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise Refused(invalid, "the signature does not verify.") from None
        return self._checked(payload)

    def _key(self, header: Mapping[str, object]) -> list[dict[str, str]]:
        jku = header.get("jku")
        if "jku-followed" in self.faults and isinstance(jku, str) and jku.startswith(self.issuer.rstrip("/")):
            try:
                return _fetch(jku)[str(header.get("kid"))]  # the seeded fault: keys from the token's URL
            except (OSError, ValueError, KeyError, TypeError):
                raise Refused(Outcome(401, "invalid_token"), "no key at the jku.") from None
        if header.get("alg") not in ("RS256", "HS256") or not isinstance(header.get("kid"), str):
            raise Refused(Outcome(401, "invalid_token"), "the token's header is not allowed.")
        return self.keys.get(str(header["kid"]))

    def _checked(self, claims: dict[str, Any]) -> dict[str, Any]:
        policy = Policy(self.issuer, self.audience, {})
        iss = claims.get("iss")
        if "iss-prefix" in self.faults:
            iss_wrong = not (isinstance(iss, str) and iss.startswith(self.issuer))
        else:
            iss_wrong = wrong_issuer(claims, policy) is not None
        reasons = [
            iss_wrong,
            "aud-unchecked" not in self.faults and wrong_audience(claims, policy) is not None,
            "exp-ignored" not in self.faults and bad_expiry(claims, policy, time.time()) is not None,
            bad_times(claims, policy, time.time()) is not None,
            bad_claim_types(
                {k: v for k, v in claims.items() if k != "scope" or "scope-crash" not in self.faults}
            )
            is not None,
        ]
        if any(reasons):
            raise Refused(Outcome(401, "invalid_token"), "the token's claims are not accepted.")
        return claims

    def granted(self, claims: Mapping[str, Any], scope: str) -> bool:
        """Whether ``claims`` grant ``scope`` (RFC 6749 §3.3), or as the seeded faults get it wrong."""
        granted = claims.get("scope", "")
        if "scope-substring" in self.faults:
            return scope in str(granted)
        if "scope-crash" in self.faults:
            return scope in granted.split(" ")  # the seeded fault: a non-string scope raises here
        return isinstance(granted, str) and scope in granted.split(" ")


def handler(validator: Validator, scope: str) -> type[BaseHTTPRequestHandler]:
    """The request handler class for ``validator``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            """Answer the three endpoints."""
            path = self.path.split("?", 1)[0]
            if path not in MESSAGES:
                return self._json(404, {"error": "not_found", "error_description": "Not found."})
            if path == "/api/public":
                return self._json(200, {"message": MESSAGES[path]})
            try:
                claims = validator.claims(self.headers.get("Authorization"))
                if path == "/api/private-scoped" and not validator.granted(claims, scope):
                    challenge = f'Bearer realm="apiexample", error="insufficient_scope", scope="{scope}"'
                    body = {"error": "insufficient_scope", "error_description": "Insufficient scope."}
                    return self._json(403, body, challenge)
            except Refused as refused:
                if refused.outcome == NO_CREDENTIALS:
                    body = {
                        "error": "unauthorized",
                        "error_description": "Authentication credentials were not provided.",
                    }
                    return self._json(401, body, 'Bearer realm="apiexample"')
                challenge = f'Bearer realm="apiexample", error="invalid_token", error_description="{refused}"'
                return self._json(
                    401, {"error": "invalid_token", "error_description": str(refused)}, challenge
                )
            except Unavailable as error:
                body = {"error": "temporarily_unavailable", "error_description": str(error)}
                return self._json(503, body, retry_after="5")
            except Exception as error:
                return self._json(500, {"error": "server_error", "error_description": type(error).__name__})
            return self._json(200, {"message": MESSAGES[path]})

        def _json(
            self, status: int, body: object, challenge: str | None = None, retry_after: str | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if challenge:
                self.send_header("WWW-Authenticate", challenge)
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler


def main(faults: Collection[str] = ()) -> None:
    """Parse argv and serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--scope", default="read:messages")
    parser.add_argument("--ttl", type=float, default=2.0)
    parser.add_argument("--ca", default="")
    args = parser.parse_args()
    if args.ca:
        CONTEXT.append(ssl.create_default_context(cafile=args.ca))
    validator = Validator(args.issuer, args.audience, args.ttl, faults)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(validator, args.scope))
    server.daemon_threads = True
    server.serve_forever()
