"""Claim attacks: registered claims of the wrong JSON type, missing or out of time (RFC 7519 §4.1),
``iss`` and ``aud`` confusion (RFC 7519 §4.1.1, §4.1.3, §7.3; RFC 8725 §3.8, §3.9), tokens of another
kind (RFC 8725 §3.12), Unicode look-alikes, and ``scope`` parsing (RFC 6749 §3.3; RFC 9068 §2.2.3).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fake_issuer.attacks.catalog import Build, accepted, attack, rejected, scope_denied
from fake_issuer.issuer import FakeIssuer

Value = Callable[[FakeIssuer], object]


def _replace(claim: str, value: Value) -> Build:
    return lambda issuer: issuer.mint(claims={claim: value(issuer)})


def _drop(claim: str) -> Build:
    return lambda issuer: issuer.mint(drop=[claim])


def _scope(scope: str | None) -> Build:
    return lambda issuer: issuer.mint(scope=scope)


def _genuine(claim: str, issuer: FakeIssuer) -> object:
    claims = {**issuer.claims(), "nbf": int(issuer.clock()) - 10, "aud": issuer.audience}
    return claims[claim]


#: Each wrong JSON type, built from the claim's genuine value where the type can hold it.
_RETYPINGS: dict[str, Callable[[object], object]] = {
    "number": lambda value: 1,
    "bool": lambda value: True,
    "null": lambda value: None,
    "array": lambda value: [value],
    "object": lambda value: {"value": value},
    "string": lambda value: str(value),
}
_WRONG_TYPES = {
    "iss": ("number", "bool", "null", "object"),  # iss arrays: CVE-2025-30144 entries below
    "aud": ("number", "bool", "null", "object"),  # aud arrays are allowed; nested ones below
    "exp": ("string", "bool", "null", "array", "object"),
    "nbf": ("string", "bool", "null", "array", "object"),
    "iat": ("string", "bool", "null", "array", "object"),
    "sub": ("number", "bool", "null", "array", "object"),
    "scope": ("number", "bool", "null", "array", "object"),
}
_RULES = {"iss": 6, "aud": 7, "exp": 8, "nbf": 9, "iat": 9, "sub": 10, "scope": 10}


def _retyped(claim: str, kind: str) -> Build:
    return _replace(claim, lambda issuer: _RETYPINGS[kind](_genuine(claim, issuer)))


for _claim, _kinds in _WRONG_TYPES.items():
    for _kind in _kinds:
        attack(
            f"{_claim}-{_kind}",
            f"{_claim} of JSON type {_kind} (holding the genuine value if it can)",
            "RFC 7519 §4.1",
            rejected(_RULES[_claim]),
        )(_retyped(_claim, _kind))

for _claim in ("exp", "iss", "aud"):
    attack(
        f"{_claim}-missing",
        f"no {_claim} claim, signed by the issuer",
        "RFC 7519 §4.1",
        rejected(_RULES[_claim]),
    )(_drop(_claim))
for _claim in ("iat", "sub"):
    attack(
        f"{_claim}-missing", f"no {_claim} claim: optional, must keep working", "RFC 7519 §4.1", accepted()
    )(_drop(_claim))

_JTI_WRONG_TYPES: dict[str, object] = {
    "number": 1,
    "bool": True,
    "null": None,
    "array": ["jti-1"],
    "object": {"jti": "jti-1"},
}


def _constant(value: object) -> Value:
    return lambda issuer: value


for _kind, _jti in _JTI_WRONG_TYPES.items():
    attack(
        f"jti-{_kind}", f"jti of JSON type {_kind}, signed by the issuer", "RFC 7519 §4.1.7", rejected(10)
    )(_replace("jti", _constant(_jti)))
attack("jti-string", "jti a string: optional, must keep working", "RFC 7519 §4.1.7", accepted())(
    _replace("jti", _constant("c2b6e0f3-jti"))
)


def _relative(claim: str, offset: int) -> Build:
    return _replace(claim, lambda issuer: int(issuer.clock()) + offset)


attack("exp-passed", "exp an hour ago", "RFC 7519 §4.1.4", rejected(8))(_relative("exp", -3600))
attack("exp-beyond-leeway", "exp 61 s ago, past the 60 s leeway", "RFC 7519 §4.1.4", rejected(8))(
    _relative("exp", -61)
)
attack("exp-within-leeway", "exp 30 s ago, within the 60 s leeway: accepted", "RFC 7519 §4.1.4", accepted())(
    _relative("exp", -30)
)
attack(
    "exp-at-leeway-edge", "exp exactly 60 s ago: now < exp + leeway fails", "RFC 7519 §4.1.4", rejected(8)
)(_relative("exp", -60))
attack(
    "nbf-at-leeway-edge", "nbf exactly 60 s ahead: now >= nbf - leeway holds", "RFC 7519 §4.1.5", accepted()
)(_relative("nbf", 60))
attack(
    "iat-at-leeway-edge", "iat exactly 60 s ahead: iat <= now + leeway holds", "RFC 7519 §4.1.6", accepted()
)(_relative("iat", 60))
attack("exp-fractional", "exp an hour ahead with a fraction of a second", "RFC 7519 §2", accepted())(
    _replace("exp", lambda issuer: issuer.clock() + 3600.5)
)
attack("exp-zero", "exp 0, the epoch", "RFC 7519 §4.1.4", rejected(8))(_replace("exp", lambda issuer: 0))
attack("nbf-future", "nbf an hour ahead", "RFC 7519 §4.1.5", rejected(9))(_relative("nbf", 3600))
attack("nbf-within-leeway", "nbf 30 s ahead, within the leeway: accepted", "RFC 7519 §4.1.5", accepted())(
    _relative("nbf", 30)
)
attack("iat-future", "iat an hour ahead", "RFC 7519 §4.1.6", rejected(9))(_relative("iat", 3600))

ATTACKER_ISSUER = "https://attacker.example/"
_ISSUERS: dict[str, tuple[str, Value]] = {
    "array": ("CVE-2025-30144", lambda issuer: [issuer.issuer]),
    "array-attacker-first": ("CVE-2025-30144", lambda issuer: [ATTACKER_ISSUER, issuer.issuer]),
    "array-attacker-last": ("CVE-2025-30144", lambda issuer: [issuer.issuer, ATTACKER_ISSUER]),
    "substring": ("CVE-2024-53861", lambda issuer: "fake-tenant"),
    "empty": ("CVE-2024-53861", lambda issuer: ""),
    "no-trailing-slash": ("CVE-2024-53861", lambda issuer: issuer.issuer.rstrip("/")),
    "path-suffix": ("RFC 7519 §7.3", lambda issuer: issuer.issuer + "attacker/"),
    "host-suffix": ("RFC 7519 §7.3", lambda issuer: issuer.issuer.rstrip("/") + ".attacker.example/"),
    "upper-case": ("RFC 7519 §7.3", lambda issuer: issuer.issuer.upper()),
    "trailing-space": ("RFC 7519 §7.3", lambda issuer: issuer.issuer + " "),
    "http": ("RFC 7519 §7.3", lambda issuer: issuer.issuer.replace("https:", "http:")),
    "cyrillic-a": ("RFC 7519 §7.3; UTS #39", lambda issuer: issuer.issuer.replace("a", "\u0430", 1)),
    "fullwidth-h": ("RFC 7519 §7.3; UTS #39", lambda issuer: issuer.issuer.replace("h", "\uff48", 1)),
    "zero-width": ("RFC 7519 §7.3; UTS #39", lambda issuer: issuer.issuer.replace("//", "//\u200b", 1)),
}
for _name, (_reference, _value) in _ISSUERS.items():
    attack(
        f"iss-{_name}",
        f"iss {_name.replace('-', ' ')}, signed by the issuer",
        f"RFC 7519 §4.1.1; {_reference}",
        rejected(6),
    )(_replace("iss", _value))

_AUDIENCES: dict[str, tuple[str, Value]] = {
    "nested-array": ("CVE-2020-26160", lambda issuer: [[issuer.audience]]),
    "array-with-nested": ("CVE-2020-26160", lambda issuer: [issuer.audience, [issuer.audience]]),
    "array-with-number": ("RFC 7519 §4.1.3", lambda issuer: [issuer.audience, 1]),
    "array-with-null": ("RFC 7519 §4.1.3", lambda issuer: [issuer.audience, None]),
    "empty-array": ("RFC 7519 §4.1.3", lambda issuer: []),
    "empty": ("RFC 7519 §4.1.3", lambda issuer: ""),
    "prefix": ("RFC 7519 §7.3", lambda issuer: issuer.audience.rsplit("/", 1)[0]),
    "trailing-slash": ("RFC 7519 §7.3", lambda issuer: issuer.audience + "/"),
    "json-in-string": ("RFC 7519 §4.1.3", lambda issuer: json.dumps([issuer.audience])),
    "userinfo-only": ("RFC 8725 §3.9", lambda issuer: issuer.userinfo_url),
    "wildcard": ("RFC 8725 §3.9", lambda issuer: "*"),
    "other-api": ("RFC 8725 §3.9", lambda issuer: "https://other-api.test/api"),
    "cyrillic-a": ("RFC 7519 §7.3; UTS #39", lambda issuer: issuer.audience.replace("a", "\u0430", 1)),
}
for _name, (_reference, _value) in _AUDIENCES.items():
    attack(f"aud-{_name}", f"aud {_name.replace('-', ' ')}, signed by the issuer", _reference, rejected(7))(
        _replace("aud", _value)
    )
attack("aud-string", "aud the audience as a plain string: accepted", "RFC 7519 §4.1.3", accepted())(
    _replace("aud", lambda issuer: issuer.audience)
)
attack("aud-array-other-first", "aud [other API, audience]: accepted", "RFC 7519 §4.1.3", accepted())(
    _replace("aud", lambda issuer: ["https://other-api.test/api", issuer.audience])
)


@attack(
    "id-token",
    "an ID token of the same tenant (aud = client id, nonce, email)",
    "RFC 8725 §3.12; OpenID Connect Core §2",
    rejected(7),
)
def _(issuer: FakeIssuer) -> str:
    claims = {
        "sub": "auth0|0123456789",
        "aud": issuer.client_id,
        "nonce": "n-0S6_WzA2Mj",
        "email": "a@example.com",
    }
    return issuer.mint(scope=None, claims=claims, drop=["gty"])


@attack("id-token-array-aud", "an ID token whose aud is [client id]", "RFC 8725 §3.12", rejected(7))
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(
        scope=None, claims={"sub": "auth0|0123456789", "aud": [issuer.client_id], "nonce": "n"}
    )


_DENIED_SCOPES = {
    "tab-separated": "openid\tread:messages",
    "comma-separated": "openid,read:messages",
    "newline-separated": "openid\nread:messages",
    "upper-case": "READ:MESSAGES",
    "longer": "read:messages:all",
    "shorter": "read:message",
    "quoted": '"read:messages"',
    "empty": "",
    "cyrillic-e": "read:messag\u0435s",
    "fullwidth-colon": "read\uff1amessages",
}
for _name, _scope_value in _DENIED_SCOPES.items():
    attack(
        f"scope-{_name}",
        f"scope {_scope_value!r}: read:messages not granted",
        "RFC 6749 §3.3",
        scope_denied(),
    )(_scope(_scope_value))
attack(
    "scope-missing", "no scope claim: valid, read:messages not granted", "RFC 9068 §2.2.3", scope_denied()
)(_scope(None))
attack("scope-leading-space", "scope ' read:messages': granted", "RFC 6749 §3.3", accepted())(
    _scope(" read:messages")
)
attack("scope-double-space", "scope 'openid  read:messages': granted", "RFC 6749 §3.3", accepted())(
    _scope("openid  read:messages")
)


@attack(
    "permissions-only",
    "no scope, RBAC permissions [read:messages] (opt-in is off)",
    "RFC 9068 §2.2.3",
    scope_denied(),
)
def _(issuer: FakeIssuer) -> str:
    return issuer.mint(scope=None, claims={"permissions": ["read:messages"]})
