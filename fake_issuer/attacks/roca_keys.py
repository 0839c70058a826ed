"""RSA keys built the way Infineon's RSALib built them, so their moduli carry the ROCA fingerprint.

Nemec et al., "The Return of Coppersmith's Attack", ACM CCS 2017 (CVE-2017-15361): each prime
is ``k * M + (65537**a mod M)`` for a primorial ``M``. Here ``M`` is the product of the primes up to
167, the ones the published fingerprint test reads, so a modulus made of two such primes passes that
test while being an ordinary RSA key to every other check. For the catalog's key-policy entries.
"""

from __future__ import annotations

import functools
import math
import random

from cryptography.hazmat.primitives.asymmetric import rsa

from fake_issuer.keys import SigningKey, thumbprint

#: 2 and the odd primes up to 167: RSALib's primes are 65537**a modulo their product.
PRIMORIAL = math.prod(p for p in range(2, 168) if all(p % d for d in range(2, p)))
GENERATOR = 65537
PUBLIC_EXPONENT = 65537


#: The primes above 167 and below 2**14, multiplied: one gcd strikes out candidates they divide.
_SIEVE = math.prod(p for p in range(169, 1 << 14, 2) if all(p % d for d in range(3, math.isqrt(p) + 1, 2)))


def _probably_prime(n: int) -> bool:
    """A sieve and a base-2 Fermat test: cheap, and ``rsa.RSAPrivateNumbers.private_key`` then checks
    both primes for real (OpenSSL's key validation), so a pseudoprime cannot slip through."""
    return math.gcd(n, _SIEVE) == 1 and pow(2, n - 1, n) == 1


def _structured_prime(bits: int, rng: random.Random) -> int:
    """A prime of exactly ``bits`` bits, top two bits set, of the form ``k * M + 65537**a mod M``."""
    low, high = 3 << (bits - 2), 1 << bits
    while True:
        residue = pow(GENERATOR, rng.randrange(1, 1 << 32), PRIMORIAL)  # odd: 65537 is, and M is even
        k = rng.randrange(-(-(low - residue) // PRIMORIAL), (high - residue) // PRIMORIAL)
        candidate = k * PRIMORIAL + residue
        if math.gcd(candidate - 1, PUBLIC_EXPONENT) == 1 and _probably_prime(candidate):
            return candidate


@functools.cache
def _roca_private_key(bits: int, label: str) -> rsa.RSAPrivateKey:
    rng = random.Random(label)  # the same label gives the same key in every process
    p = _structured_prime(bits // 2, rng)
    q = _structured_prime(bits // 2, rng)
    while q == p:  # pragma: no cover - two equal 1024-bit primes from fresh draws do not happen
        q = _structured_prime(bits // 2, rng)
    d = pow(PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    )
    return numbers.private_key()


def roca_key(label: str = "attacks:roca", *, bits: int = 2048) -> SigningKey:
    """An RSA key whose modulus has the ROCA fingerprint (cached per label; kid its RFC 7638 thumbprint)."""
    private_key = _roca_private_key(bits, label)
    return SigningKey(private_key, thumbprint(SigningKey(private_key, "").public_jwk()))
