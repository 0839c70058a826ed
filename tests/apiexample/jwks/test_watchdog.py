"""The JWKS fetch's deadline over the whole exchange: a watchdog cuts off trickled headers.

Socket timeouts bound each read only; ``jwks_session()``'s connections let ``fetch_jwks`` shut the
socket down when its budget runs out, over HTTP and HTTPS (RFC 9110 §9.3.1 GET, RFC 7517 §5). Every
wait of a test is bounded by PATIENCE; outcomes never depend on how fast the machine is.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from apiexample.jwks.client import JWKSClient, KeysUnavailable
from apiexample.jwks.fetch import FetchFailed, _shut, _Watchdog, fetch_jwks, jwks_session
from fake_issuer import FakeIssuer
from fake_issuer.server.tls import TLSFiles, create_tls_files
from tests.apiexample.jwks.test_live import PATIENCE, SHORT_DEADLINES, JWKSServer, serving, settle
from tests.clocks import FakeClock


@pytest.fixture(scope="module")
def tls() -> Iterator[TLSFiles]:
    """A CA and a certificate for 127.0.0.1, removed after the module."""
    files = create_tls_files()
    yield files
    shutil.rmtree(files.ca.parent, ignore_errors=True)


def fetch_bounded(session: requests.Session, url: str, timeout: float) -> FetchFailed | int:
    """``fetch_jwks`` in a thread: its failure or its number of keys; fails the test if it hangs."""
    outcome: list[FetchFailed | int] = []

    def run() -> None:
        try:
            outcome.append(len(fetch_jwks(session, url, timeout=timeout)[0]))
        except FetchFailed as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PATIENCE)
    assert not thread.is_alive(), "the fetch outlived its deadline"
    return outcome[0]


@pytest.mark.parametrize("body", ["trickle headers", "trickle headers after length"])
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_trickled_headers_are_cut_off_at_the_deadline(body: str, secure: bool, tls: TLSFiles) -> None:
    jwks = JWKSServer(FakeIssuer(), tls if secure else None)
    jwks.body = body
    session = jwks_session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify
    session.verify = str(tls.ca)
    with serving(jwks):
        for timeout in SHORT_DEADLINES:
            outcome = fetch_bounded(session, jwks.url, timeout=timeout)
            assert isinstance(outcome, FetchFailed)
            assert outcome.reason == "the JWKS did not answer in time"
            if outcome.status is not None:
                break
            # No status line yet: the deadline passed before the server thread even answered (a
            # loaded machine, not the case under test), so try again with a longer one.
        assert not jwks.stopping.is_set()  # the server was still trickling when the fetch gave up
    assert isinstance(outcome, FetchFailed)
    assert outcome.status == 200  # cut off in the headers, after the status line


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_a_watched_session_fetches_a_healthy_jwks(secure: bool, tls: TLSFiles) -> None:
    jwks = JWKSServer(FakeIssuer(), tls if secure else None)
    session = jwks_session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify
    session.verify = str(tls.ca)
    with serving(jwks):
        assert fetch_bounded(session, jwks.url, timeout=PATIENCE) == 1
        assert fetch_bounded(session, jwks.url, timeout=PATIENCE) == 1  # a pooled connection
        assert session.get(jwks.url, timeout=PATIENCE).status_code == 200  # used outside a fetch
    assert jwks.fetches == 3


def test_the_client_gives_up_a_trickling_jwks_at_the_timeout_and_then_uses_a_healthy_one() -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    jwks.body = "trickle headers"
    client = JWKSClient(jwks.url, timeout=0.3, clock=FakeClock())  # the default, watched session
    with serving(jwks):
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key(issuer.signing_key.kid)
        assert caught.value.reason == "the JWKS did not answer in time"
        settle(client)  # the fetch ends by itself, while the server still trickles
        assert not jwks.stopping.is_set()
        jwks.body = "whole"
        client.timeout = PATIENCE  # this request waits for its own fetch however slow the machine
        assert client.get_key(issuer.signing_key.kid) is not None  # first failure: retried at once
        assert jwks.fetches == 2
        assert client._abandoned == 0  # nothing had to be given up


def test_a_socket_watched_after_the_deadline_is_shut_at_once() -> None:
    watchdog = _Watchdog(time.monotonic() - 1)
    deadline = time.monotonic() + PATIENCE
    while not watchdog.expired:
        assert time.monotonic() < deadline, "the watchdog never fired"
        time.sleep(0.001)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(PATIENCE)
        watchdog.watch(ours)
        assert ours.recv(10) == b""  # shut down: a read that would block ends at once
        watchdog.stop()


def test_a_stopped_watchdog_leaves_sockets_alone() -> None:
    watchdog = _Watchdog(time.monotonic() + PATIENCE)
    watchdog.stop()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watchdog.watch(ours)
        watchdog._expire()  # as if the timer fired just as the fetch ended
        assert not watchdog.expired
        theirs.sendall(b"still open")
        assert ours.recv(10) == b"still open"


def test_shutting_a_closed_socket_is_harmless() -> None:
    sock = socket.socket()
    sock.close()
    _shut(sock)
    assert sock.fileno() == -1
