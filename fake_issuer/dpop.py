"""DPoP for the fake tenant: proof keys, RFC 7638 thumbprints, ``ath`` and proofs made any way.

RFC 9449 §4.2 (the DPoP proof JWT: header ``typ``/``alg``/``jwk``, claims ``jti``/``htm``/``htu``/``iat``,
``ath`` and ``nonce``), §6.1 (``cnf.jkt``, the RFC 7638 §3 SHA-256 thumbprint of the proof key) and
§4.2's ``ath`` (base64url SHA-256 of the access token). Like ``fake_issuer.tokens``, this module refuses
nothing: every member of a proof can be replaced, dropped or forged (``alg: none``, HMAC, a private key
in ``jwk``, a stale ``iat``), because a fake tenant must make the proofs an attacker makes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from fake_issuer.encoding import b64url_decode, b64url_encode, b64url_uint
from fake_issuer.keys import _CURVES, SigningKey, generate_ec_key, generate_rsa_key
from fake_issuer.tokens import Signer, encode_token

#: The proof algorithms an API should allow, in the order its ``algs`` challenge lists them (RFC 9449
#: §7.1): asymmetric only, never ``none`` and never HMAC (§4.3 point 5).
DPOP_ALGORITHMS: tuple[str, ...] = (
    "ES256",
    "ES384",
    "ES512",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
)
#: The ``typ`` of a DPoP proof (RFC 9449 §4.2).
PROOF_TYPE = "dpop+jwt"

_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_EC_ALGS = {curve: alg for alg, curve in _EC_CURVES.items()}
#: RFC 7638 §3.2: the required members of each key type, the only ones a thumbprint hashes.
_THUMBPRINT_MEMBERS: dict[str, tuple[str, ...]] = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}


def generate_dpop_key(alg: str = "ES256", *, label: str = "dpop") -> SigningKey:
    """A client's proof key for ``alg`` (EC on the alg's curve, or RSA 2048), cached per process by label."""
    if alg in _EC_CURVES:
        return generate_ec_key(f"dpop:{label}", curve=_EC_CURVES[alg])
    if alg in DPOP_ALGORITHMS:
        return generate_rsa_key(f"dpop:{label}")
    raise ValueError(f"no DPoP key for alg {alg!r}; choose one of {' '.join(DPOP_ALGORITHMS)}")


def proof_jwk(key: SigningKey, *, embed_private: bool = False) -> dict[str, str]:
    """The ``jwk`` a proof carries: the key's public members only, or with its private ones too."""
    private = key.private_key
    if isinstance(private, rsa.RSAPrivateKey):
        public = private.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": b64url_uint(public.n), "e": b64url_uint(public.e)}
        if embed_private:
            numbers = private.private_numbers()
            for name, value in (
                ("d", numbers.d),
                ("p", numbers.p),
                ("q", numbers.q),
                ("dp", numbers.dmp1),
                ("dq", numbers.dmq1),
                ("qi", numbers.iqmp),
            ):
                jwk[name] = b64url_uint(value)
        return jwk
    full = key.public_jwk()
    jwk = {name: full[name] for name in ("kty", "crv", "x", "y")}
    if embed_private:
        size = (private.curve.key_size + 7) // 8
        jwk["d"] = b64url_encode(private.private_numbers().private_value.to_bytes(size, "big"))
    return jwk


def default_alg(key: SigningKey) -> str:
    """The alg a proof by ``key`` uses unless told otherwise: ES* by curve for EC, RS256 for RSA."""
    if key.kind == "EC":
        return _EC_ALGS[key.public_jwk()["crv"]]
    return "RS256"


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """The RFC 7638 §3 SHA-256 thumbprint of ``jwk``, base64url without padding (``cnf.jkt``)."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise ValueError(f"no RFC 7638 thumbprint for kty {kty!r}")
    missing = [name for name in members if not isinstance(jwk.get(name), str)]
    if missing:
        raise ValueError(f"the {kty} key lacks the string member(s) {', '.join(missing)}")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def key_thumbprint(key: SigningKey) -> str:
    """The RFC 7638 thumbprint of ``key``'s public JWK: what a bound token's ``cnf.jkt`` holds."""
    return jwk_thumbprint(proof_jwk(key))


def access_token_hash(token: str) -> str:
    """The proof's ``ath``: base64url(SHA-256(ASCII ``token``)) without padding (RFC 9449 §4.2)."""
    return b64url_encode(hashlib.sha256(token.encode("ascii")).digest())


def new_jti() -> str:
    """A fresh, unguessable proof ``jti`` (RFC 9449 §4.2: at least 96 bits of randomness)."""
    return secrets.token_urlsafe(24)


