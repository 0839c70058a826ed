"""Single flight: concurrent requests share one JWKS fetch and never wait longer than the timeout.

Threads are synchronised with events, never with sleeps: each test waits (bounded) for a state the
client must reach, so its outcome does not depend on how fast the machine is.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from joserfc.jwk import RSAKey

from apiexample.jwks import fetch as jwks_fetch
from apiexample.jwks.client import (
    ABANDON_GRACE,
    MAX_ABANDONED,
    JWKSClient,
    KeysUnavailable,
    UnknownKeyId,
    _start_thread,
)
from fake_issuer import FakeIssuer
from tests.clocks import FakeClock

PATIENCE = 30.0  # seconds a test waits for a state before it gives up; never reached when all is well


class GatedSession(requests.Session):
    """A session that fetches at once but hands the response over only once ``gate`` is open."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()

    def get(self, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().get(*args, **kwargs)
        self.entered.set()
        assert self.gate.wait(PATIENCE), "the test never opened the gate"
        return response


@pytest.fixture
def unhurried_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the fetch's own clock, so that only the request's wait is timed (by the real clock).

    With a 0.05 s timeout, the fetch thread a request starts must still reach the gated session after
    the request gave up; on a loaded machine it can take longer than its own 0.05 s budget to get there.
    """
    monkeypatch.setattr(jwks_fetch, "time", SimpleNamespace(monotonic=lambda: 0.0))


def wait_for(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds (bounded by PATIENCE)."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "the client never reached the expected state"
        time.sleep(0.001)


def waiters(client: JWKSClient) -> int:
    """How many requests wait for the fetch in flight (0 when none is)."""
    fetch = client._inflight
    return 0 if fetch is None else fetch.waiters


class Caller(threading.Thread):
    """A thread that calls ``client.get_key(kid)`` once and keeps the key or the exception."""

    def __init__(self, client: JWKSClient, kid: str) -> None:
        super().__init__(daemon=True)
        self.client, self.kid = client, kid
        self.key: RSAKey | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.key = self.client.get_key(self.kid)
        except Exception as error:
            self.error = error


def test_concurrent_cold_requests_share_one_fetch(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="apiexample.jwks.client")
    session = GatedSession()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, session=session, clock=FakeClock(), timeout=PATIENCE)
        callers = [Caller(client, issuer.signing_key.kid) for _ in range(16)]
        for caller in callers:
            caller.start()
        wait_for(lambda: waiters(client) == 15)
        session.gate.set()
        for caller in callers:
            caller.join(PATIENCE)
        assert issuer.mock.fetches == 1
    assert [caller.error for caller in callers] == [None] * 16
    assert len({id(caller.key) for caller in callers}) == 1
    assert "1 usable keys" in caplog.records[-1].getMessage()
    assert caplog.records[-1].getMessage().endswith(", 15 waiting")


@pytest.mark.usefixtures("unhurried_fetch")
def test_a_request_waits_no_longer_than_the_timeout() -> None:
    session = GatedSession()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, session=session, clock=clock, timeout=0.05)
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key(issuer.signing_key.kid)
        assert caught.value.reason == "the JWKS did not answer in time"
        assert caught.value.retry_after == 1
        assert not session.gate.is_set()  # it gave up while the fetch was still blocked
        client.timeout = PATIENCE
        session.gate.set()
        wait_for(lambda: client._inflight is None)
        clock.advance(60)  # past the backoff, in case the late fetch itself gave up
        assert client.get_key(issuer.signing_key.kid) is not None
        assert issuer.mock.fetches in (1, 2)


def test_an_expired_cache_serves_its_key_while_one_background_fetch_refreshes_it() -> None:
    session = GatedSession()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, session=session, clock=clock, ttl=600, timeout=PATIENCE)
        session.gate.set()
        key = client.get_key(issuer.signing_key.kid)
        session.gate.clear()
        clock.advance(600)
        assert client.get_key(issuer.signing_key.kid) is key
        assert client.get_key(issuer.signing_key.kid) is key
        assert session.entered.wait(PATIENCE)
        assert client._inflight is not None and not session.gate.is_set()  # nobody waited for it
        session.gate.set()
        wait_for(lambda: client._inflight is None)
        assert issuer.mock.fetches == 2


def test_a_request_that_joined_an_older_fetch_tries_once_more_for_a_rotated_key() -> None:
    session = GatedSession()
    session.gate.set()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, session=session, clock=FakeClock(), timeout=PATIENCE)
        client.get_key(issuer.signing_key.kid)
        session.gate.clear()
        session.entered.clear()
        forged = Caller(client, "forged")
        forged.start()
        assert session.entered.wait(PATIENCE)  # this fetch read the set before the rotation
        new = issuer.rotate()
        genuine = Caller(client, new.kid)
        genuine.start()
        wait_for(lambda: waiters(client) == 1)
        session.gate.set()
        forged.join(PATIENCE)
        genuine.join(PATIENCE)
        assert issuer.mock.fetches == 3
    assert isinstance(forged.error, UnknownKeyId)
    assert genuine.error is None and genuine.key is not None


class HeldSpawn:
    """A ``spawn`` that runs each fetch at once until ``hold`` is set, then keeps it for the test to run."""

    def __init__(self) -> None:
        self.hold = False
        self.held: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        if self.hold:
            self.held.append(work)
        else:
            work()


class OnRecord(logging.Handler):
    """Calls ``action`` once, at the first log record whose message starts with ``prefix``."""

    def __init__(self, prefix: str, action: Callable[[], None]) -> None:
        super().__init__(logging.DEBUG)
        self.prefix, self.action, self.fired = prefix, action, False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.fired and record.getMessage().startswith(self.prefix):
            self.fired = True
            self.action()


def test_a_request_waits_for_two_fetches_at_most(caplog: pytest.LogCaptureFixture) -> None:
    # Its first fetch may have begun before a rotation, so it tries once more; after that its kid
    # is unknown, even if yet another fetch (someone else's) is under way.
    caplog.set_level(logging.INFO, logger="apiexample.jwks.client")
    spawn = HeldSpawn()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, clock=FakeClock(), spawn=spawn, timeout=PATIENCE, max_waiters=8)
        client.get_key(issuer.signing_key.kid)
        spawn.hold = True
        first = Caller(client, "forged-1")
        first.start()  # starts fetch A (the limiter allows it) and waits for it
        wait_for(lambda: len(spawn.held) == 1)
        fetch_a = client._inflight
        patient = Caller(client, "new")
        patient.start()
        wait_for(lambda: waiters(client) == 1)  # joined A
        second = Caller(client, "forged-2")

        def start_fetch_b() -> None:
            second.start()
            wait_for(lambda: len(spawn.held) == 2)

        # A's INFO line is written before its waiters wake: start fetch B then, so that the patient
        # request, looking again, finds B in flight and joins it.
        handler = OnRecord("JWKS fetched from", start_fetch_b)
        logging.getLogger("apiexample.jwks.client").addHandler(handler)
        try:
            spawn.held[0]()  # fetch A: the set, without "new"
        finally:
            logging.getLogger("apiexample.jwks.client").removeHandler(handler)
        assert handler.fired and client._inflight not in (None, fetch_a)
        wait_for(lambda: waiters(client) == 1)  # the patient request joined B
        spawn.held[1]()  # fetch B: still without "new"
        wait_for(lambda: not patient.is_alive() or len(spawn.held) > 2)
        assert len(spawn.held) == 2  # no third fetch for the patient request
        for caller in (first, patient, second):
            caller.join(PATIENCE)
        assert issuer.mock.fetches == 3
    assert [type(caller.error) for caller in (first, patient, second)] == [UnknownKeyId] * 3


def test_a_given_up_fetch_that_then_succeeds_is_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="apiexample.jwks.client")
    spawn = HeldSpawn()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, clock=clock, spawn=spawn, timeout=5, ttl=600)
        key = client.get_key(issuer.signing_key.kid)
        spawn.hold = True
        clock.advance(600)
        assert client.get_key(issuer.signing_key.kid) is key  # served stale; refresh A held
        clock.advance(2 * 5 + ABANDON_GRACE)
        assert client.get_key(issuer.signing_key.kid) is key  # gives A up, starts refresh B
        cache = client._cache
        issuer.rotate()
        spawn.held[0]()  # A ends late, with the rotated set: its outcome is ignored
        assert client._cache is cache and client._abandoned == 0
    url = issuer.jwks_url
    assert caplog.messages == [
        f"JWKS fetch from {url} given up after 11 s without an answer (1 given up still running)",
        f"JWKS fetch from {url} ended after it was given up (ok, 11000 ms); its outcome is ignored",
    ]


def test_a_fetch_is_given_up_at_twice_the_timeout_plus_the_grace_and_not_before() -> None:
    spawn = HeldSpawn()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, clock=clock, spawn=spawn, timeout=5, ttl=600)
        kid = issuer.signing_key.kid
        client.get_key(kid)
        spawn.hold = True
        clock.advance(600)
        client.get_key(kid)  # served stale; refresh A held
        fetch_a = client._inflight
        clock.advance(2 * 5 + ABANDON_GRACE - 0.5)
        client.get_key(kid)
        assert client._inflight is fetch_a and len(spawn.held) == 1  # still waited for
        clock.advance(0.5)
        client.get_key(kid)
        assert client._inflight is not fetch_a and len(spawn.held) == 2  # given up, B started


def test_a_request_out_of_time_does_not_wait_for_the_fetch_at_all() -> None:
    # With no time left (timeout 0), each request joins the fetch in flight and answers at once.
    spawn = HeldSpawn()
    spawn.hold = True
    client = JWKSClient("https://tenant.example.test/jwks.json", clock=FakeClock(), spawn=spawn, timeout=0.0)
    began = time.monotonic()
    for _ in range(5):
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key("any")
        assert caught.value.reason == "the JWKS did not answer in time"
    lasted = time.monotonic() - began
    assert len(spawn.held) == 1  # one fetch, which all five joined
    assert lasted < 2.5, f"five requests out of time took {lasted:.2f} s"  # each waiting 1 s would take 5


class FirstFetchStuckSession(GatedSession):
    """A ``GatedSession`` whose gate holds the first fetch only; later fetches go straight through."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def get(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.calls += 1
        if self.calls == 1:
            return super().get(*args, **kwargs)
        return requests.Session.get(self, *args, **kwargs)


@pytest.mark.usefixtures("unhurried_fetch")
def test_a_stuck_fetch_is_given_up_and_the_next_one_does_not_wait_for_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = FirstFetchStuckSession()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(issuer.jwks_url, session=session, clock=clock, timeout=0.05)
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key(issuer.signing_key.kid)
        assert caught.value.reason == "the JWKS did not answer in time"
        assert session.entered.wait(PATIENCE)
        stuck = client._inflight
        assert stuck is not None
        client.timeout = PATIENCE  # this request waits for the new fetch however slow the machine
        clock.advance(2 * client.timeout + ABANDON_GRACE)  # overdue, even by the longer timeout
        assert client.get_key(issuer.signing_key.kid) is not None
        assert issuer.mock.fetches == 2
        assert stuck.done.is_set() and not session.gate.is_set()  # given up while still blocked
        assert client._abandoned == 1
        session.gate.set()
        wait_for(lambda: client._abandoned == 0)
        assert client.get_key(issuer.signing_key.kid) is not None
        # The stuck fetch's late end is logged after its outcome is dropped: wait for the line.
        wait_for(lambda: any("ended after it was given up" in m for m in caplog.messages))
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert len(given_up) == 2
    assert given_up[0].startswith(f"JWKS fetch from {issuer.jwks_url} given up after ")  # README: URL first
    assert given_up[0].endswith(" s without an answer (1 given up still running)")
    assert "ended after it was given up" in given_up[1]


@pytest.mark.usefixtures("unhurried_fetch")
def test_given_up_fetches_are_capped_and_their_late_outcomes_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="apiexample.jwks.client")
    session = GatedSession()
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = JWKSClient(
            issuer.jwks_url,
            session=session,
            clock=clock,
            timeout=0.05,
            failure_backoff=0.0,  # each request may start a fetch: only the cap holds them back
            max_failure_backoff=0.0,
        )
        overdue = 2 * client.timeout + ABANDON_GRACE
        for started in range(1, MAX_ABANDONED + 1):
            with pytest.raises(KeysUnavailable) as caught:
                client.get_key(issuer.signing_key.kid)  # gives up the last fetch, starts one more
            assert caught.value.reason == "the JWKS did not answer in time"
            wait_for(lambda started=started: issuer.mock.fetches == started)  # type: ignore[misc]
            clock.advance(overdue)
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key(issuer.signing_key.kid)  # gives up the last one, but may start none
        assert caught.value.reason == "the JWKS did not answer in time"
        assert client._abandoned == MAX_ABANDONED and client._inflight is None
        assert issuer.mock.fetches == MAX_ABANDONED
        session.gate.set()  # the stuck fetches all end, each with the whole JWKS
        wait_for(lambda: client._abandoned == 0)
        assert client._cache is None  # their late outcomes were ignored
        # Each late end is logged, after its outcome is dropped: wait for the lines, then read them.
        late = re.compile(
            rf"JWKS fetch from {re.escape(issuer.jwks_url)} ended after it was given up "
            r"\((?:ok|the JWKS did not answer in time), (\d+) ms\); "
            "its outcome is ignored"
        )
        wait_for(lambda: sum(bool(late.fullmatch(m)) for m in caplog.messages) == MAX_ABANDONED)
        # Each lasted from its start to the end of them all, on the client's clock: 4, 3, 2, 1 overdues.
        lasted_ms = sorted(int(match[1]) for m in caplog.messages if (match := late.fullmatch(m)))
        assert lasted_ms == [round(n * overdue * 1000) for n in range(1, MAX_ABANDONED + 1)]
        client.timeout = PATIENCE  # this request waits for its own fetch however slow the machine
        assert client.get_key(issuer.signing_key.kid) is not None
        assert issuer.mock.fetches == MAX_ABANDONED + 1


def test_a_fetch_runs_in_a_daemon_thread_named_jwks_fetch() -> None:
    # README "Signing keys": fetches run in a daemon thread named jwks-fetch, so one stuck on a
    # trickling tenant never holds up the process's exit.
    seen: list[threading.Thread] = []
    done = threading.Event()

    def work() -> None:
        seen.append(threading.current_thread())
        done.set()

    _start_thread(work)
    assert done.wait(PATIENCE)
    assert seen[0].name == "jwks-fetch" and seen[0].daemon
