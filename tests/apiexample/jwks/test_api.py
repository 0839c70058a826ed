"""The JWKS client seen through the API: 200s on one fetch, rotation, floods, 503 + Retry-After.

the policy's answers: keys unavailable and none cached is a 503 with ``Retry-After`` and a JSON body, never a
500 and never a 200; with cached keys the API keeps answering. A ``kid`` the cached keys lack while
the JWKS cannot be read is a 503 too (``docs/validation-policy.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apiexample import auth
from apiexample.auth import require_auth
from apiexample.config import Auth0Config
from apiexample.jwks.client import JWKSClient
from fake_issuer import FakeIssuer
from fake_issuer.mocking import FAULTS, Fault
from tests.clocks import FakeClock, run_inline
from tests.endpoints import PRIVATE


@pytest.fixture
def clock() -> FakeClock:
    """The JWKS client's clock."""
    return FakeClock()


@pytest.fixture
def issuer(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIssuer]:
    """The default fake tenant, served in-process; the API's key source is a client on ``clock``."""

    def key_source_for(config: Auth0Config) -> JWKSClient:
        return JWKSClient(config.jwks_url, clock=clock, spawn=run_inline, failure_backoff=2)

    monkeypatch.setattr(auth, "key_source_for", key_source_for)
    require_auth.reset()
    with FakeIssuer() as tenant:
        yield tenant
    require_auth.reset()


def get(api: Client, token: str) -> Any:
    """``GET /api/private`` with ``token``."""
    return api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_200_requests_cost_one_fetch(api: Client, issuer: FakeIssuer) -> None:
    token = issuer.mint()
    statuses = {get(api, token).status_code for _ in range(200)}
    assert statuses == {200}
    assert issuer.mock.fetches == 1
    print(f"\nFIGURE fetches for 200 valid requests: {issuer.mock.fetches}")


def test_a_rotation_costs_one_refetch_then_200(api: Client, issuer: FakeIssuer, clock: FakeClock) -> None:
    old_token = issuer.mint()
    assert get(api, old_token).status_code == 200
    clock.advance(5)
    issuer.rotate()
    new_token = issuer.mint()
    assert [get(api, new_token).status_code for _ in range(10)] == [200] * 10
    assert issuer.mock.fetches == 2
    print(f"\nFIGURE fetches for one rotation: {issuer.mock.fetches - 1} (after the first fetch)")
    refused = get(api, old_token)  # its kid left the set; looking for it again is a limited refetch
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


def test_100_unknown_kids_cost_a_bounded_number_of_fetches(api: Client, issuer: FakeIssuer) -> None:
    assert get(api, issuer.mint()).status_code == 200
    forged = [issuer.mint(header={"kid": f"forged-{number}"}) for number in range(100)]
    responses = [get(api, token) for token in forged]
    assert {response.status_code for response in responses} == {401}
    assert {response.json()["error"] for response in responses} == {"invalid_token"}
    assert issuer.mock.fetches == 1 + 3  # the cold fetch, then the limiter's burst
    print(f"\nFIGURE fetches for 100 unknown kids: {issuer.mock.fetches - 1} (after the first fetch)")


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_a_cold_cache_is_a_503_with_retry_after(
    api: Client, issuer: FakeIssuer, fault: Fault
) -> None:
    issuer.mock.fail(fault)
    token = issuer.mint()
    responses = [get(api, token) for _ in range(5)]
    assert [response.status_code for response in responses] == [503] * 5
    # The first failure is retried by the next request at once; then the client backs off 2 s.
    assert [response["Retry-After"] for response in responses] == ["1", "2", "2", "2", "2"]
    assert issuer.mock.fetches == 2
    for response in responses:
        assert response["Content-Type"] == "application/json"
        assert "WWW-Authenticate" not in response
        body = response.json()
        assert set(body) == {"error", "error_description"}
        assert body["error"] == "temporarily_unavailable"
        assert body["error_description"].startswith("The token cannot be checked now: the ")


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_a_warm_cache_still_answers_200(
    api: Client, issuer: FakeIssuer, clock: FakeClock, fault: Fault
) -> None:
    token = issuer.mint()
    assert get(api, token).status_code == 200
    issuer.mock.fail(fault)
    clock.advance(3600)
    assert [get(api, token).status_code for _ in range(5)] == [200] * 5
    assert issuer.mock.fetches == 1 + 2  # the failed refresh and its immediate retry, then backing off


@pytest.mark.parametrize("fault", FAULTS)
def test_a_rotated_key_while_the_jwks_is_down_is_a_503_not_a_401(
    api: Client, issuer: FakeIssuer, clock: FakeClock, fault: Fault
) -> None:
    assert get(api, issuer.mint()).status_code == 200
    issuer.rotate()
    issuer.mock.fail(fault)
    responses = [get(api, issuer.mint()) for _ in range(3)]  # a refetch, its retry, then the backoff
    assert [response.status_code for response in responses] == [503] * 3
    assert [response["Retry-After"] for response in responses] == ["1", "2", "2"]
    assert {response.json()["error"] for response in responses} == {"temporarily_unavailable"}
    assert all("WWW-Authenticate" not in response for response in responses)
    issuer.mock.heal()
    clock.advance(2)
    assert get(api, issuer.mint()).status_code == 200  # the client keeps the token, and it works
    forged = get(api, issuer.mint(header={"kid": "forged"}))  # the JWKS was read fine: a 401 again
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged["WWW-Authenticate"]


def test_the_api_recovers_by_itself_when_the_jwks_heals(
    api: Client, issuer: FakeIssuer, clock: FakeClock
) -> None:
    token = issuer.mint()
    issuer.mock.fail("refused")
    assert get(api, token).status_code == 503
    issuer.mock.heal()
    assert get(api, token).status_code == 200  # a single failure is retried by the next request
    assert issuer.mock.fetches == 2


def test_the_api_recovers_after_the_backoff_of_a_longer_outage(
    api: Client, issuer: FakeIssuer, clock: FakeClock
) -> None:
    token = issuer.mint()
    issuer.mock.fail("refused")
    assert [get(api, token).status_code for _ in range(2)] == [503, 503]
    issuer.mock.heal()
    assert get(api, token).status_code == 503  # backing off: the tenant is not asked again yet
    clock.advance(2)
    assert get(api, token).status_code == 200
    assert issuer.mock.fetches == 3
