"""``Authorization`` header tricks around a genuine token (RFC 6750 §2.1, §2.3, §3.1; RFC 9110 §11).

Policy rule 1 as the lead settled it: no header or another scheme is "no credentials" (401, bare
challenge); the scheme is case-insensitive; the whole value is trimmed of spaces and tabs; it splits at
the first space; an empty token or several space-separated ones are ``invalid_token``.
"""

from __future__ import annotations

from collections.abc import Callable

from fake_issuer.attacks.catalog import Build, Request, accepted, attack, no_credentials, rejected
from fake_issuer.issuer import FakeIssuer


def _header(make: Callable[[str], str]) -> Build:
    def build(issuer: FakeIssuer) -> Request:
        token = issuer.mint()
        return Request(make(token), token=token)

    return build


def _constant(value: str | None) -> Build:
    return lambda issuer: Request(value)


attack("authorization-missing", "no Authorization header", "RFC 6750 §3.1", no_credentials())(_constant(None))
attack("authorization-empty", "an empty Authorization value", "RFC 6750 §3.1", no_credentials())(
    _constant("")
)
attack("authorization-space", "an Authorization value of one space", "RFC 6750 §3.1", no_credentials())(
    _constant(" ")
)

_OTHER_SCHEMES: dict[str, tuple[str, Callable[[str], str]]] = {
    "basic": ("RFC 7617 §2", lambda token: f"Basic {token}"),
    "token": ("RFC 9110 §11.4", lambda token: f"Token {token}"),
    "jwt": ("RFC 9110 §11.4", lambda token: f"JWT {token}"),
    "bearer-colon": ("RFC 9110 §11.4", lambda token: f"Bearer: {token}"),
    "no-space": ("RFC 6750 §2.1", lambda token: f"Bearer{token}"),
    "tab-after-scheme": ("RFC 6750 §2.1", lambda token: f"Bearer\t{token}"),
    "newline-after-scheme": ("RFC 6750 §2.1", lambda token: f"Bearer\n{token}"),
    "vertical-tab": ("RFC 6750 §2.1", lambda token: f"Bearer\x0b{token}"),
    "no-break-space": ("RFC 6750 §2.1", lambda token: f"Bearer\u00a0{token}"),
}
for _name, (_reference, _make) in _OTHER_SCHEMES.items():
    attack(
        f"scheme-{_name}",
        f"genuine token, scheme written {_make('T')!r}: another scheme",
        _reference,
        no_credentials(),
    )(_header(_make))

_ACCEPTED: dict[str, tuple[str, Callable[[str], str]]] = {
    "lower-case": ("RFC 9110 §11.1", lambda token: f"bearer {token}"),
    "upper-case": ("RFC 9110 §11.1", lambda token: f"BEARER {token}"),
    "two-spaces": ("RFC 6750 §2.1; RFC 9110 §11.4", lambda token: f"Bearer  {token}"),
    "surrounding-whitespace": ("RFC 9110 §5.5", lambda token: f"  Bearer {token} \t"),
    "trailing-tab": ("RFC 9110 §5.5", lambda token: f"Bearer {token}\t"),
    "many-spaces": ("RFC 6750 §2.1; RFC 9110 §11.4", lambda token: "Bearer" + " " * 100_000 + token),
}
for _name, (_reference, _make) in _ACCEPTED.items():
    attack(
        f"bearer-{_name}", f"genuine token as {_make('T')[:24]!r}: must keep working", _reference, accepted()
    )(_header(_make))

_MALFORMED: dict[str, tuple[int, str, Callable[[str], str]]] = {
    "alone": (1, "RFC 6750 §2.1", lambda token: "Bearer"),
    "space-only": (1, "RFC 6750 §2.1", lambda token: "Bearer "),
    "spaces-only": (1, "RFC 6750 §2.1", lambda token: "Bearer     "),
    "two-tokens": (1, "RFC 6750 §2.1", lambda token: f"Bearer {token} {token}"),
    "scheme-twice": (1, "RFC 6750 §2.1", lambda token: f"Bearer Bearer {token}"),
    "comma-joined": (2, "RFC 6750 §2.1", lambda token: f"Bearer {token},{token}"),
    "two-credentials": (1, "RFC 9110 §5.3", lambda token: f"Bearer {token}, Bearer {token}"),
    "then-basic": (1, "RFC 9110 §5.3", lambda token: f"Bearer {token}, Basic dXNlcjpwYXNz"),
    "tab-before-token": (2, "RFC 6750 §2.1", lambda token: f"Bearer \t{token}"),
    "nul-after-token": (2, "RFC 9110 §5.5", lambda token: f"Bearer {token}\x00"),
    "crlf-injection": (1, "RFC 9110 §5.5", lambda token: f"Bearer {token}\r\nX-Scope: read:messages"),
    "quoted-token": (2, "RFC 6750 §2.1", lambda token: f'Bearer "{token}"'),
    "auth-param": (2, "RFC 6750 §2.1", lambda token: f"Bearer access_token={token}"),
    "non-ascii": (2, "RFC 6750 §2.1", lambda token: f"Bearer {token}\u00e9"),
    "trailing-dot": (2, "RFC 7515 §7.1", lambda token: f"Bearer {token}."),
    "string-appended": (5, "api-quickstarts-tests", lambda token: f"Bearer {token}string"),
    "huge-garbage": (2, "RFC 9110 §5.4", lambda token: "Bearer " + "a" * 1_000_000),
    "huge-many-tokens": (1, "RFC 9110 §5.4", lambda token: "Bearer " + " ".join([token[:20]] * 100_000)),
}
for _name, (_rule, _reference, _make) in _MALFORMED.items():
    attack(f"bearer-{_name}", f"Authorization {_make('T')[:40]!r}", _reference, rejected(_rule))(
        _header(_make)
    )


@attack(
    "query-only", "genuine token only as ?access_token=, no header", "RFC 6750 §2.3, §5.3", no_credentials()
)
def _(issuer: FakeIssuer) -> Request:
    token = issuer.mint()
    return Request(None, query={"access_token": token}, token=token)


@attack(
    "query-and-empty-bearer",
    "genuine token in the query, 'Bearer' alone in the header",
    "RFC 6750 §2.3",
    rejected(1),
)
def _(issuer: FakeIssuer) -> Request:
    token = issuer.mint()
    return Request("Bearer", query={"access_token": token}, token=token)


@attack(
    "proxy-authorization", "genuine token in Proxy-Authorization only", "RFC 9110 §11.7.1", no_credentials()
)
def _(issuer: FakeIssuer) -> Request:
    token = issuer.mint()
    return Request(None, headers={"Proxy-Authorization": f"Bearer {token}"}, token=token)
