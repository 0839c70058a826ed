"""Rule 4 of docs/validation-policy.md for the oracle: which published JWKs may verify a token.

Written from the policy's text: RSA (RFC 7518 §6.3), ``use`` absent or ``sig`` (RFC 7517 §4.2),
``key_ops`` absent or an array of distinct strings holding ``verify`` (RFC 7517 §4.3), ``alg`` absent
or ``RS256`` (RFC 7517 §4.4), a modulus of 2048 bits or more (RFC 7518 §3.3) without the ROCA
fingerprint (CVE-2017-15361), an odd public exponent ``3 <= e < n`` (RFC 8017 §3.1); and a ``kid``
that two or more such keys share names none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from fake_issuer.encoding import b64url_decode

MIN_MODULUS_BITS = 2048
#: The ROCA fingerprint (Nemec et al., ACM CCS 2017): moduli from Infineon's RSALib are, modulo
#: each odd prime up to 167, a power of 65537.
ROCA_PRIMES = tuple(p for p in range(3, 168) if all(p % d for d in range(2, p)))
ROCA_GENERATOR = 65537

JWK = Mapping[str, object]


def published_by_kid(jwks: Iterable[JWK]) -> dict[str, tuple[JWK, ...]]:
    """The JWKs of a JWK Set grouped by their string ``kid`` (RFC 7517 §4.5), in order; others dropped."""
    grouped: dict[str, tuple[JWK, ...]] = {}
    for jwk in jwks:
        kid = jwk.get("kid")
        if isinstance(kid, str):
            grouped[kid] = (*grouped.get(kid, ()), jwk)
    return grouped


#: RFC 4648 §5: the base64url alphabet; Base64urlUInt (RFC 7518 §2) is written in it without padding.
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _uint(jwk: JWK, name: str) -> int:
    """The Base64urlUInt member ``name`` as an integer; 0 (no key) when it is not base64url."""
    value = jwk.get(name)
    if not isinstance(value, str) or not set(value) <= _BASE64URL or len(value) % 4 == 1:
        return 0
    return int.from_bytes(b64url_decode(value), "big")


#: The multiplicative order of 65537 modulo each ROCA prime.
_ORDERS = {p: next(k for k in range(1, p) if pow(ROCA_GENERATOR, k, p) == 1) for p in ROCA_PRIMES}


def roca_fingerprint(modulus: int) -> bool:
    """Whether ``modulus`` mod each ROCA prime ``p`` is in the subgroup 65537 generates mod ``p``."""
    # Z/p* is cyclic: its one subgroup of a given order d is the set of x with x**d == 1 (mod p).
    return all(pow(modulus % p, order, p) == 1 for p, order in _ORDERS.items())


def _key_ops_problem(ops: object) -> str | None:
    if not isinstance(ops, list) or not all(isinstance(op, str) for op in ops) or len(set(ops)) != len(ops):
        return f"key_ops {ops!r} is not an array of distinct strings"
    return None if "verify" in ops else f"key_ops {ops!r} does not allow verify"


def unusable_key(jwk: JWK) -> str | None:
    """Rule 4: why the published key cannot verify an RS256 token, or None."""
    if jwk.get("kty") != "RSA":
        return f"key type {jwk.get('kty')!r} is not RSA"
    if jwk.get("use", "sig") != "sig":
        return f"key use {jwk.get('use')!r} is not sig"
    if "key_ops" in jwk and (problem := _key_ops_problem(jwk["key_ops"])) is not None:
        return problem
    if jwk.get("alg", "RS256") != "RS256":
        return f"key alg {jwk.get('alg')!r} is not RS256"
    n, e = _uint(jwk, "n"), _uint(jwk, "e")
    if n.bit_length() < MIN_MODULUS_BITS:
        return f"modulus of {n.bit_length()} bits is under {MIN_MODULUS_BITS}"
    if not (3 <= e < n and e % 2 == 1):
        return f"public exponent {e} is not odd with 3 <= e < n"
    if roca_fingerprint(n):
        return "modulus has the ROCA fingerprint"
    return None


def usable_key(candidates: Sequence[JWK]) -> tuple[JWK | None, str]:
    """The one usable JWK of those sharing a ``kid``, or None and why (none usable, or ambiguous)."""
    usable = [jwk for jwk in candidates if unusable_key(jwk) is None]
    if len(usable) == 1:
        return usable[0], "usable"
    if usable:
        return None, f"kid shared by {len(usable)} usable keys: ambiguous"
    return None, str(unusable_key(candidates[0]))
