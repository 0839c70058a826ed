"""Token specs: what a token is made of, as data the oracle can read (RFC 7515 §3.1, §5.1; RFC 7519 §7.1).

A ``TokenSpec`` holds the header (members, or raw bytes), the claims (members, any JSON value, or raw
payload bytes) and a ``Signing``: which algorithm really computes the signature, with which key or
secret, and whether the signature segment is then tampered with. ``encode()`` gives the compact JWS the
API receives; the oracle reads the same spec to say what the API must answer. ``KeyRing`` holds the
keys a test tenant publishes and the keys an attacker holds; ``signing_variants`` names the ways to sign.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fake_issuer.encoding import b64url_encode
from fake_issuer.issuer import DEFAULT_ISSUER
from fake_issuer.keys import SigningKey, generate_ec_key, generate_rsa_key
from fake_issuer.tokens import Signer, encode_token, serialize_json

#: Ways to spoil a signature segment after signing: a changed byte (RFC 7515 §5.2 step 8 fails),
#: a shorter signature, non-canonical base64url (RFC 4648 §3.5), padding (RFC 7515 §2), a 4th segment.
Tamper = Literal["flip_bit", "truncate", "unused_bits", "padding", "extra_segment"]
TAMPERS: tuple[Tamper, ...] = ("flip_bit", "truncate", "unused_bits", "padding", "extra_segment")

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class Absent:
    """The marker for a claim or header member left out of the token."""

    def __repr__(self) -> str:
        return "ABSENT"


#: A claim or header member that is not in the token at all (as opposed to ``null``).
ABSENT = Absent()


@dataclass(frozen=True)
class Signing:
    """How the signature is made: the algorithm actually run, its key or secret, and any tampering."""

    algorithm: str = "RS256"
    key: SigningKey | None = None
    secret: bytes | None = None
    tamper: Tamper | None = None

    def __repr__(self) -> str:
        used = [repr(self.algorithm)]
        if self.key is not None:
            used.append(f"key=<{self.key.kind}-{self.key.bits} kid={self.key.kid!r}>")
        if self.secret is not None:
            used.append(f"secret=<{len(self.secret)} bytes>")
        if self.tamper is not None:
            used.append(f"tamper={self.tamper!r}")
        return f"Signing({', '.join(used)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis prints falsifying examples with this, not field by field

    def signature_segment(self, signing_input: str) -> str:
        """The third segment for ``signing_input``, tampered with as asked."""
        signature = Signer(self.algorithm, key=self.key, secret=self.secret).sign(
            signing_input.encode("ascii")
        )
        return tampered(signature, self.tamper)


def tampered(signature: bytes, tamper: Tamper | None) -> str:
    """The base64url segment of ``signature`` spoiled by ``tamper`` (never a canonical encoding of it)."""
    segment = b64url_encode(signature)
    if tamper is None:
        return segment
    if tamper == "flip_bit":
        return b64url_encode(signature[:-1] + bytes([signature[-1] ^ 1])) if signature else "AQ"
    if tamper == "truncate":
        return b64url_encode(signature[:-1]) if signature else "A"
    if tamper == "padding":
        return segment + "=" * (-len(segment) % 4 or 4)
    if tamper == "extra_segment":
        return segment + ".e30"
    # unused_bits: same bytes, another last character (RFC 4648 §3.5 calls the encoding non-canonical)
    unused = {1: 4, 2: 2}.get(len(signature) % 3, 0)
    if not unused:
        return segment + "A"  # no spare bits: an impossible length (4n+1 characters) instead
    last = _ALPHABET.index(segment[-1])
    return segment[:-1] + _ALPHABET[last | 1]


@dataclass(frozen=True)
class TokenSpec:
    """A token as data: header, claims (or raw bytes for either) and how it is signed."""

    header: Mapping[str, object] | bytes
    claims: object
    signing: Signing

    def header_bytes(self) -> bytes:
        """The protected header's octets (RFC 7515 §5.1 step 3)."""
        return self.header if isinstance(self.header, bytes) else serialize_json(dict(self.header))

    def payload_bytes(self) -> bytes:
        """The payload's octets: raw bytes as given, anything else as compact JSON."""
        return self.claims if isinstance(self.claims, bytes) else serialize_json(self.claims)

    def encode(self) -> str:
        """The compact JWS ``header.payload.signature`` (RFC 7515 §7.1)."""
        unsigned = encode_token(self.header_bytes(), self.payload_bytes(), Signer("none"))
        signing_input = unsigned[:-1]
        return f"{signing_input}.{self.signing.signature_segment(signing_input)}"


