"""The ROCA fingerprint of an RSA modulus (CVE-2017-15361; docs/validation-policy.md, rule 4).

Nemec, Sys, Svenda, Klinec and Matyas, "The Return of Coppersmith's Attack: Practical Factorization
of Widely Used RSA Moduli", ACM CCS 2017: Infineon's RSALib builds each prime as
``k * M + (65537**a mod M)`` with ``M`` a primorial, so for every small prime ``p`` dividing ``M`` the
modulus ``N`` is, modulo ``p``, in the multiplicative subgroup that 65537 generates. The published test
checks that for the primes 3 to 167. A random modulus without small factors passes it with
probability about 2**-27.8 (the product of each subgroup's share of its group: 1 in 239 million);
a modulus from RSALib always does, and such moduli can be factored.
"""

from __future__ import annotations

#: The odd primes the published detector tests (3 to 167).
PRIMES = (
    *(3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71),
    *(73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167),
)
GENERATOR = 65537


def _subgroup(prime: int) -> frozenset[int]:
    """The residues ``GENERATOR**i mod prime``: the subgroup the generator spans."""
    members, power = {1}, GENERATOR % prime
    while power not in members:
        members.add(power)
        power = power * GENERATOR % prime
    return frozenset(members)


_SUBGROUPS = tuple((prime, _subgroup(prime)) for prime in PRIMES)


def has_roca_fingerprint(modulus: int) -> bool:
    """Whether ``modulus`` mod every prime of ``PRIMES`` lies in the subgroup 65537 generates."""
    return all(modulus % prime in subgroup for prime, subgroup in _SUBGROUPS)
