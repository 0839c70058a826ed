"""The JWKS client over real loopback sockets: a threaded API server, a JWKS server, faults in time.

The API runs in Django's own threaded server (what ``runserver`` uses) on 127.0.0.1; the JWKS is
served by an ``http.server`` thread of this module, which can answer at once, answer late, trickle,
or not listen at all. Timings are printed as figures, never asserted: each test's outcome holds
however fast the machine is (a late JWKS answers seconds after the client's timeout).
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.test import override_settings

from apiexample.auth import require_auth
from apiexample.config import Auth0Config
from apiexample.jwks.client import ABANDON_GRACE, JWKSClient, KeysUnavailable
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from fake_issuer.server.tls import TLSFiles
from tests.clocks import FakeClock, run_inline
from tests.endpoints import PRIVATE

PATIENCE = 30.0  # bounds every wait of the test itself; never reached when all is well
#: Deadlines a test tries in turn when the deadline passed before the server had even answered, which
#: is the machine's load and not the case under test; the first one is the figure an idle machine needs.
SHORT_DEADLINES = (0.3, 1.0, 3.0, 10.0)


class JWKSServer(ThreadingHTTPServer):
    """A loopback JWKS endpoint that counts fetches; ``delay`` holds answers, ``body`` shapes them.

    ``body``: ``"whole"``; ``"trickle"`` (a byte every 20 ms, never done); ``"truncated"`` (half, then
    the connection closes); ``"stalled"`` (half, then nothing until the test ends); ``"trickle
    headers"`` (the status line, then a header a byte every 20 ms until the test ends), or ``"trickle
    headers after length"`` (the same after a ``Content-Length``). ``/moved`` redirects to the JWKS
    with a body that stalls after a byte until the test ends. With ``tls``, it serves HTTPS.
    """

    daemon_threads = True

    def __init__(self, issuer: FakeIssuer, tls: TLSFiles | None = None) -> None:
        super().__init__(("127.0.0.1", 0), JWKSHandler)
        if tls is not None:  # each accepted connection does its handshake in the serving thread
            self.socket = tls.server_context().wrap_socket(self.socket, server_side=True)
        self.scheme = "http" if tls is None else "https"
        self.issuer = issuer
        self.fetches = 0
        self.delay = 0.0
        self.body = "whole"
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        """The JWKS URL on this server."""
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}/.well-known/jwks.json"


class JWKSHandler(BaseHTTPRequestHandler):
    """Answers ``GET`` with the issuer's JWKS, as its server's switches say."""

    server: JWKSServer

    def do_GET(self) -> None:
        """Serve the JWK Set, late or broken when asked to."""
        if self.path == "/moved":
            self.redirect()
            return
        self.server.fetches += 1
        if self.server.body.startswith("trickle headers"):
            self.trickle_headers()
            return
        if self.server.delay and self.server.stopping.wait(self.server.delay):
            return
        body = json.dumps(self.server.issuer.jwks()).encode() * (100 if self.server.body == "trickle" else 1)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if self.server.body == "whole":
                self.wfile.write(body)
            elif self.server.body == "trickle":
                for byte in body:  # never finishes within any timeout a test uses
                    if self.server.stopping.wait(0.02):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if self.server.body == "stalled":
                    self.server.stopping.wait(PATIENCE)
        except OSError:  # the client gave up and closed the connection
            return

    def trickle_headers(self) -> None:
        """Send a status line, then one endless header a byte at a time (each within any timeout)."""
        try:
            length = b"Content-Length: 100\r\n" if self.server.body.endswith("length") else b""
            self.wfile.write(b"HTTP/1.1 200 OK\r\n" + length + b"X-Trickle: ")
            while not self.server.stopping.wait(0.02):
                self.wfile.write(b"x")
        except OSError:  # the client gave up and closed the connection
            return

    def redirect(self) -> None:
        """``301`` to the JWKS, announcing a gigabyte of body and sending one byte of it."""
        self.send_response(301)
        self.send_header("Location", "/.well-known/jwks.json")
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        try:
            self.wfile.write(b"x")
            self.server.stopping.wait(PATIENCE)
        except OSError:  # the client closed before the byte was sent
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """Run ``server`` in a thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        if isinstance(server, JWKSServer):
            server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(PATIENCE)


