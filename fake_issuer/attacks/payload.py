"""Payload-syntax attacks: claims sets that are not one UTF-8 JSON object of unique members with
interoperable numbers (RFC 7519 §4, §7.2; RFC 8259 §6, §8.1; RFC 7493 §2.2), and oversized segments.
"""

from __future__ import annotations

from fake_issuer.attacks.catalog import Build, accepted, attack, rejected
from fake_issuer.attacks.forgery import attacker_key, splice
from fake_issuer.issuer import FakeIssuer
from fake_issuer.tokens import serialize_json

ONE_MB = 1_000_000


def _raw(payload: bytes) -> Build:
    return lambda issuer: issuer.mint(payload=payload)


for _name, _raw_payload in {
    "array": b'["read:messages"]',
    "string": b'"read:messages"',
    "number": b"1",
    "null": b"null",
    "true": b"true",
    "empty": b"",
}.items():
    attack(
        f"payload-{_name}",
        f"payload {_raw_payload.decode()!r}, signed by the issuer",
        "RFC 7519 §7.2 step 10",
        rejected(2),
    )(_raw(_raw_payload))


def _encoded(encode: str, prefix: bytes = b"") -> Build:
    return lambda issuer: issuer.mint(
        payload=prefix + serialize_json(issuer.claims()).decode().encode(encode)
    )


attack("payload-utf-16", "claims JSON in UTF-16, signed by the issuer", "RFC 8725 §3.7", rejected(2))(
    _encoded("utf-16")
)
attack(
    "payload-bom",
    "claims JSON after a UTF-8 byte-order mark, signed by the issuer",
    "RFC 8259 §8.1",
    rejected(2),
)(_encoded("utf-8", b"\xef\xbb\xbf"))


@attack(
    "payload-latin-1", "claims JSON with a Latin-1 byte, signed by the issuer", "RFC 8725 §3.7", rejected(2)
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(
        payload=serialize_json({**issuer.claims(), "name": "Ren\u00e9"}).decode().encode("latin-1")
    )


def _duplicate(member: bytes) -> Build:
    return lambda issuer: issuer.mint(payload=b"{" + member + b"," + serialize_json(issuer.claims())[1:])


# The genuine value comes last, so a last-wins parser (Python's json, most libraries) would accept.
_DUPLICATES = {"iss": b'"iss":"https://attacker.example/"', "scope": b'"scope":"openid"', "exp": b'"exp":0'}
for _name, _member in _DUPLICATES.items():
    attack(
        f"duplicate-{_name}",
        f"{_name} twice, {_member.decode()} first, signed by the issuer",
        "RFC 7519 §4; RFC 7515 §5.2",
        rejected(2),
    )(_duplicate(_member))


def _literal(claim: str, literal: bytes) -> Build:
    def build(issuer: FakeIssuer) -> str:
        template = serialize_json({**issuer.claims(), claim: "LITERAL"})
        return issuer.mint(payload=template.replace(b'"LITERAL"', literal))

    return build


_NOT_JSON = {
    "exp-nan": ("exp", b"NaN"),
    "exp-infinity": ("exp", b"Infinity"),
    "nbf-minus-infinity": ("nbf", b"-Infinity"),
    "custom-nan": ("score", b"NaN"),
}
for _id, (_claim, _value) in _NOT_JSON.items():
    attack(_id, f"{_claim}: {_value.decode()} (not JSON), signed by the issuer", "RFC 8259 §6", rejected(2))(
        _literal(_claim, _value)
    )

# Numbers beyond what the parser represents hit the limits RFC 8259 §9 allows: a float literal beyond the
# IEEE double range reads as infinity (not finite: rule 8); more digits than Python converts by default
# (CVE-2020-10735) do not parse (rule 2). Integers within that limit are compared exactly.
attack(
    "exp-1e400",
    "exp 1e400: beyond the IEEE double range, read as infinity",
    "RFC 8259 §9; RFC 7493 §2.2",
    rejected(8),
)(_literal("exp", b"1e400"))
attack(
    "exp-400-digits",
    "exp a 400-digit integer, beyond double range, compared exactly: accepted",
    "RFC 7519 §2; RFC 8259 §6",
    accepted(),
)(_literal("exp", b"9" * 400))
attack(
    "exp-5000-digits",
    "exp of 5,000 digits: more than Python converts by default",
    "CVE-2020-10735; RFC 8259 §9",
    rejected(2),
)(_literal("exp", b"9" * 5000))
attack("custom-5000-digits", "a custom claim of 5,000 digits", "CVE-2020-10735; RFC 8259 §9", rejected(2))(
    _literal("score", b"9" * 5000)
)
attack("exp-1e300", "exp 1e300: huge but a finite double, must keep working", "RFC 7519 §2", accepted())(
    _literal("exp", b"1e300")
)
attack("custom-400-digits", "a custom claim of 400 digits, must keep working", "RFC 8259 §6", accepted())(
    _literal("score", b"9" * 400)
)


@attack(
    "oversized-header",
    "1 MB header member, attacker key under the issuer's kid",
    "CVE-2025-61920",
    rejected(5),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(key=attacker_key(), header={"kid": issuer.signing_key.kid, "pad": "a" * ONE_MB})


@attack("oversized-payload", "5 MB claim, attacker key under the issuer's kid", "CVE-2025-61920", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(
        key=attacker_key(), header={"kid": issuer.signing_key.kid}, claims={"pad": "a" * 5 * ONE_MB}
    )


@attack("oversized-signature", "genuine header and payload, 1 MB signature", "CVE-2025-61920", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), signature=bytes(ONE_MB))


attack(
    "payload-nested-deep",
    "claim nested 100,000 arrays deep, signed by the issuer",
    "RFC 8259 §9",
    rejected(2),
)(_literal("nest", b"[" * 100_000 + b"]" * 100_000))
