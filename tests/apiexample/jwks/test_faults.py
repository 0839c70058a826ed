"""The JWKS client when the tenant misbehaves: fail closed when cold, stale-if-error when warm, recover.

RFC 5861 §4 (stale-if-error) bounded by ``max_stale``; RFC 9110 §10.2.3 (``Retry-After``).
"""

from __future__ import annotations

import logging
import re
import threading

import pytest

from apiexample.jwks.client import JWKSClient, KeysUnavailable, UnknownKeyId
from fake_issuer import FakeIssuer
from fake_issuer.mocking import FAULTS, Fault
from tests.clocks import FakeClock, run_inline

#: What a 503's error_description may carry: it is quoted in no header, but kept plain anyway.
SAFE_REASON = re.compile(r"[ -!#-\[\]-~]+")


def client_for(issuer: FakeIssuer, clock: FakeClock, **policy: float) -> JWKSClient:
    """A client of ``issuer``'s JWKS on ``clock``, fetching in the calling thread."""
    return JWKSClient(issuer.jwks_url, clock=clock, spawn=run_inline, **policy)  # type: ignore[arg-type]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_cold_cache_with_a_faulty_jwks_is_unavailable(fault: Fault) -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        issuer.mock.fail(fault)
        client = client_for(issuer, clock, failure_backoff=4)
        with pytest.raises(KeysUnavailable) as first:
            client.get_key(issuer.signing_key.kid)
        with pytest.raises(KeysUnavailable) as second:  # a first failure is retried at once
            client.get_key(issuer.signing_key.kid)
        with pytest.raises(KeysUnavailable) as third:  # then the client backs off
            client.get_key(issuer.signing_key.kid)
        assert issuer.mock.fetches == 2
    assert SAFE_REASON.fullmatch(first.value.reason)
    assert (first.value.retry_after, second.value.retry_after, third.value.retry_after) == (1, 4, 4)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_warm_cache_keeps_serving_its_keys_through_a_fault(fault: Fault) -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600, max_stale=3600)
        kid = issuer.signing_key.kid
        key = client.get_key(kid)
        issuer.mock.fail(fault)
        clock.advance(600)
        assert client.get_key(kid) is key
        assert issuer.mock.fetches == 2
        # A kid the stale set lacks, with the JWKS unreadable: nobody can tell it is forged, so 503.
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key("forged")
        assert SAFE_REASON.fullmatch(caught.value.reason) and caught.value.retry_after >= 1
        assert client.get_key(kid) is key


def test_stale_keys_serve_no_longer_than_max_stale() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600, max_stale=3600)
        kid = issuer.signing_key.kid
        client.get_key(kid)
        issuer.mock.fail("status")
        clock.advance(600 + 3599)
        client.get_key(kid)
        clock.advance(1)
        with pytest.raises(KeysUnavailable, match="HTTP 500"):
            client.get_key(kid)


def test_keys_past_max_stale_do_not_serve_while_their_refetch_is_in_flight() -> None:
    # Stale keys serve up to max_stale past the TTL (the window ends at 600 + 3600 s, as above), and
    # not a moment longer because a refetch has started: the request waits for it, and it fails.
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600, max_stale=3600)
        kid = issuer.signing_key.kid
        client.get_key(kid)
        issuer.mock.fail("status")
        client._spawn = lambda work: threading.Timer(0.2, work).start()  # still in flight when asked
        clock.advance(600 + 3600)
        with pytest.raises(KeysUnavailable, match="HTTP 500"):
            client.get_key(kid)


def test_retries_back_off_while_the_jwks_is_down_and_recover_when_it_heals() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, failure_backoff=1, max_failure_backoff=8)
        kid = issuer.signing_key.kid
        issuer.mock.fail("refused")
        retry_afters = []
        for _ in range(6):
            for _ in range(20):  # a burst of requests between two attempts costs no fetch
                with pytest.raises(KeysUnavailable) as caught:
                    client.get_key(kid)
            retry_afters.append(caught.value.retry_after)
            clock.advance(caught.value.retry_after)
        assert retry_afters == [1, 2, 4, 8, 8, 8]
        assert issuer.mock.fetches == 2 + 5  # a failure and its immediate retry, then one per round
        issuer.mock.heal()
        client.get_key(kid)
        assert issuer.mock.fetches == 8
        issuer.mock.fail("refused")  # a success resets the backoff
        clock.advance(600)
        for _ in range(3):
            client.get_key(kid)
        assert issuer.mock.fetches == 10
        clock.advance(1)
        client.get_key(kid)
        assert issuer.mock.fetches == 11


