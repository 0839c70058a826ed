"""fake_issuer.keys, .jwks and .tokens: keys with kids, public-only JWKS, tokens signed any way."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from fake_issuer.encoding import b64url_decode, b64url_encode, b64url_uint
from fake_issuer.jwks import PRIVATE_MEMBERS, jwks_document
from fake_issuer.keys import generate_ec_key, generate_rsa_key, load_private_key, thumbprint
from fake_issuer.tokens import ALGORITHMS, Signer, encode_token


def test_rsa_keys_are_cached_per_label_and_fresh_per_new_label() -> None:
    assert generate_rsa_key("a").private_key is generate_rsa_key("a").private_key
    assert generate_rsa_key("a").kid != generate_rsa_key("b").kid
    assert generate_rsa_key("a").bits == 2048
    assert generate_rsa_key("a").kind == "RSA"


def test_kid_defaults_to_the_rfc7638_thumbprint_and_can_be_chosen() -> None:
    key = generate_rsa_key("thumb")
    jwk = key.public_jwk()
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    assert key.kid == b64url_encode(hashlib.sha256(canonical.encode()).digest())
    assert generate_rsa_key("thumb", kid="chosen").kid == "chosen"


def test_ec_keys() -> None:
    key = generate_ec_key("ec", curve="P-384")
    jwk = key.public_jwk()
    assert (key.kind, key.bits, jwk["crv"], jwk["alg"]) == ("EC", 384, "P-384", "ES384")
    assert key.kid == thumbprint(jwk)


def test_public_jwk_and_jwks_hold_no_private_member() -> None:
    document = jwks_document([generate_rsa_key("a"), generate_ec_key("e")])
    assert [jwk["kty"] for jwk in document["keys"]] == ["RSA", "EC"]
    for jwk in document["keys"]:
        assert PRIVATE_MEMBERS.isdisjoint(jwk)
        assert jwk["use"] == "sig"


def test_rsa_jwk_numbers_match_the_key() -> None:
    key = generate_rsa_key("numbers")
    assert isinstance(key.private_key, rsa.RSAPrivateKey)
    numbers = key.private_key.public_key().public_numbers()
    jwk = key.public_jwk()
    assert int.from_bytes(b64url_decode(jwk["n"]), "big") == numbers.n
    assert jwk["e"] == "AQAB"


def test_pem_round_trip() -> None:
    key = generate_rsa_key("pem")
    loaded = load_private_key(key.private_pem(), key.kid)
    assert loaded.public_jwk() == key.public_jwk()
    assert key.public_pem().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_load_private_key_refuses_other_key_types() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="RSA and EC"):
        load_private_key(pem, "x")


@pytest.mark.parametrize(("value", "expected"), [(0, "AA"), (65537, "AQAB"), (256, "AQA")])
def test_b64url_uint(value: int, expected: str) -> None:
    assert b64url_uint(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", b""), ("_w", b"\xff"), ("-_8", b"\xfb\xff"), ("AQAB", b"\x01\x00\x01"), ("YWJjZA", b"abcd")],
)
def test_b64url_decode_pads_and_reads_the_url_safe_alphabet(text: str, expected: bytes) -> None:
    assert b64url_decode(text) == expected
    assert b64url_decode(b64url_encode(expected)) == expected


def _verify(alg: str, key: object, signing_input: bytes, signature: bytes) -> None:
    family, bits = alg[:2], alg[2:]
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]
    if family == "RS":
        key.public_key().verify(signature, signing_input, padding.PKCS1v15(), digest)  # type: ignore[attr-defined]
    elif family == "PS":
        pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        key.public_key().verify(signature, signing_input, pss, digest)  # type: ignore[attr-defined]
    else:
        half = len(signature) // 2
        der = encode_dss_signature(
            int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        )
        key.public_key().verify(der, signing_input, ec.ECDSA(digest))  # type: ignore[attr-defined]


@pytest.mark.parametrize("alg", sorted(a for a in ALGORITHMS if a[:2] in ("RS", "PS")))
def test_rsa_signatures_verify(alg: str) -> None:
    key = generate_rsa_key("sig")
    token = encode_token({"alg": alg}, {"sub": "x"}, Signer(alg, key=key))
    header, payload, signature = token.split(".")
    _verify(alg, key.private_key, f"{header}.{payload}".encode(), b64url_decode(signature))
    with pytest.raises(InvalidSignature):
        _verify(alg, key.private_key, f"{header}.{payload}x".encode(), b64url_decode(signature))


@pytest.mark.parametrize(("alg", "curve"), [("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521")])
def test_ec_signatures_verify(alg: str, curve: str) -> None:
    key = generate_ec_key("sig", curve=curve)
    token = encode_token({"alg": alg}, {"sub": "x"}, Signer(alg, key=key))
    header, payload, signature = token.split(".")
    _verify(alg, key.private_key, f"{header}.{payload}".encode(), b64url_decode(signature))


def test_hmac_and_none() -> None:
    token = encode_token({"alg": "HS256"}, {"a": 1}, Signer("HS256", secret=b"s"))
    header, payload, signature = token.split(".")
    expected = hmac.new(b"s", f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert b64url_decode(signature) == expected
    assert encode_token({"alg": "none"}, {}, Signer("none")).endswith(".")


def test_raw_segments_and_explicit_signature() -> None:
    token = encode_token(b"raw header", b"\xff", Signer("none"), signature=b"sig")
    assert [b64url_decode(part) for part in token.split(".")] == [b"raw header", b"\xff", b"sig"]


def test_signer_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="needs a secret"):
        Signer("HS256").sign(b"x")
    with pytest.raises(ValueError, match="needs a key"):
        Signer("RS256").sign(b"x")
    with pytest.raises(ValueError, match="cannot sign ES256 with a RSA key"):
        Signer("ES256", key=generate_rsa_key("a")).sign(b"x")
    with pytest.raises(ValueError, match="cannot sign RS256 with a EC key"):
        Signer("RS256", key=generate_ec_key("e")).sign(b"x")


def test_rsa_private_key_type() -> None:
    assert isinstance(generate_rsa_key("a").private_key, rsa.RSAPrivateKey)
