"""Published-key attacks: keys the tenant's own JWKS lists that must not verify (rule 4).

docs/validation-policy.md rule 4: a key under the 2048-bit floor (RFC 7518 §3.3), published for
encryption or another algorithm (RFC 7517 §4.2-§4.4, ``use``, ``key_ops``, ``alg``), with the ROCA
fingerprint (CVE-2017-15361) or the public exponent 1 (RFC 8017 §3.1), or under a ``kid`` another
usable key shares (RFC 7517 §4.5); and the benign neighbours that must keep working.
"""

from __future__ import annotations

import hashlib

from fake_issuer.attacks.catalog import Build, accepted, attack, rejected
from fake_issuer.attacks.forgery import Member, relabelled, weak_key
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.issuer import FakeIssuer
from fake_issuer.keys import generate_ec_key
from fake_issuer.tokens import Signer, encode_segment, encode_token


@attack(
    "weak-key-published",
    "1024-bit key published in the JWKS signs",
    "RFC 7518 §3.3",
    rejected(4),
)
def _(issuer: FakeIssuer) -> str:
    issuer.keys.append(weak_key())
    return issuer.mint(key=weak_key())


def _published(**members: Member) -> Build:
    def build(issuer: FakeIssuer) -> str:
        key = relabelled(issuer.new_key(), **members)
        issuer.keys.append(key)
        return issuer.mint(key=key)

    return build


attack("key-use-enc", "signed by a key the JWKS publishes for encryption", "RFC 7517 §4.2", rejected(4))(
    _published(use="enc")
)
attack("key-alg-rs512", "signed RS256 by a key the JWKS publishes for RS512", "RFC 7517 §4.4", rejected(4))(
    _published(alg="RS512")
)
attack(
    "key-no-use-no-alg", "key published without use and alg: must keep working", "RFC 7517 §4", accepted()
)(_published(use=None, alg=None))
attack(
    "key-ops-encrypt",
    "signed by a key the JWKS publishes with key_ops [encrypt], no use or alg",
    "RFC 7517 §4.3",
    rejected(4),
)(_published(use=None, alg=None, key_ops=("encrypt",)))
attack(
    "key-ops-sign-only",
    "signed by a key published with key_ops [sign]: verify is not allowed",
    "RFC 7517 §4.3",
    rejected(4),
)(_published(key_ops=("sign",)))
attack(
    "key-ops-not-array",
    "signed by a key published with key_ops the string 'verify', not an array",
    "RFC 7517 §4.3",
    rejected(4),
)(_published(key_ops="verify"))
attack(
    "key-ops-verify",
    "key published with key_ops [verify] and no use: must keep working",
    "RFC 7517 §4.3",
    accepted(),
)(_published(use=None, key_ops=("verify",)))


@attack(
    "key-roca-published",
    "a key with the ROCA fingerprint, published in the JWKS, signs",
    "CVE-2017-15361; Nemec et al. ACM CCS 2017",
    rejected(4),
)
def _(issuer: FakeIssuer) -> str:
    issuer.keys.append(roca_key())
    return issuer.mint(key=roca_key())


@attack(
    "kid-shared-first-signs",
    "two usable keys published under one kid; the first one listed signs",
    "RFC 7517 §4.5",
    rejected(4),
)
def _(issuer: FakeIssuer) -> str:
    issuer.add_key()  # a usable key besides: the set is not empty, only the shared kid is void
    issuer.add_key(kid=issuer.signing_key.kid)
    return issuer.mint()


@attack(
    "kid-shared-last-signs",
    "two usable keys published under one kid; the last one listed signs",
    "RFC 7517 §4.5",
    rejected(4),
)
def _(issuer: FakeIssuer) -> str:
    issuer.add_key()
    return issuer.mint(key=issuer.add_key(kid=issuer.signing_key.kid))


@attack(
    "kid-shared-with-unusable-key",
    "an EC key published under the issuer's kid beside it: the RSA key still works",
    "RFC 7517 §4.5",
    accepted(),
)
def _(issuer: FakeIssuer) -> str:
    issuer.keys.insert(0, generate_ec_key("attacks:shared-kid", kid=issuer.signing_key.kid))
    return issuer.mint()


#: RFC 8017 §9.2 note 1: the DER DigestInfo prefix of a SHA-256 hash in EMSA-PKCS1-v1_5.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


@attack(
    "key-exponent-one-forged",
    "the JWKS publishes a key with e = 1; the 'signature' is the bare PKCS #1 encoding",
    "RFC 8017 §3.1, §9.2",
    rejected(4),
)
def _(issuer: FakeIssuer) -> str:
    # With e = 1, s**e mod n is s: the encoded message itself verifies, so anyone could sign.
    key = relabelled(issuer.new_key(), e="AQ")
    issuer.keys.append(key)
    header, claims = issuer.header(key=key), issuer.claims()
    digest = hashlib.sha256(f"{encode_segment(header)}.{encode_segment(claims)}".encode()).digest()
    padding = b"\xff" * (key.bits // 8 - len(_SHA256_DIGEST_INFO) - len(digest) - 3)
    encoded = b"\x00\x01" + padding + b"\x00" + _SHA256_DIGEST_INFO + digest
    return encode_token(header, claims, Signer("none"), signature=encoded)
