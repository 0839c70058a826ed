"""Signature and algorithm attacks: RFC 7515 §4.1.1/§5.2, RFC 7518 §3, RFC 8725 §2.1, §3.1-§3.2.

``alg`` none in every capitalisation, tampering, non-canonical base64url (RFC 4648 §3.5), RS256 -> HS256
key confusion with the issuer's public key in every encoding, other algorithms, psychic signatures.
"""

from __future__ import annotations

import itertools

from fake_issuer.attacks.catalog import Build, attack, rejected
from fake_issuer.attacks.forgery import attacker_ec_key, public_key_forms, splice
from fake_issuer.encoding import b64url_decode
from fake_issuer.issuer import DEFAULT_CLIENT_ID, FakeIssuer
from fake_issuer.policy.spec import Tamper, tampered
from fake_issuer.tokens import Signer, encode_token

#: Every capitalisation of "none", "none" first (RFC 7518 §3.6 names it in lower case only).
NONE_SPELLINGS = sorted(
    {"".join(letters) for letters in itertools.product(*((c, c.upper()) for c in "none"))},
    key=lambda spelling: (sum(map(str.isupper, spelling)), spelling.swapcase()),
)


def _unsigned(spelling: str) -> Build:
    return lambda issuer: issuer.mint(alg="none", header={"alg": spelling})


def _resigned(spelling: str) -> Build:
    return lambda issuer: splice(issuer.mint(), header={**issuer.header(), "alg": spelling})


for _spelling in NONE_SPELLINGS:
    attack(
        f"alg-{_spelling}-unsigned",
        f'alg "{_spelling}", empty signature',
        "RFC 8725 §3.1; CVE-2026-28802",
        rejected(3),
    )(_unsigned(_spelling))
    attack(
        f"alg-{_spelling}-original-signature",
        f'alg "{_spelling}", the genuine token\'s signature kept',
        "RFC 8725 §3.1; CVE-2026-28802",
        rejected(3),
    )(_resigned(_spelling))


@attack("alg-none-two-segments", "alg none and no signature segment at all", "RFC 7515 §7.1", rejected(2))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(alg="none").rstrip(".")


@attack("signature-empty", "RS256 header, empty signature segment", "RFC 7515 §5.2", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), signature=b"")


@attack("tampered-payload", "scope added to the payload after signing", "RFC 7515 §5.2", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(scope=None), payload=issuer.claims())


@attack("tampered-header", "typ changed in the header after signing", "RFC 7515 §5.2", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), header={**issuer.header(), "typ": "at+jwt"})


def _signature(token: str) -> bytes:
    return b64url_decode(token.rsplit(".", 1)[1])


def _spoiled(tamper: Tamper) -> Build:
    """A genuine token whose signature segment ``spec.tampered`` spoils with ``tamper``."""

    def build(issuer: FakeIssuer) -> str:
        signing_input, _, segment = issuer.mint().rpartition(".")
        return f"{signing_input}.{tampered(b64url_decode(segment), tamper)}"

    return build


attack("tampered-signature", "one bit of the genuine signature flipped", "RFC 7515 §5.2", rejected(5))(
    _spoiled("flip_bit")
)


@attack(
    "signature-of-another-token",
    "a genuine signature of another token spliced in",
    "RFC 7515 §5.2",
    rejected(5),
)
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(scope=None), signature=_signature(issuer.mint()))


attack("signature-truncated", "the genuine signature without its last byte", "RFC 7518 §3.3", rejected(5))(
    _spoiled("truncate")
)


@attack("signature-rsa-zero", "RS256 signature of 256 zero bytes", "RFC 8017 §8.2.2", rejected(5))
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), signature=bytes(256))


# A 256-byte signature is 342 characters: padding adds "==", and the last character has 4 unused bits.
attack(
    "signature-padded",
    "genuine token with '==' padding on the signature",
    "RFC 7515 §2; RFC 4648 §3.5",
    rejected(2),
)(_spoiled("padding"))
attack(
    "signature-non-canonical",
    "signature's unused trailing bits set: same bytes, other text",
    "RFC 4648 §3.5",
    rejected(2),
)(_spoiled("unused_bits"))


def _confused(form: str, alg: str = "HS256") -> Build:
    return lambda issuer: issuer.mint(alg=alg, secret=public_key_forms(issuer.signing_key)[form])


