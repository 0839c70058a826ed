"""Each refusal's ``error_description`` names what failed (RFC 6750 §3: "human-readable ASCII text").

For every rule of docs/validation-policy.md a request that breaks only that rule gets a description
that is one English sentence (a capital ``The`` first, a full stop last) naming the member, claim or
segment at fault, quoted as it is spelt in the token; the JSON body and the ``WWW-Authenticate``
challenge carry the same text, and it never repeats the token.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import pytest
from django.test import Client

from fake_issuer import FakeIssuer, generate_rsa_key
from tests.endpoints import PRIVATE, SCOPED

#: A case: how to build the request's token from the tenant, and the words its description must hold.
Case = tuple[Callable[[FakeIssuer], str], tuple[str, ...]]


def _segments(tenant: FakeIssuer) -> list[str]:
    return tenant.mint().split(".")


def _non_canonical(tenant: FakeIssuer) -> str:
    header, payload, signature = _segments(tenant)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return f"{header}.{payload}.{signature[:-1]}{alphabet[alphabet.index(signature[-1]) | 1]}"


def _impossible_length(tenant: FakeIssuer, index: int) -> str:
    # No byte string encodes to 4n+1 base64url characters (RFC 4648 §4): pad segment ``index`` to one.
    segments = _segments(tenant)
    segments[index] += "A" * ((1 - len(segments[index])) % 4 or 4)
    assert len(segments[index]) % 4 == 1
    return ".".join(segments)


CASES: dict[str, Case] = {
    "rule1-empty": (lambda t: "", ("no token",)),
    "rule1-two-tokens": (lambda t: f"{t.mint()} {t.mint()}", ("more than one token",)),
    "rule2-segments": (lambda t: ".".join(_segments(t)[:2]), ("three segments",)),
    "rule2-header-padding": (lambda t: "{}=.{}.{}".format(*_segments(t)), ("header", "base64url")),
    "rule2-payload-padding": (lambda t: "{}.{}=.{}".format(*_segments(t)), ("payload", "base64url")),
    "rule2-payload-length": (lambda t: _impossible_length(t, 1), ("payload", "base64url")),
    "rule2-signature-length": (lambda t: _impossible_length(t, 2), ("signature", "base64url")),
    "rule2-signature-alphabet": (lambda t: "{}.{}.{}+".format(*_segments(t)), ("signature", "base64url")),
    "rule2-signature-canonical": (_non_canonical, ("signature", "canonical")),
    # Four characters outside the alphabet keep the length valid: a lenient decoder would skip them.
    "rule2-payload-standard-alphabet": (
        lambda t: "{}.++//{}.{}".format(*_segments(t)),
        ("payload", "base64url"),
    ),
    "rule2-header-inner-padding": (lambda t: "{}====.{}.{}".format(*_segments(t)), ("header", "base64url")),
    "rule2-header-json": (lambda t: t.mint(raw_header=b"[1]"), ("header", "JSON object")),
    "rule2-payload-json": (lambda t: t.mint(payload=b"{"), ("payload", "JSON")),
    "rule2-payload-object": (lambda t: t.mint(payload=b"[]"), ("payload", "JSON object")),
    "rule3-alg": (lambda t: t.mint(header={"alg": "HS256"}), ("'alg'", "RS256")),
    "rule3-kid": (lambda t: t.mint(header={"kid": 7}), ("'kid'",)),
    "rule3-typ": (lambda t: t.mint(header={"typ": "JWS"}), ("'typ'",)),
    "rule3-jku": (lambda t: t.mint(header={"jku": "https://evil.example/"}), ("'jku'",)),
    "rule3-x5c": (lambda t: t.mint(header={"x5c": ["MIIB"]}), ("'x5c'",)),
    "rule3-unknown-kid": (lambda t: t.mint(header={"kid": "nope"}), ("'kid'", "signing key")),
    "rule5-signature": (lambda t: t.mint(key=generate_rsa_key("x", kid=t.signing_key.kid)), ("signature",)),
    "rule6-iss": (lambda t: t.mint(claims={"iss": "https://evil.example/"}), ("'iss'",)),
    "rule7-aud": (lambda t: t.mint(claims={"aud": "https://evil.example/"}), ("'aud'",)),
    "rule8-exp-missing": (lambda t: t.mint(drop=["exp"]), ("'exp'",)),
    "rule8-exp-type": (lambda t: t.mint(claims={"exp": "1"}), ("'exp'",)),
    "rule8-expired": (lambda t: t.mint(claims={"exp": int(time.time()) - 3600}), ("expired",)),
    "rule9-nbf": (lambda t: t.mint(claims={"nbf": int(time.time()) + 3600}), ("'nbf'",)),
    "rule9-nbf-type": (lambda t: t.mint(claims={"nbf": "0"}), ("'nbf'",)),
    "rule9-iat": (lambda t: t.mint(claims={"iat": int(time.time()) + 3600}), ("'iat'",)),
    "rule9-iat-type": (lambda t: t.mint(claims={"iat": "0"}), ("'iat'",)),
    "rule10-scope": (lambda t: t.mint(claims={"scope": ["read:messages"]}), ("'scope'",)),
    "rule10-sub": (lambda t: t.mint(claims={"sub": 1}), ("'sub'",)),
}

SENTENCE = re.compile(r"The [\x20-\x7e]+\.")


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_the_description_names_what_failed(
    api: Client, tenant: FakeIssuer, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, words = CASES[case]
    token = make(tenant)
    with caplog.at_level(logging.ERROR):
        response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert not caplog.records  # a refusal under a rule is expected, never an error with a traceback
    assert response.status_code == 401
    description = response.json()["error_description"]
    assert SENTENCE.fullmatch(description), description
    for word in words:  # as a word of its own: not inside a longer one
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", description), (word, description)
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="apiexample", error="invalid_token", error_description="{description}"'
    )
    assert not token or token not in description


def test_insufficient_scope_names_the_missing_scope(api: Client, tenant: FakeIssuer) -> None:
    response = api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(scope='')}")
    assert response.status_code == 403
    description = response.json()["error_description"]
    assert SENTENCE.fullmatch(description) and "'read:messages'" in description
