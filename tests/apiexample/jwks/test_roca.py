"""The ROCA fingerprint test (CVE-2017-15361; Nemec et al., ACM CCS 2017) the key filter applies."""

from __future__ import annotations

import json
import math
import random

from apiexample.jwks.roca import GENERATOR, PRIMES, has_roca_fingerprint
from fake_issuer import generate_rsa_key
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.encoding import b64url_decode
from fake_issuer.policy.keys import roca_fingerprint
from tests.vectors.wycheproof_vectors import HERE

#: The published detector's masks for its first primes: bit r set when r is a power of 65537 mod p.
PUBLISHED_MASKS = {3: 6, 5: 30, 7: 126, 11: 1026, 13: 5658, 17: 107286, 19: 199410}


def modulus(jwk: dict[str, str]) -> int:
    """The RSA modulus of a public JWK."""
    return int.from_bytes(b64url_decode(jwk["n"]), "big")


def wycheproof_roca_modulus() -> int:
    """The modulus of Wycheproof's ROCA-vulnerable key (group ``jws_rsa_roca_key``)."""
    document = json.loads((HERE / "json_web_key_test.json").read_text(encoding="utf-8"))
    group = next(g for g in document["testGroups"] if g["comment"] == "jws_rsa_roca_key")
    return modulus(group["public"]["keys"][0])


def test_the_primes_are_the_published_ones() -> None:
    assert tuple(p for p in range(3, 168) if all(p % d for d in range(2, p))) == PRIMES
    assert len(PRIMES) == 38 and GENERATOR == 65537


def powers(prime: int) -> set[int]:
    """The residues 65537**i mod ``prime``, enumerated."""
    return {pow(GENERATOR, i, prime) for i in range(prime)}


def test_the_subgroups_match_the_published_masks() -> None:
    for prime, mask in PUBLISHED_MASKS.items():
        assert powers(prime) == {r for r in range(prime) if mask >> r & 1}


def test_the_wycheproof_roca_key_is_flagged() -> None:
    assert has_roca_fingerprint(wycheproof_roca_modulus())


def test_a_key_built_like_rsalib_is_flagged() -> None:
    assert has_roca_fingerprint(modulus(roca_key().public_jwk()))


def test_fresh_moduli_are_not_flagged() -> None:
    # A random modulus passes with probability about 2**-27.8 (the product of the subgroups' shares).
    moduli = [modulus(generate_rsa_key(f"roca-negative-{i}").public_jwk()) for i in range(50)]
    assert len(set(moduli)) == 50
    assert not any(has_roca_fingerprint(n) for n in moduli)


def test_one_residue_outside_its_subgroup_clears_the_fingerprint() -> None:
    flagged = wycheproof_roca_modulus()
    product = math.prod(PRIMES)
    for prime in PRIMES:
        # The same residues modulo every other prime (CRT), a non-power of 65537 modulo this one.
        target = max(r for r in range(prime) if r not in powers(prime))
        rest = product // prime
        shifted = flagged + rest * ((target - flagged) * pow(rest, -1, prime) % prime)
        assert shifted % prime == target and shifted % rest == flagged % rest
        assert not has_roca_fingerprint(shifted), prime


def test_the_validator_and_the_oracle_agree() -> None:
    rng = random.Random(15361)
    product = math.prod(PRIMES)
    structured = [
        pow(GENERATOR, rng.randrange(1 << 30), product) + product * rng.randrange(1 << 64) for _ in range(200)
    ]
    unstructured = [rng.getrandbits(2048) | 1 for _ in range(2000)]
    assert all(has_roca_fingerprint(n) and roca_fingerprint(n) for n in structured)
    assert [has_roca_fingerprint(n) for n in unstructured] == [roca_fingerprint(n) for n in unstructured]
    assert not any(has_roca_fingerprint(n) for n in unstructured)


def test_a_random_modulus_matches_with_odds_of_about_one_in_239_million() -> None:
    share = math.prod(len(powers(prime)) / (prime - 1) for prime in PRIMES)
    assert round(1 / share) == 238_878_720
