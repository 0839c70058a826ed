"""Header-semantics attacks: ``crit`` (RFC 7515 §4.1.11), ``b64`` (RFC 7797), ``zip`` (RFC 7516 §4.1.3),
JWE and JSON serialisations (RFC 7516 §7.1, RFC 7515 §7.2), ``typ`` (RFC 8725 §3.11, RFC 9068 §2.1),
``cty`` (RFC 7519 §5.2) and headers that are not a UTF-8 JSON object (RFC 7515 §5.2, RFC 8259 §8.1).
"""

from __future__ import annotations

import json
import zlib

from fake_issuer.attacks.catalog import Build, accepted, attack, rejected
from fake_issuer.attacks.forgery import flattened_json, general_json, polyglot
from fake_issuer.encoding import b64url_encode
from fake_issuer.issuer import FakeIssuer
from fake_issuer.tokens import Signer, encode_segment, serialize_json


def _header(**members: object) -> Build:
    return lambda issuer: issuer.mint(header=members)


attack(
    "crit-unknown",
    'genuine token with crit ["exp"], an extension nobody implements',
    "RFC 7515 §4.1.11; CVE-2025-59420",
    rejected(3),
)(_header(crit=["exp"], exp=0))
attack("crit-empty", "genuine token with an empty crit list", "RFC 7515 §4.1.11", rejected(3))(
    _header(crit=[])
)


@attack(
    "b64-false-detached",
    "b64 false in crit, unencoded payload detached, signed by the issuer",
    "RFC 7797 §3, §5",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    protected = encode_segment({**issuer.header(), "b64": False, "crit": ["b64"]})
    signature = Signer("RS256", key=issuer.signing_key).sign(
        f"{protected}.".encode() + serialize_json(issuer.claims())
    )
    return f"{protected}..{b64url_encode(signature)}"


@attack("b64-false-inline", "b64 false without crit, raw JSON payload inline", "RFC 7797 §5, §6", rejected(2))
def _(issuer: FakeIssuer) -> str:
    protected = encode_segment({**issuer.header(), "b64": False})
    signing_input = f"{protected}.".encode() + serialize_json(issuer.claims())
    signature = Signer("RS256", key=issuer.signing_key).sign(signing_input)
    return f"{signing_input.decode()}.{b64url_encode(signature)}"


attack(
    "b64-false-ignored",
    "b64 false without crit on a normal token: an unknown member, ignored",
    "RFC 7797 §6; RFC 7515 §4",
    accepted(),
)(_header(b64=False))


def _deflated(claims: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)  # raw DEFLATE, as RFC 7516 §4.1.3 "DEF" specifies
    return compressor.compress(claims) + compressor.flush()


@attack(
    "zip-deflated-payload",
    "zip DEF and a deflated payload: the API must not inflate",
    "RFC 7516 §4.1.3; CVE-2025-62706",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"zip": "DEF"}, payload=_deflated(serialize_json(issuer.claims())))


@attack("zip-bomb", "zip DEF and 20 MB of zeros deflated into a small payload", "CVE-2025-62706", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"zip": "DEF"}, payload=_deflated(bytes(20_000_000)))


attack(
    "zip-plain-json",
    "zip DEF on a genuine token whose payload is plain JSON: a JWS is never compressed",
    "RFC 7516 §4.1.3; CVE-2024-33664",
    rejected(3),
)(_header(zip="DEF"))
attack(
    "zip-unknown-value",
    "zip 'none' on a genuine token: the member itself is refused, whatever its value",
    "RFC 7516 §4.1.3; CVE-2025-62706",
    rejected(3),
)(_header(zip="none"))


@attack("jwe-rsa-oaep", "a JWE (five segments) naming the issuer's kid", "RFC 7516 §7.1", rejected(2))
def _(issuer: FakeIssuer) -> str:
    header = {"alg": "RSA-OAEP", "enc": "A256GCM", "kid": issuer.signing_key.kid}
    return ".".join([encode_segment(header), *(b64url_encode(bytes(n)) for n in (256, 12, 64, 16))])


