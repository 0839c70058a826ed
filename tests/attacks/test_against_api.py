"""The whole attack catalog against both protected endpoints (docs/validation-policy.md; RFC 6750 §3).

Each entry is answered with its expected status and ``WWW-Authenticate`` challenge, a JSON body that
never echoes the token, never a 5xx, within a bound that only a hang exceeds, and without any request
but the tenant's own JWKS (a ``jku`` or ``x5u`` the token names is never fetched).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.test import Client, override_settings

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from fake_issuer.attacks import CATALOG, ENDPOINTS, Attack, Endpoint, Outcome
from fake_issuer.attacks.forgery import ATTACKER_JWKS_URL, ATTACKER_ORIGIN
from fake_issuer.policy.contract import BEARER, Scheme, challenge_matches
from fake_issuer.policy.dpop import ORIGIN
from fake_issuer.policy.oracle import Policy
from tests.endpoints import MESSAGES, PRIVATE, SCOPED

PATHS: dict[Endpoint, str] = {"private": PRIVATE, "scoped": SCOPED}
#: The policy's challenges, written from the contract rather than imported from the code under test.
BARE_CHALLENGE = 'Bearer realm="apiexample"'
SCOPE_CHALLENGE = 'Bearer realm="apiexample", error="insufficient_scope", scope="read:messages"'
#: The realm and scope those challenges name; the contract checker derives every challenge from them.
CONTRACT = Policy(DEFAULT_ISSUER, DEFAULT_AUDIENCE, {}, required_scope="read:messages", realm="apiexample")
#: Seconds: far beyond any honest answer on a loaded machine; only a hang or a runaway parse exceeds it.
HANG_BOUND = 15.0


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every URL the code under test requests through ``requests``, whether or not a mock answers it."""
    urls: list[str] = []
    send = requests.Session.send

    def recording_send(
        session: requests.Session, request: requests.PreparedRequest, **kwargs: object
    ) -> object:
        urls.append(str(request.url))
        return send(session, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "send", recording_send)
    yield urls


def check_challenge(response_challenge: str | None, expected: Outcome, scheme: Scheme = BEARER) -> None:
    """Assert the ``WWW-Authenticate`` value the policy owes ``expected`` (``contract.challenge_matches``)."""
    assert challenge_matches(expected, response_challenge, CONTRACT, scheme), (
        f"{response_challenge!r} is not the challenge owed for {expected}"
    )


def echoed(token: str | None, text: str) -> bool:
    """Whether ``text`` repeats ``token`` or any of its segments (the policy: never echo the token)."""
    return token is not None and any(
        len(piece) >= 16 and piece in text for piece in (token, *token.split("."))
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.id)
def test_attack_gets_the_expected_answer(
    api: Client,
    tenant: FakeIssuer,
    outbound: list[str],
    caplog: pytest.LogCaptureFixture,
    entry: Attack,
    endpoint: Endpoint,
) -> None:
    request = entry.request(tenant)
    headers = dict(request.headers)
    if request.authorization is not None:
        headers["Authorization"] = request.authorization
    if request.dpop is not None and request.dpop("GET", ORIGIN + PATHS[endpoint]):
        # Several DPoP headers reach a WSGI application joined by commas (RFC 9110 §5.3).
        headers["DPoP"] = ", ".join(request.dpop("GET", ORIGIN + PATHS[endpoint]))
    config = dataclasses.replace(settings.AUTH0, **request.settings)  # type: ignore[arg-type]
    with override_settings(AUTH0=config):
        if request.replay:
            first = api.get(PATHS[endpoint], dict(request.query), headers=headers)
            assert first.status_code == 200, first.content[:500]
        started = time.perf_counter()
        response = api.get(PATHS[endpoint], dict(request.query), headers=headers)
        elapsed = time.perf_counter() - started
    expected = entry.expected.on(endpoint)

    assert response.status_code < 500, response.content[:500]
    assert response.status_code == expected.status, response.content[:500]
    check_challenge(response.get("WWW-Authenticate"), expected, entry.expected.scheme)
    assert expected.error != "use_dpop_nonce" or response.get("DPoP-Nonce")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if expected.status == 200:
        assert body == {"message": MESSAGES[PATHS[endpoint]]}
    else:
        assert set(body) == {"error", "error_description"}
        assert expected.error is None or body["error"] == expected.error
        assert not echoed(request.token, response.content.decode())
    assert elapsed < HANG_BOUND
    # A rejection must come from a named rule; an ERROR log means the fail-closed catch-all answered.
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert set(outbound) <= {tenant.jwks_url}
    assert not any(url.startswith(ATTACKER_ORIGIN) for url in outbound)
    assert all(recorded.url == tenant.jwks_url for recorded in tenant.mock.requests)


def test_echoed_spots_a_token_or_one_of_its_segments() -> None:
    token = FakeIssuer().mint()
    assert echoed(token, f'{{"error_description": "bad {token.split(".")[1]}"}}')
    assert not echoed(token, '{"error_description": "The token\'s signature does not verify."}')
    assert not echoed(None, token)


def test_outbound_records_a_fetch_that_the_mock_refuses(tenant: FakeIssuer, outbound: list[str]) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get(ATTACKER_JWKS_URL, timeout=1)
    assert outbound == [ATTACKER_JWKS_URL]


@pytest.mark.parametrize(
    ("challenge", "outcome"),
    [
        (None, Outcome(200)),
        (BARE_CHALLENGE, Outcome(401)),
        (SCOPE_CHALLENGE, Outcome(403, "insufficient_scope")),
        (
            'Bearer realm="apiexample", error="invalid_token", error_description="The token has expired."',
            Outcome(401, "invalid_token"),
        ),
    ],
)
def test_check_challenge_accepts_the_forms_design_owes(challenge: str | None, outcome: Outcome) -> None:
    check_challenge(challenge, outcome)


@pytest.mark.parametrize(
    ("challenge", "outcome"),
    [
        (None, Outcome(401)),
        ('Bearer realm="elsewhere"', Outcome(401)),
        (BARE_CHALLENGE, Outcome(401, "invalid_token")),
        (
            'Bearer realm="apiexample", error="invalid_token", error_description=""',
            Outcome(401, "invalid_token"),
        ),
        (
            'Bearer realm="apiexample", error="invalid_request", error_description="x"',
            Outcome(401, "invalid_token"),
        ),
        (SCOPE_CHALLENGE.replace("read:messages", "read"), Outcome(403, "insufficient_scope")),
        (BARE_CHALLENGE, Outcome(200)),
    ],
)
def test_check_challenge_refuses_any_other_form(challenge: str | None, outcome: Outcome) -> None:
    with pytest.raises(AssertionError):
        check_challenge(challenge, outcome)