class QuietRequestHandler(WSGIRequestHandler):
    """Django's request handler without one log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@contextmanager
def api_server(jwks_url: str, **policy: Any) -> Iterator[str]:
    """The API in Django's threaded server, trusting ``jwks_url``; yields the base URL."""
    config = Auth0Config(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url, **policy)
    with override_settings(AUTH0=config):  # resets the validator: a cold cache
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler)
        server.set_app(get_wsgi_application())
        with serving(server):
            yield f"http://127.0.0.1:{server.server_address[1]}"


def settle(client: object) -> None:
    """Wait (bounded) until ``client`` has no fetch in flight, so no thread outlives the test."""
    assert isinstance(client, JWKSClient)
    deadline = time.monotonic() + PATIENCE
    while client._inflight is not None:
        assert time.monotonic() < deadline, "a JWKS fetch never ended"
        time.sleep(0.001)


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/jwks.json"


def timed_get(url: str, token: str) -> tuple[requests.Response, float]:
    """``GET url`` with ``token``, and how long the answer took in seconds."""
    started = time.perf_counter()
    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=PATIENCE)
    return response, time.perf_counter() - started


def assert_unavailable(response: requests.Response) -> None:
    """docs/validation-policy.md, Answers: 503, JSON body, ``Retry-After``."""
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"] == "temporarily_unavailable"


