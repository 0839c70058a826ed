"""Rule 4's modulus floor, exactly: 2048 bits is the least a usable RSA key has (RFC 7518 §3.3).

The bit length is read from the ``n`` member's Base64urlUInt (RFC 7518 §2, §6.3.1.1), whatever its
length modulo 3, so keys just under, at and just over the floor, and sizes whose encoding needs
padding to decode, are each kept or skipped as the rule says.
"""

from __future__ import annotations

import pytest

from apiexample.jwks.keyset import parse_jwks, unusable_reason
from fake_issuer import generate_rsa_key


@pytest.mark.parametrize(("bits", "usable"), [(2047, False), (2048, True), (2049, True), (2096, True)])
def test_the_modulus_floor_is_2048_bits(bits: int, usable: bool) -> None:
    jwk = generate_rsa_key(f"floor-{bits}", bits=bits, kid=f"k{bits}").public_jwk()
    assert (unusable_reason(jwk) is None) is usable
    assert (f"k{bits}" in parse_jwks({"keys": [jwk]})) is usable
    if not usable:
        assert "2047 bits" in str(unusable_reason(jwk))
