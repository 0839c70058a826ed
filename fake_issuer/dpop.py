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

from cryptography.hazmat.primitives.asymmetric import rsa

from fake_issuer.encoding import b64url_encode, b64url_uint
from fake_issuer.keys import SigningKey, generate_ec_key, generate_rsa_key
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
