"""Base64url without padding (RFC 7515 §2, RFC 4648 §5), the encoding of every JOSE segment."""

from __future__ import annotations

import base64


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as base64url without ``=`` padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url ``text`` (RFC 7515 §2): pad it, then decode leniently (not a validator)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_uint(value: int) -> str:
    """Encode a non-negative integer as RFC 7518 §2 Base64urlUInt (big-endian, minimal length)."""
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))