@attack(
    "jwe-dir",
    "a JWE with alg dir and an empty encrypted-key segment",
    "RFC 7516 §7.1; RFC 7518 §4.5",
    rejected(2),
)
def _(issuer: FakeIssuer) -> str:
    header = {"alg": "dir", "enc": "A128CBC-HS256"}
    return ".".join([encode_segment(header), "", *(b64url_encode(bytes(n)) for n in (16, 64, 16))])


attack(
    "jws-flattened-json",
    "a genuine token in the flattened JSON serialisation",
    "RFC 7515 §7.2.2",
    rejected(2),
)(lambda issuer: flattened_json(issuer.mint()))
attack(
    "jws-general-json", "a genuine token in the general JSON serialisation", "RFC 7515 §7.2.1", rejected(2)
)(lambda issuer: general_json(issuer.mint()))


@attack(
    "json-compact-polyglot",
    "compact/JSON polyglot: genuine signature, forged JSON payload",
    "CVE-2022-39227",
    rejected(2),
)
def _(issuer: FakeIssuer) -> str:
    return polyglot(issuer.mint(scope=None), {**issuer.claims(), "scope": "read:messages admin"})


_WRONG_TYPES: dict[str, object] = {
    "JOSE": "JOSE",
    "dpop": "dpop+jwt",
    "logout": "logout+jwt",
    "secevent": "secevent+jwt",
    "trailing-space": "JWT ",
    "null": None,
    "array": ["JWT"],
}
for _name, _value in _WRONG_TYPES.items():
    attack(
        f"typ-{_name}",
        f"typ {json.dumps(_value)} on an otherwise genuine token",
        "RFC 8725 §3.11",
        rejected(3),
    )(_header(typ=_value))
for _name, _value in {
    "at-jwt": "at+jwt",
    "application-at-jwt": "application/at+jwt",
    "upper-case": "AT+JWT",
    "lower-case-jwt": "jwt",
    "application-jwt": "application/jwt",
    "application-jwt-mixed-case": "Application/JWT",
}.items():
    attack(
        f"typ-{_name}",
        f"typ {_value!r}: allowed, must keep working",
        "RFC 9068 §2.1; RFC 7515 §4.1.9",
        accepted(),
    )(_header(typ=_value))
attack("typ-absent", "no typ at all: allowed, must keep working", "RFC 7519 §5.1", accepted())(
    lambda issuer: issuer.mint(drop_header=["typ"])
)


@attack(
    "cty-nested-jwt",
    "cty JWT and a genuine token as the payload",
    "RFC 7519 §5.2; RFC 8725 §2.7",
    rejected(2),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"cty": "JWT"}, payload=issuer.mint().encode())


def _raw(header: bytes) -> Build:
    return lambda issuer: issuer.mint(raw_header=header)


_RAW_HEADERS = {
    "array": b'["RS256"]',
    "string": b'"RS256"',
    "null": b"null",
    "empty": b"",
    "truncated": b'{"alg":"RS256"',
}
for _name, _raw_value in _RAW_HEADERS.items():
    attack(
        f"header-{_name}",
        f"header segment {_raw_value.decode()!r} instead of a JSON object",
        "RFC 7515 §5.2",
        rejected(2),
    )(_raw(_raw_value))


def _with_kid(template: bytes) -> Build:
    return lambda issuer: issuer.mint(raw_header=template.replace(b"KID", issuer.signing_key.kid.encode()))


attack(
    "header-latin-1",
    "header JSON in Latin-1, not UTF-8, signed by the issuer",
    "RFC 8725 §3.7; RFC 7515 §5.2",
    rejected(2),
)(_with_kid(b'{"alg":"RS256","kid":"KID","x":"\xe9"}'))
attack(
    "header-bom",
    "header JSON with a UTF-8 byte-order mark, signed by the issuer",
    "RFC 8259 §8.1",
    rejected(2),
)(_with_kid(b'\xef\xbb\xbf{"alg":"RS256","kid":"KID"}'))
attack(
    "header-nested-deep",
    "header member nested 100,000 arrays deep, signed by the issuer",
    "RFC 8259 §9",
    rejected(2),
)(_with_kid(b'{"alg":"RS256","kid":"KID","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
