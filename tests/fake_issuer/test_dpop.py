"""fake_issuer.dpop: proof keys, RFC 7638 thumbprints, ``ath``, and proofs made right and forged.

Expected values come from the RFCs' own examples (RFC 7638 §3.1, RFC 9449 §7.1) and signatures are
checked with joserfc, not with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey, import_key

from fake_issuer.dpop import (
    DPOP_ALGORITHMS,
    access_token_hash,
    default_alg,
    generate_dpop_key,
    jwk_thumbprint,
    key_thumbprint,
    mint_dpop_proof,
    proof_jwk,
)
from fake_issuer.encoding import b64url_decode
from fake_issuer.jwks import PRIVATE_MEMBERS
from fake_issuer.keys import generate_rsa_key
from fake_issuer.tokens import Signer

#: RSA proofs carry a whole modulus in the header, beyond joserfc's default 512-byte header limit.
REGISTRY = jws.JWSRegistry(algorithms=list(DPOP_ALGORITHMS))
REGISTRY.max_header_length = 4096

HTU = "https://api.example.test/api/private"
RFC7638_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPe"
    "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicA"
    "taSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksI"
    "NHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def parts(proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decoded header and payload of a compact JWS."""
    header, payload, _ = proof.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def test_the_allow_list_is_asymmetric_and_in_challenge_order() -> None:
    assert " ".join(DPOP_ALGORITHMS) == "ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512"


@pytest.mark.parametrize(
    ("alg", "kty", "size"),
    [("ES256", "EC", 256), ("ES384", "EC", 384), ("ES512", "EC", 521), ("PS256", "RSA", 2048)],
)
def test_generate_dpop_key_matches_the_alg(alg: str, kty: str, size: int) -> None:
    key = generate_dpop_key(alg)
    assert (key.kind, key.bits) == (kty, size)
    assert generate_dpop_key(alg).private_key is key.private_key
    assert generate_dpop_key(alg, label="other").private_key is not key.private_key


@pytest.mark.parametrize("alg", ["HS256", "none", "EdDSA", "es256"])
def test_generate_dpop_key_refuses_other_algs(alg: str) -> None:
    with pytest.raises(ValueError, match="no DPoP key"):
        generate_dpop_key(alg)


def test_thumbprint_of_the_rfc7638_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "RS256"])
def test_thumbprint_agrees_with_joserfc(alg: str) -> None:
    key = generate_dpop_key(alg)
    jwk = proof_jwk(key)
    assert jwk_thumbprint(jwk) == key_thumbprint(key) == import_key(dict(jwk)).thumbprint()


def test_thumbprint_of_okp_and_oct_keys_hashes_the_required_members_only() -> None:
    okp = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "use": "sig"}
    assert jwk_thumbprint(okp) == import_key(dict(okp)).thumbprint()
    canonical = b'{"k":"c2VjcmV0","kty":"oct"}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    assert jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"}) == expected


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "XYZ"}, "no RFC 7638 thumbprint"),
        ({"n": "x", "e": "AQAB"}, "no RFC 7638 thumbprint"),
        ({"kty": ["RSA"]}, "no RFC 7638 thumbprint"),
        ({"kty": "EC", "crv": "P-256", "x": "a"}, "lacks the string member"),
        ({"kty": "RSA", "n": 5, "e": "AQAB"}, "lacks the string member"),
    ],
)
def test_thumbprint_refuses_incomplete_keys(jwk: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        jwk_thumbprint(jwk)


def test_access_token_hash_of_the_rfc9449_example() -> None:
    assert access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") == (
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    )


@pytest.mark.parametrize("alg", DPOP_ALGORITHMS)
def test_a_default_proof_verifies_with_its_own_jwk(alg: str) -> None:
    key = generate_dpop_key(alg)
    proof = mint_dpop_proof(key, htm="GET", htu=HTU, access_token="tok", alg=alg, clock=lambda: 1000.7)
    header, payload = parts(proof)
    assert header["typ"] == "dpop+jwt"
    assert header["alg"] == alg
    assert isinstance(header["jwk"], dict)
    assert PRIVATE_MEMBERS.isdisjoint(header["jwk"])
    verified = jws.deserialize_compact(proof, import_key(header["jwk"]), algorithms=[alg], registry=REGISTRY)
    assert json.loads(verified.payload) == payload
    assert payload["htm"] == "GET"
    assert payload["htu"] == HTU
    assert payload["iat"] == 1000
    assert payload["ath"] == access_token_hash("tok")
    assert isinstance(payload["jti"], str)
    assert len(b64url_decode(payload["jti"])) >= 12
    assert set(payload) == {"jti", "htm", "htu", "iat", "ath"}


