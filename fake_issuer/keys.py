"""Signing keys of the fake issuer: RSA (and, for forgeries, EC and weak RSA) keys with a ``kid``.

RFC 7517 §4 (JWK members), RFC 7518 §6.3 (RSA parameters), RFC 7638 (thumbprint used as ``kid``).
Key generation is the expensive part of every test run, so keys are cached explicitly, once per
process, by a label: the same label always gives the same key within a process, a new label a fresh one.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fake_issuer.encoding import b64url_encode, b64url_uint

KeyKind = Literal["RSA", "EC"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}


@functools.cache
def _rsa_private_key(bits: int, label: str) -> rsa.RSAPrivateKey:
    del label  # part of the cache key only: a new label gives a fresh key
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def _ec_private_key(curve: str, label: str) -> ec.EllipticCurvePrivateKey:
    del label
    return ec.generate_private_key(_CURVES[curve])


@dataclass(frozen=True)
class SigningKey:
    """A private key with its ``kid``; ``public_jwk()`` gives its public JWK members only."""

    private_key: PrivateKey = field(repr=False)
    kid: str

    @property
    def kind(self) -> KeyKind:
        """``RSA`` or ``EC``."""
        return "RSA" if isinstance(self.private_key, rsa.RSAPrivateKey) else "EC"

    @property
    def bits(self) -> int:
        """Modulus (RSA) or curve (EC) size in bits."""
        return self.private_key.key_size

    def public_jwk(self) -> dict[str, str]:
        """The public JWK (RFC 7517 §4) with ``kid``, ``use`` and ``alg``; never a private member."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            numbers = key.public_key().public_numbers()
            return {
                "kty": "RSA",
                "kid": self.kid,
                "use": "sig",
                "alg": "RS256",
                "n": b64url_uint(numbers.n),
                "e": b64url_uint(numbers.e),
            }
        point = key.public_key().public_numbers()
        size = (key.curve.key_size + 7) // 8
        name = {c.name: n for n, c in _CURVES.items()}[key.curve.name]
        return {
            "kty": "EC",
            "kid": self.kid,
            "use": "sig",
            "alg": {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[name],
            "crv": name,
            "x": b64url_encode(point.x.to_bytes(size, "big")),
            "y": b64url_encode(point.y.to_bytes(size, "big")),
        }

    def public_pem(self) -> bytes:
        """The public key as SubjectPublicKeyInfo PEM (what key-confusion attacks use as an HMAC secret)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (for the dev issuer's git-ignored key file)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 §3 SHA-256 thumbprint of a public JWK, base64url-encoded."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = "{" + ",".join(f'"{m}":"{jwk[m]}"' for m in members) + "}"
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def _with_kid(private_key: PrivateKey, kid: str | None) -> SigningKey:
    if kid is not None:
        return SigningKey(private_key, kid)
    provisional = SigningKey(private_key, "")
    return SigningKey(private_key, thumbprint(provisional.public_jwk()))


def generate_rsa_key(label: str, *, bits: int = 2048, kid: str | None = None) -> SigningKey:
    """An RSA key for ``label`` (cached per process); ``kid`` defaults to its RFC 7638 thumbprint."""
    return _with_kid(_rsa_private_key(bits, label), kid)


def generate_ec_key(label: str, *, curve: str = "P-256", kid: str | None = None) -> SigningKey:
    """An EC key for ``label`` on ``curve`` (cached per process), for tokens an attacker signs."""
    return _with_kid(_ec_private_key(curve, label), kid)


def load_private_key(pem: bytes, kid: str) -> SigningKey:
    """A ``SigningKey`` from PKCS#8 PEM, as written by ``SigningKey.private_pem``."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise ValueError("only RSA and EC private keys are supported")
    return SigningKey(key, kid)