def test_a_warm_cache_retries_on_later_requests_and_picks_up_the_healed_set() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600, failure_backoff=5)
        old = issuer.signing_key
        client.get_key(old.kid)
        issuer.mock.fail("timeout")
        clock.advance(600)
        for _ in range(3):
            client.get_key(old.kid)
        assert issuer.mock.fetches == 3
        new = issuer.rotate()
        issuer.mock.heal()
        clock.advance(5)
        with pytest.raises(UnknownKeyId):
            client.get_key(old.kid)
        client.get_key(new.kid)
        assert issuer.mock.fetches == 4


def test_an_unknown_kid_whose_refetch_fails_is_a_503_and_the_fresh_set_keeps_serving() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, failure_backoff=4)
        kid = issuer.signing_key.kid
        key = client.get_key(kid)
        issuer.mock.fail("garbage")
        caught = []
        for number in range(3):  # a failed refetch, its immediate retry, then the backoff holds
            with pytest.raises(KeysUnavailable) as error:
                client.get_key(f"forged-{number}")
            caught.append(error.value)
        assert issuer.mock.fetches == 3
        assert [error.reason for error in caught] == ["the JWKS is not a JSON JWK Set"] * 3
        assert [error.retry_after for error in caught] == [1, 4, 4]
        assert client.get_key(kid) is key
        issuer.mock.heal()
        clock.advance(4)
        with pytest.raises(UnknownKeyId):  # the JWKS is read fine again: an unknown kid is a 401
            client.get_key("forged-3")
        for number in range(4, 10):
            with pytest.raises(UnknownKeyId):  # the limiter holds with the JWKS healthy: still a 401
                client.get_key(f"forged-{number}")
        assert issuer.mock.fetches == 4


def test_an_unknown_kid_while_the_limiter_holds_after_a_failure_is_a_503() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, refetch_burst=1, failure_backoff=1)
        client.get_key(issuer.signing_key.kid)
        issuer.mock.fail("status")
        with pytest.raises(KeysUnavailable):
            client.get_key("forged-0")  # spends the only refetch token, and fails
        clock.advance(5)  # past the backoff, but the limiter has no token yet
        with pytest.raises(KeysUnavailable, match="HTTP 500"):
            client.get_key("forged-1")
        assert issuer.mock.fetches == 2


def test_fetches_log_one_info_line_and_failures_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="apiexample.jwks.client")
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        client.get_key(issuer.signing_key.kid)
        issuer.mock.fail("status")
        clock.advance(600)
        client.get_key(issuer.signing_key.kid)
    (fetched, failed) = caplog.records
    assert fetched.levelno == logging.INFO
    assert re.fullmatch(
        re.escape(f"JWKS fetched from {issuer.jwks_url}: status 200, 1 usable keys, ") + r"\d+ ms, 0 waiting",
        fetched.getMessage(),
    )
    assert failed.levelno == logging.WARNING
    assert failed.getMessage().startswith(
        f"JWKS fetch from {issuer.jwks_url} failed: the JWKS URL answered HTTP 500 (status 500, "
    )
    assert failed.getMessage().endswith("1 cached keys; retry in 0 s")


def test_a_jwks_without_usable_keys_logs_its_status_and_no_cached_keys(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        issuer.mock.fail("empty")
        client = client_for(issuer, clock)
        with pytest.raises(KeysUnavailable, match="no usable keys"):
            client.get_key(issuer.signing_key.kid)
    assert caplog.messages == [
        f"JWKS fetch from {issuer.jwks_url} failed: the JWKS has no usable keys (status 200, 0 ms); "
        "0 cached keys; retry in 0 s"
    ]
