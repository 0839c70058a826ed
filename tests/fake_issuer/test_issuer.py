"""FakeIssuer: Auth0-shaped defaults, overrides, keys, and the in-process JWKS (README, the fake issuer)."""

from __future__ import annotations

import json

import pytest
import requests

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from fake_issuer.cli import main as cli_main
from fake_issuer.encoding import b64url_decode
from fake_issuer.keys import generate_rsa_key


def parts(token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = token.split(".")
    return decode_segment(header), decode_segment(payload)


def decode_segment(segment: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(b64url_decode(segment))
    return decoded


def test_default_token_is_auth0_shaped() -> None:
    issuer = FakeIssuer(clock=lambda: 1_700_000_000.7)
    header, claims = parts(issuer.mint())
    assert header == {"alg": "RS256", "typ": "JWT", "kid": issuer.signing_key.kid}
    assert claims == {
        "iss": DEFAULT_ISSUER,
        "sub": f"{issuer.client_id}@clients",
        "aud": [DEFAULT_AUDIENCE, DEFAULT_ISSUER + "userinfo"],
        "iat": 1_700_000_000,
        "exp": 1_700_086_400,
        "azp": issuer.client_id,
        "scope": "read:messages",
        "gty": "client-credentials",
    }


def test_overrides_drops_and_any_json_type() -> None:
    issuer = FakeIssuer()
    header, claims = parts(
        issuer.mint(
            scope=None,
            claims={"aud": 5, "exp": "soon", "extra": {"nested": [None]}},
            drop=["sub", "not-there"],
            header={"typ": "at+jwt", "x": [1]},
            drop_header=["kid"],
            now=100,
        )
    )
    assert "scope" not in claims and "sub" not in claims
    assert (claims["aud"], claims["exp"], claims["extra"], claims["iat"]) == (
        5,
        "soon",
        {"nested": [None]},
        100,
    )
    assert header == {"alg": "RS256", "typ": "at+jwt", "x": [1]}


def test_urls_derive_from_the_issuer_with_auth0s_trailing_slash() -> None:
    issuer = FakeIssuer("https://tenant.example")
    assert issuer.issuer == "https://tenant.example/"
    assert issuer.jwks_url == "https://tenant.example/.well-known/jwks.json"
    assert issuer.token_url == "https://tenant.example/oauth/token"
    assert issuer.userinfo_url == "https://tenant.example/userinfo"
    assert "https://tenant.example/" in repr(issuer)


def test_keys_add_remove_rotate() -> None:
    issuer = FakeIssuer("https://keys.example/", keys=2)
    first, second = issuer.keys
    assert issuer.signing_key is second
    added = issuer.add_key(kid="chosen")
    assert added.kid == "chosen" and issuer.signing_key is second
    issuer.remove_key(first)
    assert [k["kid"] for k in issuer.jwks()["keys"]] == [second.kid, "chosen"]
    rotated = issuer.rotate()
    assert issuer.keys == [rotated] and issuer.signing_key is rotated
    assert rotated.kid not in (first.kid, second.kid)


def test_given_keys_and_an_issuer_without_published_keys() -> None:
    key = generate_rsa_key("given")
    assert FakeIssuer(keys=[key]).signing_key is key
    empty = FakeIssuer("https://empty.example/", keys=0)
    assert empty.jwks() == {"keys": []}
    assert empty.signing_key.kid  # signs with an unpublished key


def test_other_tenants_get_other_keys() -> None:
    assert (
        FakeIssuer("https://a.example/").signing_key.kid != FakeIssuer("https://b.example/").signing_key.kid
    )


def test_jwks_served_in_process_and_following_key_changes() -> None:
    with FakeIssuer() as issuer:
        assert requests.get(issuer.jwks_url, timeout=1).json() == issuer.jwks()
        new = issuer.add_key()
        kids = [k["kid"] for k in requests.get(issuer.jwks_url, timeout=1).json()["keys"]]
        assert new.kid in kids
        assert issuer.mock.fetches == 2
        assert [r.method for r in issuer.mock.requests] == ["GET", "GET"]
        assert "fetches=2" in repr(issuer.mock)
        with pytest.raises(requests.ConnectionError):
            requests.get("https://fake-tenant.auth0.test/other", timeout=1)  # only the JWKS is served


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("status", lambda r: r.status_code == 500),
        ("garbage", lambda r: r.headers["Content-Type"] == "text/html"),
        ("empty", lambda r: r.json() == {"keys": []}),
    ],
)
def test_answering_faults(fault: str, check: object) -> None:
    with FakeIssuer() as issuer:
        issuer.mock.fail(fault)  # type: ignore[arg-type]
        assert check(requests.get(issuer.jwks_url, timeout=1))  # type: ignore[operator]
        issuer.mock.heal()
        assert requests.get(issuer.jwks_url, timeout=1).json() == issuer.jwks()


@pytest.mark.parametrize(
    ("fault", "error"), [("refused", requests.ConnectionError), ("timeout", requests.Timeout)]
)
def test_raising_faults(fault: str, error: type[Exception]) -> None:
    with FakeIssuer() as issuer:
        issuer.mock.fail(fault)  # type: ignore[arg-type]
        with pytest.raises(error):
            requests.get(issuer.jwks_url, timeout=1)


def test_unknown_fault_is_refused() -> None:
    with FakeIssuer() as issuer, pytest.raises(ValueError, match="unknown fault"):
        issuer.mock.fail("gremlins")  # type: ignore[arg-type]


def test_start_stop_as_plain_calls() -> None:
    issuer = FakeIssuer()
    with pytest.raises(RuntimeError, match="not being served"):
        _ = issuer.mock
    mock = issuer.start()
    assert issuer.start() is mock  # idempotent
    assert requests.get(issuer.jwks_url, timeout=1).status_code == 200
    issuer.stop()
    issuer.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = issuer.mock


def test_cli_jwks_prints_public_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["jwks", "--issuer", "https://cli.example/"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == FakeIssuer("https://cli.example/").jwks()