def test_default_alg_follows_the_key() -> None:
    assert default_alg(generate_dpop_key("ES384")) == "ES384"
    assert default_alg(generate_dpop_key("PS256")) == "RS256"
    header, payload = parts(mint_dpop_proof(generate_dpop_key(), htm="POST", htu=HTU))
    assert header["alg"] == "ES256"
    assert "ath" not in payload
    assert "nonce" not in payload


def test_every_jti_is_fresh_unless_chosen() -> None:
    key = generate_dpop_key()
    first, second = (parts(mint_dpop_proof(key, htm="GET", htu=HTU))[1]["jti"] for _ in range(2))
    assert first != second
    assert parts(mint_dpop_proof(key, htm="GET", htu=HTU, jti="j1"))[1]["jti"] == "j1"


def test_members_can_be_replaced_dropped_and_given_any_type() -> None:
    key = generate_dpop_key()
    proof = mint_dpop_proof(
        key,
        htm="GET",
        htu=HTU,
        access_token="tok",
        iat=5,
        nonce="n-1",
        claims={"htu": "https://evil.test/", "extra": [1]},
        drop=["ath", "not-there"],
        header={"typ": "JWT", "kid": "k"},
        drop_header=["jwk"],
    )
    header, payload = parts(proof)
    assert header == {"typ": "JWT", "alg": "ES256", "kid": "k"}
    assert payload["htu"] == "https://evil.test/"
    assert payload["extra"] == [1]
    assert (payload["iat"], payload["nonce"]) == (5, "n-1")
    assert "ath" not in payload


def test_alg_none_signs_nothing() -> None:
    proof = mint_dpop_proof(generate_dpop_key(), htm="GET", htu=HTU, alg="none")
    assert parts(proof)[0]["alg"] == "none"
    assert proof.endswith(".")


def test_hmac_proofs_use_the_public_pem_as_secret() -> None:
    key = generate_dpop_key()
    proof = mint_dpop_proof(key, htm="GET", htu=HTU, alg="HS256")
    signing_input, _, signature = proof.rpartition(".")
    expected = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    assert b64url_decode(signature) == expected


def test_a_signer_signs_whatever_the_header_says() -> None:
    key, stranger = generate_dpop_key(), generate_dpop_key(label="stranger")
    proof = mint_dpop_proof(key, htm="GET", htu=HTU, signer=Signer("ES256", key=stranger))
    header, _ = parts(proof)
    assert isinstance(header["jwk"], dict)
    assert header["jwk"] == proof_jwk(key)
    with pytest.raises(Exception, match="signature"):
        jws.deserialize_compact(proof, import_key(header["jwk"]), algorithms=["ES256"])
    jws.deserialize_compact(proof, import_key(dict(proof_jwk(stranger))), algorithms=["ES256"])


def test_embed_private_puts_the_ec_private_key_in_jwk() -> None:
    key = generate_dpop_key()
    header, _ = parts(mint_dpop_proof(key, htm="GET", htu=HTU, embed_private=True))
    assert isinstance(header["jwk"], dict)
    assert set(header["jwk"]) == {"kty", "crv", "x", "y", "d"}
    imported = import_key(header["jwk"])
    assert isinstance(imported, ECKey)
    assert imported.is_private


def test_embed_private_puts_the_rsa_private_key_in_jwk() -> None:
    key = generate_rsa_key("dpop:rsa-private")
    jwk = proof_jwk(key, embed_private=True)
    assert set(jwk) == {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}
    imported = import_key(dict(jwk))
    assert isinstance(imported, RSAKey)
    assert imported.is_private
    assert jwk_thumbprint(jwk) == key_thumbprint(key)