def mint_dpop_proof(
    key: SigningKey,
    *,
    htm: str,
    htu: str,
    access_token: str | None = None,
    iat: float | None = None,
    jti: str | None = None,
    nonce: str | None = None,
    claims: Mapping[str, object] | None = None,
    drop: Iterable[str] = (),
    header: Mapping[str, object] | None = None,
    drop_header: Iterable[str] = (),
    alg: str | None = None,
    signer: Signer | None = None,
    embed_private: bool = False,
    clock: Callable[[], float] = time.time,
) -> str:
    """A DPoP proof by ``key`` for ``htm`` ``htu``; with only those, one an API accepts (RFC 9449 §4.2).

    ``access_token`` adds its ``ath``; ``iat`` defaults to ``clock()`` (whole seconds), ``jti`` to a
    random one. ``claims``/``header`` replace members (any JSON value), ``drop``/``drop_header`` remove
    them. ``alg`` is the header's ``alg`` and the algorithm that signs: ``none`` signs nothing, ``HS*``
    uses the key's public PEM as the HMAC secret (key confusion); ``signer`` signs instead, whatever the
    header says. ``embed_private`` puts the key's private members in ``jwk``.
    """
    algorithm = alg or default_alg(key)
    body: dict[str, object] = {
        "jti": new_jti() if jti is None else jti,
        "htm": htm,
        "htu": htu,
        "iat": int(clock()) if iat is None else iat,
    }
    if access_token is not None:
        body["ath"] = access_token_hash(access_token)
    if nonce is not None:
        body["nonce"] = nonce
    body.update(claims or {})
    head: dict[str, object] = {
        "typ": PROOF_TYPE,
        "alg": algorithm,
        "jwk": proof_jwk(key, embed_private=embed_private),
        **(header or {}),
    }
    for name in drop:
        body.pop(name, None)
    for name in drop_header:
        head.pop(name, None)
    if signer is None:
        secret = key.public_pem() if algorithm.startswith("HS") else None
        signer = Signer(algorithm, key=key, secret=secret)
    return encode_token(head, body, signer)


def _b64_int(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError("a key member is not a string")
    return int.from_bytes(b64url_decode(value), "big")


def _verify_signature(alg: str, jwk: Mapping[str, object], signing_input: bytes, signature: bytes) -> None:
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("ES"):
        curve = _EC_CURVES[alg]
        if jwk.get("kty") != "EC" or jwk.get("crv") != curve:
            raise ValueError(f"the jwk is not a {curve} key")
        public = ec.EllipticCurvePublicNumbers(_b64_int(jwk.get("x")), _b64_int(jwk.get("y")), _CURVES[curve])
        size = len(signature) // 2
        der = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
        public.public_key().verify(der, signing_input, ec.ECDSA(digest))
        return
    if jwk.get("kty") != "RSA":
        raise ValueError("the jwk is not an RSA key")
    key = rsa.RSAPublicNumbers(_b64_int(jwk.get("e")), _b64_int(jwk.get("n"))).public_key()
    pad: padding.AsymmetricPadding = (
        padding.PKCS1v15()
        if alg.startswith("RS")
        else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    )
    key.verify(signature, signing_input, pad, digest)


class NonceMissing(ValueError):
    """A proof without the nonce the server demands (RFC 9449 §8: answer ``use_dpop_nonce``)."""


def check_dpop_proof(
    proof: str, *, htm: str, htu: str, now: float, window: float = 300.0, nonce: str | None = None
) -> str:
    """The thumbprint of a proof's key if the proof is good for ``htm`` ``htu`` at ``now``, else ValueError.

    What the fake tenant's token endpoint checks (RFC 9449 §4.3, leniently: no replay store); with
    ``nonce``, a proof without that nonce raises ``NonceMissing``.
    """
    try:
        head_segment, body_segment, signature_segment = proof.split(".")
        header = json.loads(b64url_decode(head_segment))
        claims = json.loads(b64url_decode(body_segment))
        signature = b64url_decode(signature_segment)
    except ValueError:  # too few or many segments, bad base64 or JSON (binascii.Error is a ValueError)
        raise ValueError("the DPoP proof is not a compact JWS") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("the DPoP proof's header and payload must be JSON objects")
    if header.get("typ") != PROOF_TYPE or header.get("alg") not in DPOP_ALGORITHMS:
        raise ValueError("the DPoP proof needs typ dpop+jwt and an asymmetric alg")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise ValueError("the DPoP proof's jwk must be a public key")
    try:
        _verify_signature(header["alg"], jwk, f"{head_segment}.{body_segment}".encode("ascii"), signature)
    except (InvalidSignature, ValueError, TypeError):
        raise ValueError("the DPoP proof's signature does not verify with its jwk") from None
    if claims.get("htm") != htm or claims.get("htu") != htu:
        raise ValueError(f"the DPoP proof is not for {htm} {htu}")
    iat = claims.get("iat")
    if not isinstance(claims.get("jti"), str) or not isinstance(iat, int | float) or abs(now - iat) > window:
        raise ValueError("the DPoP proof needs a jti and a current iat")
    if nonce is not None and claims.get("nonce") != nonce:
        raise NonceMissing("the DPoP proof must carry the server's nonce (see the DPoP-Nonce header)")
    return jwk_thumbprint(jwk)