def without_absent(members: Mapping[str, object]) -> dict[str, object]:
    """``members`` with every ``ABSENT`` value left out."""
    return {name: value for name, value in members.items() if value is not ABSENT}


@dataclass(frozen=True)
class KeyRing:
    """A test tenant's keys: its JWKS publishes ``issuer``, ``weak``, ``ec``; ``foreign`` is an attacker's."""

    issuer: SigningKey
    foreign: SigningKey
    weak: SigningKey
    ec: SigningKey

    @property
    def published(self) -> tuple[SigningKey, ...]:
        """The keys the tenant's JWKS lists (only ``issuer`` is usable under the validation policy rule 4)."""
        return (self.issuer, self.weak, self.ec)


def key_ring(issuer: str = DEFAULT_ISSUER) -> KeyRing:
    """The standard ring for ``issuer``; keys are cached per process, so calling this again is cheap."""
    return KeyRing(
        # FakeIssuer's own label for its first key: a FakeIssuer(issuer) elsewhere signs with the same key.
        issuer=generate_rsa_key(f"{issuer}#1"),
        foreign=generate_rsa_key(f"{issuer}#attacker"),
        weak=generate_rsa_key(f"{issuer}#weak", bits=1024, kid="weak-rsa-1024"),
        ec=generate_ec_key(f"{issuer}#ec", kid="ec-p256"),
    )


@dataclass(frozen=True)
class SigningVariant:
    """A named way to sign: the ``alg`` and ``kid`` the header shows and the ``Signing`` really done."""

    name: str
    alg: object
    kid: object
    signing: Signing

    def __repr__(self) -> str:
        return f"SigningVariant({self.name!r})"


@functools.cache
def signing_variants(ring: KeyRing) -> dict[str, SigningVariant]:
    """Every named signing variant for ``ring`` (cached): the good one and each way a signature is wrong."""
    good = ring.issuer
    variants = [
        SigningVariant("issuer key", "RS256", good.kid, Signing("RS256", key=good)),
        SigningVariant("foreign key, trusted kid", "RS256", good.kid, Signing("RS256", key=ring.foreign)),
        SigningVariant("unknown kid", "RS256", ring.foreign.kid, Signing("RS256", key=ring.foreign)),
        SigningVariant("weak 1024-bit key", "RS256", ring.weak.kid, Signing("RS256", key=ring.weak)),
        SigningVariant("EC key", "ES256", ring.ec.kid, Signing("ES256", key=ring.ec)),
        SigningVariant(
            "HS256 with the public key", "HS256", good.kid, Signing("HS256", secret=good.public_pem())
        ),
        SigningVariant("alg none", "none", good.kid, Signing("none")),
        SigningVariant("PS256 under an RS256 header", "RS256", good.kid, Signing("PS256", key=good)),
    ]
    variants += [
        SigningVariant(f"tampered: {tamper}", "RS256", good.kid, Signing("RS256", key=good, tamper=tamper))
        for tamper in TAMPERS
    ]
    return {variant.name: variant for variant in variants}


@dataclass(frozen=True)
class Encoding:
    """A named way to turn a JSON object into segment bytes (most of them break RFC 8259 or RFC 7515 §5.2)."""

    name: str
    encode: Callable[[Mapping[str, object]], bytes]

    def __repr__(self) -> str:
        return f"Encoding({self.name!r})"


def _with_member(raw: bytes, member: bytes) -> bytes:
    return raw[:-1] + (b"," if raw != b"{}" else b"") + member + b"}"


def _duplicate(members: Mapping[str, object]) -> bytes:
    raw = serialize_json(dict(members)) if members else b'{"x":0}'
    name = next(iter(members), "x")
    return _with_member(raw, json.dumps(name).encode() + b":null")


ENCODINGS = (
    Encoding("compact JSON", lambda m: serialize_json(dict(m))),
    Encoding("pretty JSON", lambda m: json.dumps(dict(m), indent=2, ensure_ascii=True).encode()),
    Encoding("duplicate member", _duplicate),
    Encoding("NaN literal", lambda m: _with_member(serialize_json(dict(m)), b'"x":NaN')),
    Encoding("Infinity literal", lambda m: _with_member(serialize_json(dict(m)), b'"x":-Infinity')),
    Encoding("UTF-8 BOM", lambda m: b"\xef\xbb\xbf" + serialize_json(dict(m))),
    Encoding("Latin-1 byte", lambda m: _with_member(serialize_json(dict(m)), b'"x":"\xe9"')),
    Encoding("trailing garbage", lambda m: serialize_json(dict(m)) + b"x"),
    Encoding("array", lambda m: serialize_json([dict(m)])),
    Encoding("empty", lambda m: b""),
)
