"""Compact JWS tokens with any header, any payload and any signature (RFC 7515 §3.1, §7.1; RFC 7519 §7.1).

Unlike a JOSE library, this module refuses nothing: the header and payload may be any JSON value or
raw bytes, ``alg`` may name anything, and the key that signs may be the issuer's, a stranger's, a weak
one, an EC key or an HMAC secret. That is what a fake issuer needs to mint the tokens attackers make.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from fake_issuer.encoding import b64url_encode
from fake_issuer.keys import SigningKey

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_HMAC_DIGESTS = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}

#: Algorithms ``sign`` knows (RFC 7518 §3.1), plus ``none``.
ALGORITHMS = frozenset(
    {f"{family}{bits}" for family in ("RS", "PS", "ES", "HS") for bits in _HASHES} | {"none"}
)


def serialize_json(value: object) -> bytes:
    """Compact JSON as Auth0 writes it; ``NaN`` and other non-JSON values are allowed on purpose."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Signer:
    """How a token is signed: an algorithm name and the key or secret behind it.

    ``alg`` is the algorithm actually used to compute the signature; the ``alg`` the header claims is
    set separately, so a header may lie about it.
    """

    alg: str
    key: SigningKey | None = None
    secret: bytes | None = None

    def sign(self, signing_input: bytes) -> bytes:
        """The signature of ``signing_input`` (RFC 7515 §5.1 step 5)."""
        if self.alg == "none":
            return b""
        family, bits = self.alg[:2], self.alg[2:]
        if family == "HS":
            if self.secret is None:
                raise ValueError(f"{self.alg} needs a secret")
            return hmac.new(self.secret, signing_input, _HMAC_DIGESTS[bits]).digest()
        if self.key is None:
            raise ValueError(f"{self.alg} needs a key")
        private_key = self.key.private_key
        digest = _HASHES[bits]()
        if isinstance(private_key, rsa.RSAPrivateKey) and family in ("RS", "PS"):
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if family == "RS"
                else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            )
            return private_key.sign(signing_input, pad, digest)
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and family == "ES":
            r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(digest)))
            size = (private_key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        raise ValueError(f"cannot sign {self.alg} with a {self.key.kind} key")


def encode_segment(value: Mapping[str, object] | object | bytes) -> str:
    """One base64url segment: raw bytes as they are, anything else as compact JSON."""
    raw = value if isinstance(value, bytes) else serialize_json(value)
    return b64url_encode(raw)


def encode_token(
    header: Mapping[str, object] | object | bytes,
    payload: Mapping[str, object] | object | bytes,
    signer: Signer,
    *,
    signature: bytes | None = None,
) -> str:
    """A compact JWS ``header.payload.signature``; ``signature`` replaces the computed one when given."""
    signing_input = f"{encode_segment(header)}.{encode_segment(payload)}"
    computed = signer.sign(signing_input.encode("ascii")) if signature is None else signature
    return f"{signing_input}.{b64url_encode(computed)}"
