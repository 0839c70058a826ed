"""Rule 2's canonical base64url (RFC 4648 §3.5, §5): one token string per signature, no twins.

A signature of n bytes ends in a character that carries unused bits: 4 of them when n % 3 == 1 (a
2048-bit RSA signature, 256 bytes, 342 characters), 2 when n % 3 == 2 (a 4096-bit key's 512 bytes, or
the 257 bytes of the 2056-bit key used here because it is quicker to make: 343 characters).
Setting any one of those bits gives a different string that decodes to the same bytes;
the API must refuse it (docs/validation-policy.md, Rule 2), as it must refuse the standard alphabet's
``+`` and ``/`` in place of ``-`` and ``_``. Each test first checks the genuine token is accepted, so a
refusal is about the encoding alone.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from fake_issuer import FakeIssuer, SigningKey, generate_rsa_key
from tests.endpoints import PRIVATE

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Unused low bits of the last character, by RSA modulus size (RFC 4648 §4: 8n bits in 6-bit groups).
UNUSED_BITS = {2048: (1, 2, 4, 8), 2056: (1, 2)}


@pytest.fixture(scope="module")
def key_2056() -> SigningKey:
    """One 2056-bit signing key for the module: its signatures are 257 bytes long."""
    return generate_rsa_key("canonical-base64url-2056", bits=2056)


def status(api: Client, token: str) -> int:
    """The API's status for ``token`` on the private endpoint."""
    return int(api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code)


def signed(tenant: FakeIssuer, bits: int, key_2056: SigningKey) -> str:
    """A valid token signed by a key of ``bits`` bits that the tenant publishes."""
    if bits == 2048:
        return tenant.mint()
    tenant.keys.append(key_2056)
    return tenant.mint(key=key_2056)


@pytest.mark.parametrize(("bits", "bit"), [(b, u) for b, bits in UNUSED_BITS.items() for u in bits])
def test_each_unused_bit_of_the_signature_makes_a_refused_twin(
    api: Client, tenant: FakeIssuer, key_2056: SigningKey, bits: int, bit: int
) -> None:
    header, payload, signature = signed(tenant, bits, key_2056).split(".")
    assert len(signature) == {2048: 342, 2056: 343}[bits]
    assert ALPHABET.index(signature[-1]) & bit == 0  # a canonical encoder leaves unused bits zero
    twin = signature[:-1] + ALPHABET[ALPHABET.index(signature[-1]) | bit]
    assert status(api, f"{header}.{payload}.{signature}") == 200
    assert status(api, f"{header}.{payload}.{twin}") == 401


def _with_both_specials(tenant: FakeIssuer) -> str:
    # RSA signatures look random: within a few tokens one carries both '-' and '_'.
    for n in itertools.count():
        token = tenant.mint(claims={"n": n})
        if "-" in token.split(".")[2] and "_" in token.split(".")[2]:
            return token
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count() never ends


@pytest.mark.parametrize(("url", "standard"), [("-", "+"), ("_", "/")])
def test_the_standard_alphabet_is_refused_in_the_signature(
    api: Client, tenant: FakeIssuer, url: str, standard: str
) -> None:
    header, payload, signature = _with_both_specials(tenant).split(".")
    assert status(api, f"{header}.{payload}.{signature}") == 200
    assert status(api, f"{header}.{payload}.{signature.replace(url, standard, 1)}") == 401


@pytest.mark.parametrize("padding", ["=", "==", "==="])
def test_padding_on_any_segment_is_refused(api: Client, tenant: FakeIssuer, padding: str) -> None:
    header, payload, signature = tenant.mint().split(".")
    assert status(api, f"{header}.{payload}.{signature}") == 200
    for token in (
        f"{header}{padding}.{payload}.{signature}",
        f"{header}.{payload}{padding}.{signature}",
        f"{header}.{payload}.{signature}{padding}",
    ):
        assert status(api, token) == 401
