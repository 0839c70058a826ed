"""Building blocks of forged tokens: attacker keys, public keys in every form, segment surgery.

RFC 7515 §3 (compact and JSON serialisations), §4.1.6 (``x5c``); RFC 8725 §2.1/§3.1 (algorithm
confusion: the issuer's public key, in whatever encoding a library might accept, used as an HMAC secret).
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fake_issuer.encoding import b64url_encode
from fake_issuer.keys import SigningKey, generate_ec_key, generate_rsa_key
from fake_issuer.tokens import encode_segment

#: Where an attacker hosts keys; the API must never fetch anything from it.
ATTACKER_ORIGIN = "https://attacker.example"
ATTACKER_JWKS_URL = f"{ATTACKER_ORIGIN}/.well-known/jwks.json"
ATTACKER_CERT_URL = f"{ATTACKER_ORIGIN}/cert.pem"


def attacker_key() -> SigningKey:
    """A 2048-bit RSA key the attacker made (cached per process)."""
    return generate_rsa_key("attacks:attacker")


def attacker_ec_key() -> SigningKey:
    """A P-256 key the attacker made (cached per process)."""
    return generate_ec_key("attacks:attacker")


def weak_key() -> SigningKey:
    """A 1024-bit RSA key, under rule 4's 2048-bit floor (cached per process)."""
    return generate_rsa_key("attacks:weak", bits=1024)


#: A published member's new value: a string, an array (as a tuple, so keys stay hashable), or None to drop it.
Member = str | tuple[str, ...] | None


@dataclass(frozen=True)
class RelabelledKey(SigningKey):
    """A key whose published JWK has members replaced or (``None``) removed, e.g. ``use`` or ``key_ops``."""

    members: tuple[tuple[str, Member], ...] = ()

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK with ``members`` applied (RFC 7517 §4.2-§4.4; a tuple becomes an array)."""
        jwk: dict[str, Any] = super().public_jwk()
        for name, value in self.members:
            if value is None:
                jwk.pop(name, None)
            else:
                jwk[name] = list(value) if isinstance(value, tuple) else value
        return jwk


def relabelled(key: SigningKey, **members: Member) -> RelabelledKey:
    """``key`` published with ``members`` replaced (``None`` removes one)."""
    return RelabelledKey(key.private_key, key.kid, tuple(members.items()))


def public_key_forms(key: SigningKey) -> dict[str, bytes]:
    """``key``'s public half in every encoding a key-confusion attack feeds to HMAC, by name."""
    public = key.private_key.public_key()
    pem, der, spki = serialization.Encoding.PEM, serialization.Encoding.DER, serialization.PublicFormat
    forms = {
        "pem": key.public_pem(),
        "pem-no-newline": key.public_pem().rstrip(b"\n"),
        "der": public.public_bytes(der, spki.SubjectPublicKeyInfo),
        "jwk-json": json.dumps(key.public_jwk()).encode(),
        "openssh": public.public_bytes(serialization.Encoding.OpenSSH, spki.OpenSSH),
    }
    if isinstance(public, rsa.RSAPublicKey):
        forms["pkcs1-pem"] = public.public_bytes(pem, spki.PKCS1)
        forms["pkcs1-der"] = public.public_bytes(der, spki.PKCS1)
    return forms


def certificate_chain(key: SigningKey, *, subject: str = "fake-tenant.auth0.test") -> list[str]:
    """A one-certificate ``x5c`` chain (RFC 7515 §4.1.6: standard base64 DER), self-signed by ``key``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    private = key.private_key
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=36500))
        .sign(private, hashes.SHA256())
    )
    return [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")]


def splice(
    token: str,
    *,
    header: object | bytes | None = None,
    payload: object | bytes | None = None,
    signature: bytes | None = None,
) -> str:
    """``token`` with segments replaced and the rest kept, so an old signature rides on new content."""
    parts = token.split(".")
    if header is not None:
        parts[0] = encode_segment(header)
    if payload is not None:
        parts[1] = encode_segment(payload)
    if signature is not None:
        parts[2] = b64url_encode(signature)
    return ".".join(parts)


def _compact(document: object) -> str:
    # Without spaces, so the header holds one credential and the API's JWS parser is what refuses it.
    return json.dumps(document, separators=(",", ":"))


def flattened_json(token: str) -> str:
    """``token`` in the flattened JWS JSON serialisation (RFC 7515 §7.2.2), same signature."""
    protected, payload, signature = token.split(".")
    return _compact({"protected": protected, "payload": payload, "signature": signature})


def general_json(token: str) -> str:
    """``token`` in the general JWS JSON serialisation (RFC 7515 §7.2.1), same signature."""
    protected, payload, signature = token.split(".")
    return _compact({"payload": payload, "signatures": [{"protected": protected, "signature": signature}]})


def polyglot(token: str, forged_payload: object) -> str:
    """CVE-2022-39227: JSON whose first key is the genuine compact token, carrying a forged payload.

    A parser that verifies the compact form but reads claims from the JSON form accepts the forgery.
    """
    protected, _, signature = token.split(".")
    forged = encode_segment(forged_payload)
    return _compact({token: "", "protected": protected, "payload": forged, "signature": signature})
