"""Token specs encode to the compact JWS they describe, with each tamper spoiling the signature segment."""

from __future__ import annotations

import pytest

from fake_issuer import DEFAULT_ISSUER
from fake_issuer.encoding import b64url_decode
from fake_issuer.policy.spec import (
    ABSENT,
    TAMPERS,
    Signing,
    TokenSpec,
    key_ring,
    signing_variants,
    tampered,
    without_absent,
)

RING = key_ring(DEFAULT_ISSUER)


def test_encode_signs_the_header_and_payload_it_shows() -> None:
    spec = TokenSpec({"alg": "RS256"}, {"a": 1}, Signing("RS256", key=RING.issuer))
    header, payload, signature = spec.encode().split(".")
    assert b64url_decode(header) == b'{"alg":"RS256"}' and b64url_decode(payload) == b'{"a":1}'
    assert len(b64url_decode(signature)) == 256
    raw = TokenSpec(b"h", b"p", Signing("none"))
    assert raw.encode() == "aA.cA." and raw.header_bytes() == b"h" and raw.payload_bytes() == b"p"


@pytest.mark.parametrize("length", [0, 31, 32, 33, 256])
@pytest.mark.parametrize("tamper", TAMPERS)
def test_every_tamper_changes_the_segment(tamper: str, length: int) -> None:
    signature = bytes(i % 256 for i in range(length))
    spoiled = tampered(signature, tamper)  # type: ignore[arg-type]
    assert spoiled != tampered(signature, None)
    if tamper == "unused_bits" and length % 3:
        assert b64url_decode(spoiled) == signature  # same bytes, non-canonical text (RFC 4648 §3.5)


def test_names_and_reprs() -> None:
    variants = signing_variants(RING)
    assert repr(variants["alg none"]) == "SigningVariant('alg none')"
    assert repr(ABSENT) == "ABSENT"
    assert without_absent({"a": ABSENT, "b": None}) == {"b": None}
    assert {key.kid for key in RING.published} == {RING.issuer.kid, "weak-rsa-1024", "ec-p256"}
    assert RING.foreign.kid not in {key.kid for key in RING.published}


def test_signing_reprs_name_the_key_not_its_numbers() -> None:
    variants = signing_variants(RING)
    assert repr(variants["alg none"].signing) == "Signing('none')"
    assert repr(variants["HS256 with the public key"].signing).startswith("Signing('HS256', secret=<")
    tampered_repr = repr(variants["tampered: padding"].signing)
    assert f"key=<RSA-2048 kid={RING.issuer.kid!r}>" in tampered_repr and "tamper='padding'" in tampered_repr

    printed: list[str] = []

    class Printer:
        text = staticmethod(printed.append)

    variants["EC key"].signing._repr_pretty_(Printer(), cycle=False)
    assert printed == ["Signing('ES256', key=<EC-256 kid='ec-p256'>)"]
