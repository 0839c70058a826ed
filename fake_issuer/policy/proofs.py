"""DPoP proofs and bound tokens as specs the oracle reads (RFC 9449 §4.2, §6.1; RFC 7638 §3).

A proof is a ``TokenSpec`` whose header carries ``typ: dpop+jwt``, ``alg`` and the public ``jwk``
(``fake_issuer.dpop.proof_jwk``); ``proof_spec`` builds the one ``fake_issuer.dpop.mint_dpop_proof``
would mint, as data, so that a test can spoil any member and the DPoP oracle can say what the API
owes. ``bound_token_spec`` is an access token whose ``cnf.jkt`` names a proof key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fake_issuer.dpop import (
    PROOF_TYPE,
    access_token_hash,
    default_alg,
    generate_dpop_key,
    key_thumbprint,
    proof_jwk,
)
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.policy.oracle import Policy
from fake_issuer.policy.spec import ABSENT, KeyRing, Signing, TokenSpec, signing_variants, without_absent


@dataclass(frozen=True)
class ProofKeys:
    """A client's proof keys (one per algorithm family) and keys a proof must not be accepted with."""

    es256: SigningKey
    es384: SigningKey
    rsa: SigningKey
    other: SigningKey
    weak: SigningKey

    @property
    def usable(self) -> dict[str, SigningKey]:
        """Each allowed algorithm a test draws, with the key that signs it (RFC 9449 §4.2)."""
        return {"ES256": self.es256, "ES384": self.es384, "RS256": self.rsa, "PS256": self.rsa}


def proof_keys(label: str = "harness") -> ProofKeys:
    """The standard proof keys (cached per process like every key)."""
    return ProofKeys(
        es256=generate_dpop_key("ES256", label=label),
        es384=generate_dpop_key("ES384", label=label),
        rsa=generate_dpop_key("RS256", label=label),
        other=generate_dpop_key("ES256", label=f"{label}#other"),
        weak=generate_rsa_key(f"dpop:{label}#weak", bits=1024),
    )


def proof_spec(
    key: SigningKey,
    *,
    htm: str,
    htu: str,
    iat: object,
    jti: object,
    access_token: str | None = None,
    alg: str | None = None,
    claims: Mapping[str, object] | None = None,
    header: Mapping[str, object] | None = None,
    signing: Signing | None = None,
    embed_private: bool = False,
) -> TokenSpec:
    """The proof ``mint_dpop_proof`` makes for these arguments, as a spec; ``ABSENT`` drops a member."""
    algorithm = alg or default_alg(key)
    body: dict[str, object] = {"jti": jti, "htm": htm, "htu": htu, "iat": iat}
    if access_token is not None:
        body["ath"] = access_token_hash(access_token)
    head = {"typ": PROOF_TYPE, "alg": algorithm, "jwk": proof_jwk(key, embed_private=embed_private)}
    return TokenSpec(
        without_absent(head | dict(header or {})),
        without_absent(body | dict(claims or {})),
        signing or Signing(algorithm, key=key),
    )


def bound_token_spec(
    policy: Policy,
    ring: KeyRing,
    now: int,
    *,
    key: SigningKey | None,
    claims: Mapping[str, object] | None = None,
) -> TokenSpec:
    """A valid access token (RFC 9449 §6.1) bound to ``key`` by ``cnf.jkt`` (unbound when None)."""
    variant = signing_variants(ring)["issuer key"]
    body: dict[str, object] = {
        "iss": policy.issuer,
        "sub": "client@clients",
        "aud": [policy.audience, policy.issuer + "userinfo"],
        "iat": now - 10,
        "exp": now + 3600,
        "scope": f"openid {policy.required_scope}",
        "azp": "client",
        "gty": "client-credentials",
        "cnf": {"jkt": key_thumbprint(key)} if key is not None else ABSENT,
    }
    body |= dict(claims or {})
    header = {"alg": variant.alg, "typ": "JWT", "kid": variant.kid}
    return TokenSpec(header, without_absent(body), variant.signing)
