"""Floods of unknown ``kid``s: a bounded number of requests wait for a refetch, the rest answer at once.

A forged ``kid`` cannot be told from a rotated key's until the JWK Set (RFC 7517 §5) is fetched again,
so the client lets at most ``max_waiters`` such requests wait for that fetch; the others are answered
from what it knows: 401 while the last fetch read the JWKS fine, 503 with ``Retry-After`` while it
could not (``docs/validation-policy.md``). Threads are synchronised with events as in ``test_threads``:
"at once" means "while the fetch is still held", never a measured time.
"""

from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey

from apiexample.jwks.client import JWKSClient, KeysUnavailable, UnknownKeyId
from fake_issuer import FakeIssuer
from tests.apiexample.jwks.test_threads import PATIENCE, Caller, GatedSession, wait_for
from tests.clocks import FakeClock, run_inline


def warm_client(issuer: FakeIssuer, session: GatedSession, **policy: float) -> tuple[JWKSClient, RSAKey]:
    """A client of ``issuer`` through ``session`` with its keys cached, and the gate closed again."""
    session.gate.set()
    client = JWKSClient(issuer.jwks_url, session=session, clock=FakeClock(), **policy)  # type: ignore[arg-type]
    key = client.get_key(issuer.signing_key.kid)
    session.gate.clear()
    session.entered.clear()
    return client, key


def run_all(callers: list[Caller]) -> None:
    """Start ``callers`` and wait (bounded) until every one has its answer."""
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(PATIENCE)
    assert not any(caller.is_alive() for caller in callers)


def test_only_max_waiters_forged_kids_wait_and_the_rest_are_401_at_once() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client, key = warm_client(issuer, session, timeout=PATIENCE, max_waiters=2)
        waiting = [Caller(client, f"forged-{number}") for number in range(2)]
        for caller in waiting:
            caller.start()
        wait_for(lambda: client._waiting == 2)
        flood = [Caller(client, f"flood-{number}") for number in range(8)]
        run_all(flood)
        assert not session.gate.is_set()  # they were answered while the refetch was still held
        assert all(isinstance(caller.error, UnknownKeyId) for caller in flood)
        assert all(caller.is_alive() for caller in waiting)
        assert client._waiting == 2
        assert client.get_key(issuer.signing_key.kid) is key  # a cached kid never waits
        session.gate.set()
        for caller in waiting:
            caller.join(PATIENCE)
        assert all(isinstance(caller.error, UnknownKeyId) for caller in waiting)
        assert client._waiting == 0
        assert issuer.mock.fetches <= 1 + 3  # the first fetch, then the limiter's burst at most


def test_beyond_the_bound_an_unknown_kid_is_a_503_while_the_last_fetch_failed() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client, key = warm_client(issuer, session, timeout=PATIENCE, max_waiters=1)
        issuer.mock.fail("status")
        session.gate.set()
        with pytest.raises(KeysUnavailable):
            client.get_key("forged-0")  # its refetch fails: the JWKS could not be read
        session.gate.clear()
        waiter = Caller(client, "forged-1")  # the immediate retry of a first failure, held
        waiter.start()
        wait_for(lambda: client._waiting == 1)
        overflow = Caller(client, "forged-2")
        run_all([overflow])
        assert not session.gate.is_set()
        assert isinstance(overflow.error, KeysUnavailable)
        assert overflow.error.reason == "the JWKS URL answered HTTP 500"
        assert overflow.error.retry_after == 1
        session.gate.set()
        waiter.join(PATIENCE)
        assert isinstance(waiter.error, KeysUnavailable)
        assert client.get_key(issuer.signing_key.kid) is key


def test_a_forged_kid_whose_wait_runs_out_is_a_503_then_a_401_once_the_jwks_answers() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client, _ = warm_client(issuer, session, timeout=0.05)
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key("forged")  # the refetch for it was attempted and did not answer in time
        assert (caught.value.reason, caught.value.retry_after) == ("the JWKS did not answer in time", 1)
        assert client._waiting == 0
        client.timeout = PATIENCE
        session.gate.set()
        wait_for(lambda: client._inflight is None)
        with pytest.raises(UnknownKeyId):  # the JWKS was read fine: now the kid is known to be unknown
            client.get_key("forged")


def test_with_no_waiters_allowed_a_forged_kid_starts_its_refetch_and_answers_at_once() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client, _ = warm_client(issuer, session, timeout=PATIENCE, max_waiters=0)
        new = issuer.rotate()
        forged = Caller(client, "forged")
        run_all([forged])
        assert isinstance(forged.error, UnknownKeyId)
        assert session.entered.wait(PATIENCE) and not session.gate.is_set()  # its refetch still runs
        session.gate.set()
        wait_for(lambda: client._inflight is None)
        fetches = issuer.mock.fetches
        assert client.get_key(new.kid) is not None  # that refetch read the rotated set
        assert issuer.mock.fetches == fetches == 2


def test_a_rotated_key_beyond_the_bound_is_a_401_until_the_refetch_in_flight_ends() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client, _ = warm_client(issuer, session, timeout=PATIENCE, max_waiters=1)
        new = issuer.rotate()
        forged = Caller(client, "forged")  # a forged kid took the only place; its refetch reads the new set
        forged.start()
        wait_for(lambda: client._waiting == 1)
        early = Caller(client, new.kid)
        run_all([early])
        assert isinstance(early.error, UnknownKeyId)  # the documented cost of the bound
        session.gate.set()
        forged.join(PATIENCE)
        fetches = issuer.mock.fetches
        assert client.get_key(new.kid) is not None  # from the cache that refetch filled
        assert issuer.mock.fetches == fetches


def test_under_a_flood_a_rotated_key_is_accepted_within_one_refetch_interval() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(
            issuer.jwks_url, clock=clock, spawn=run_inline, min_refetch_interval=10, refetch_burst=3
        )
        client.get_key(issuer.signing_key.kid)
        for number in range(3):  # the flood spends the burst
            with pytest.raises(UnknownKeyId):
                client.get_key(f"forged-{number}")
        new = issuer.rotate()
        waited = 0
        while True:
            with pytest.raises(UnknownKeyId):  # the flood goes on, one forged kid a second
                client.get_key(f"forged-at-{waited}")
            try:
                client.get_key(new.kid)
                break
            except UnknownKeyId:
                clock.advance(1)
                waited += 1
                assert waited <= 10, "the rotated key was not accepted within the refetch interval"
    print(f"\nFIGURE rotated key accepted {waited} s into a flood (interval 10 s, instant fetches)")


def test_the_bound_leaves_a_cold_cache_alone_every_request_needs_that_fetch() -> None:
    session = GatedSession()
    with FakeIssuer() as issuer:
        client = JWKSClient(
            issuer.jwks_url, session=session, clock=FakeClock(), timeout=PATIENCE, max_waiters=0
        )
        callers = [Caller(client, issuer.signing_key.kid) for _ in range(4)]
        for caller in callers:
            caller.start()
        wait_for(lambda: client._inflight is not None and client._inflight.waiters == 3)
        session.gate.set()
        for caller in callers:
            caller.join(PATIENCE)
        assert [caller.error for caller in callers] == [None] * 4
        assert issuer.mock.fetches == 1