_CONFUSION_CVES = {
    "pem": "CVE-2015-9235; CVE-2016-10555",
    "pem-no-newline": "CVE-2024-37568",
    "pkcs1-pem": "CVE-2017-11424",
    "der": "CVE-2016-10555",
    "pkcs1-der": "CVE-2017-11424",
    "jwk-json": "CVE-2024-37568",
    "openssh": "CVE-2022-29217; CVE-2024-33663",
}
for _form, _cves in _CONFUSION_CVES.items():
    attack(
        f"key-confusion-hs256-{_form}",
        f"HS256 keyed with the issuer's public key as {_form}",
        f"RFC 8725 §2.1; {_cves}",
        rejected(3),
    )(_confused(_form))
for _alg in ("HS384", "HS512"):
    attack(
        f"key-confusion-{_alg.lower()}-pem",
        f"{_alg} keyed with the issuer's public PEM",
        "RFC 8725 §2.1; CVE-2015-9235",
        rejected(3),
    )(_confused("pem", _alg))


def _hmac(secret: bytes) -> Build:
    return lambda issuer: issuer.mint(alg="HS256", secret=secret)


for _name, _secret in {
    "blank": b"",
    "word": b"secret",
    "jwt-io": b"your-256-bit-secret",
    "client-id": DEFAULT_CLIENT_ID.encode(),
}.items():
    attack(f"hs256-secret-{_name}", f"HS256 keyed with {_secret!r}", "RFC 8725 §3.5", rejected(3))(
        _hmac(_secret)
    )


def _right_key(alg: str) -> Build:
    return lambda issuer: issuer.mint(alg=alg)


for _alg in ("PS256", "RS384", "RS512"):
    attack(
        f"alg-{_alg.lower()}-right-key",
        f"{_alg} signed by the issuer's own key",
        "RFC 8725 §3.1",
        rejected(3),
    )(_right_key(_alg))


@attack(
    "alg-es256-attacker-key",
    "ES256 signed by an attacker's P-256 key, its own kid",
    "RFC 8725 §3.1",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(alg="ES256", key=attacker_ec_key())


@attack(
    "alg-es256-trusted-kid", "ES256 by an attacker's key under the issuer's kid", "RFC 8725 §3.1", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(alg="ES256", key=attacker_ec_key(), header={"kid": issuer.signing_key.kid})


@attack(
    "psychic-signature", "ES256 signature r = s = 0 under the issuer's kid", "CVE-2022-21449", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), header={**issuer.header(), "alg": "ES256"}, signature=bytes(64))


def _alg_value(value: object) -> Build:
    return lambda issuer: issuer.mint(header={"alg": value})


for _name, _value in {
    "lowercase": "rs256",
    "mixed-case": "Rs256",
    "leading-space": " RS256",
    "trailing-space": "RS256 ",
    "nul-suffix": "RS256\u0000",
    "null": None,
    "array": ["RS256"],
    "object": {"RS256": True},
}.items():
    attack(
        f"alg-{_name}",
        f"alg {_value!r}, signed RS256 by the issuer's key",
        "RFC 7515 §4.1.1; RFC 8725 §3.1",
        rejected(3),
    )(_alg_value(_value))


@attack("alg-missing", "no alg member, signed RS256 by the issuer's key", "RFC 7515 §4.1.1", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(drop_header=["alg"])


@attack(
    "alg-rs256-signed-ps256",
    "header says RS256, signature is PS256 by the right key",
    "RFC 7518 §3.3",
    rejected(5),
)
def _(issuer: FakeIssuer) -> str:
    return encode_token(issuer.header(), issuer.claims(), Signer("PS256", key=issuer.signing_key))


def _duplicate_alg(first: str) -> Build:
    def build(issuer: FakeIssuer) -> str:
        kid = issuer.signing_key.kid
        return issuer.mint(raw_header=f'{{"alg":"{first}","alg":"RS256","typ":"JWT","kid":"{kid}"}}'.encode())

    return build


for _first in ("none", "HS256"):
    attack(
        f"duplicate-alg-{_first.lower()}-first",
        f'header {{"alg":"{_first}","alg":"RS256",...}} signed RS256',
        "RFC 7515 §5.2; RFC 8725 §3.1",
        rejected(2),
    )(_duplicate_alg(_first))