def test_many_threads_on_a_cold_cache_all_get_200_and_one_fetch() -> None:
    issuer = FakeIssuer()
    token = issuer.mint()
    jwks = JWKSServer(issuer)
    jwks.delay = 0.2  # long enough for the herd to pile up behind the first fetch
    with serving(jwks), api_server(jwks.url, jwks_timeout=PATIENCE) as base:
        barrier = threading.Barrier(32)
        statuses: list[int] = []

        def call() -> None:
            barrier.wait(PATIENCE)
            statuses.append(
                requests.get(base + PRIVATE, headers={"Authorization": f"Bearer {token}"}).status_code
            )

        threads = [threading.Thread(target=call) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
    assert statuses == [200] * 32
    assert jwks.fetches == 1
    print(f"\nFIGURE 32 concurrent requests on a cold cache: {jwks.fetches} JWKS fetch, all 200")


def test_a_cold_api_answers_503_when_the_jwks_is_down() -> None:
    token = FakeIssuer().mint()
    with api_server(closed_port_url()) as base:
        timed = [timed_get(base + PRIVATE, token) for _ in range(3)]
    for response, _ in timed:
        assert_unavailable(response)
        assert "could not be fetched" in response.json()["error_description"]
    # The first failure is retried by the second request; the third finds the client backing off.
    figures = ", ".join(f"{seconds * 1000:.1f} ms" for _, seconds in timed)
    print(f"\nFIGURE JWKS down (connection refused), cold cache: three 503s in {figures}")


def test_a_slow_jwks_ends_a_cold_request_in_503_at_its_timeout() -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    jwks.delay = 10.0
    timeout = 0.5
    with serving(jwks), api_server(jwks.url, jwks_timeout=timeout) as base:
        response, seconds = timed_get(base + PRIVATE, issuer.mint())
        assert_unavailable(response)
        assert "did not answer in time" in response.json()["error_description"]
        settle(require_auth.validator.keys)
    print(
        f"\nFIGURE JWKS slow (answers after 10 s), cold cache, timeout {timeout} s: 503 in {seconds:.3f} s "
        f"({seconds / timeout:.2f} x the timeout)"
    )


def test_a_jwks_that_trickles_is_abandoned_at_the_timeout() -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    jwks.body = "trickle"
    client = JWKSClient(jwks.url, timeout=0.3, clock=FakeClock())
    with serving(jwks):
        started = time.perf_counter()
        with pytest.raises(KeysUnavailable):
            client.get_key(issuer.signing_key.kid)
        seconds = time.perf_counter() - started
        settle(client)
    print(f"\nFIGURE JWKS trickling a byte per 20 ms, timeout 0.3 s: given up after {seconds:.3f} s")


def test_a_slow_jwks_does_not_hold_a_warm_request() -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    clock = FakeClock()
    client = JWKSClient(jwks.url, timeout=PATIENCE, ttl=600, clock=clock)
    with serving(jwks):
        key = client.get_key(issuer.signing_key.kid)
        jwks.delay = 10.0
        clock.advance(600)
        started = time.perf_counter()
        assert client.get_key(issuer.signing_key.kid) is key
        seconds = time.perf_counter() - started
        assert jwks.fetches in (1, 2)  # the background refresh may not have reached the server yet
        jwks.stopping.set()  # let the held answer go: the refresh fails, the cached key stays
        settle(client)
        assert client.get_key(issuer.signing_key.kid) is key  # and it retries once more, at once
        settle(client)
    print(f"\nFIGURE JWKS slow, expired warm cache: cached key served in {seconds * 1e6:.0f} us")


@pytest.mark.parametrize(
    ("body", "reason", "watched"),
    [
        ("truncated", "the JWKS could not be read (ProtocolError)", True),
        ("stalled", "the JWKS did not answer in time", True),  # the watchdog or the read timeout
        ("stalled", "the JWKS did not answer in time", False),  # the read timeout
    ],
)
def test_a_body_cut_short_or_stalled_is_a_failure(body: str, reason: str, watched: bool) -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    jwks.body = body
    session = None if watched else requests.Session()
    # A stalled body is given up whatever the timeout; a truncated one must reach its end first, so its
    # timeout is one no loaded machine runs out of.
    timeout = 0.3 if body == "stalled" else PATIENCE
    client = JWKSClient(jwks.url, timeout=timeout, clock=FakeClock(), spawn=run_inline, session=session)
    with serving(jwks), pytest.raises(KeysUnavailable) as caught:
        client.get_key(issuer.signing_key.kid)
    assert caught.value.reason == reason


def test_a_fetch_stuck_in_trickled_headers_is_given_up_and_a_healthy_jwks_used_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="apiexample.jwks.client")
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    jwks.body = "trickle headers"
    clock = FakeClock()
    threads: list[threading.Thread] = []

    def spawn(work: Callable[[], None]) -> None:  # the client's own spawn, keeping each thread to join
        thread = threading.Thread(target=work, name="jwks-fetch", daemon=True)
        threads.append(thread)
        thread.start()

    # A caller's own session, without jwks_session()'s watchdog: the fetch stays stuck in the headers.
    client = JWKSClient(jwks.url, timeout=0.3, clock=clock, session=requests.Session(), spawn=spawn)
    with serving(jwks):
        with pytest.raises(KeysUnavailable) as caught:
            client.get_key(issuer.signing_key.kid)
        assert caught.value.reason == "the JWKS did not answer in time"
        stuck = client._inflight
        assert stuck is not None and not stuck.done.is_set()  # still reading headers
        jwks.body = "whole"  # the tenant is healthy again
        client.timeout = PATIENCE  # the next request waits for its own fetch, however slow
        clock.advance(2 * client.timeout + ABANDON_GRACE)
        assert client.get_key(issuer.signing_key.kid) is not None
        assert jwks.fetches == 2
        assert client._abandoned == 1  # the stuck fetch was not waited for: it is still reading
        assert len(threads) == 2 and threads[0].is_alive()
    # Leaving the block stops the trickle: the stuck fetch ends, its outcome ignored. Joining its
    # thread waits for all it does at the end (its bookkeeping, then its closing log line), however
    # loaded the machine, instead of polling a counter that changes before the line is written.
    threads[0].join(PATIENCE)
    assert not threads[0].is_alive(), "the given-up fetch never ended"
    closing = [r for r in caplog.records if "ended after it was given up" in r.getMessage()]
    assert len(closing) == 1 and closing[0].levelno == logging.WARNING
    assert closing[0].threadName == "jwks-fetch"
    assert client._abandoned == 0
    assert client.get_key(issuer.signing_key.kid) is not None
    assert jwks.fetches == 2


def test_a_redirect_body_is_not_read() -> None:
    issuer = FakeIssuer()
    jwks = JWKSServer(issuer)
    client = JWKSClient(jwks.url.replace("/.well-known/jwks.json", "/moved"), timeout=PATIENCE)
    with serving(jwks):
        # Reading the redirect's stalled gigabyte would take PATIENCE and fail; it is skipped.
        assert client.get_key(issuer.signing_key.kid) is not None
        assert jwks.fetches == 1
