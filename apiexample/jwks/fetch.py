"""One strict GET of a JWK Set (RFC 7517 §5) over HTTP(S), within a time and size budget.

Only a ``200`` whose body is a JSON object with a ``keys`` array counts; redirects are followed only
within the URL's origin (RFC 6454 §4: scheme, host, port; RFC 9110 §15.4), so a tenant cannot send us
to another host nor from ``https`` to ``http``. Every failure is a ``FetchFailed`` whose ``reason`` is
plain ASCII without quotes, because it ends up in a 503's ``error_description``. The timeout is
one budget for the whole exchange, enforced by socket timeouts and a watchdog that shuts the socket
down when it runs out (``jwks_session()``).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from joserfc.jwk import RSAKey
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from apiexample.jwks.keyset import read_jwks

#: A JWKS is a few kilobytes; a tenant that sends more is broken, and we stop reading.
MAX_JWKS_BYTES = 1 << 20
#: Same-origin redirects (a moved path) are followed this many times; others are refused.
MAX_REDIRECTS = 3


class FetchFailed(Exception):
    """The JWK Set could not be had: ``reason`` says why, ``status`` is the HTTP status if any."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _Redirected(Exception):
    """Raised by a response hook so that ``requests`` leaves a redirect to us, body unread."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _stop_at_redirect(response: requests.Response, *args: object, **kwargs: object) -> None:
    # Even with allow_redirects=False, Session.send reads a redirect's whole body (no size or time
    # limit) and parses its Location (raising ValueError) to offer Response.next; a hook runs first.
    if response.is_redirect:
        raise _Redirected(response)


class _Watchdog:
    """Shuts down the sockets a fetch reads from once its deadline passes, wherever it is blocked.

    Socket timeouts bound each read only, and ``http.client`` reads a response's headers with no
    overall limit, so a server sending a header byte now and then could hold a fetch for ever.
    """

    def __init__(self, deadline: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._over = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        with self._lock:
            if self.expired:
                _shut(sock)
            elif not self._over:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            if not self._over:
                self.expired = True
                for sock in self._sockets:
                    _shut(sock)

    def stop(self) -> None:
        """The fetch is over: leave its (pooled, maybe reused) sockets alone from now on."""
        with self._lock:
            self._over = True
            self._sockets.clear()
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown even for an SSLSocket, whose override would drop its SSL object
    # under the reading thread's feet; a shut socket makes any blocked read return at once.
    with contextlib.suppress(OSError):  # already closed by its reader
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_watchdog: contextvars.ContextVar[_Watchdog | None] = contextvars.ContextVar("jwks_watchdog", default=None)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]  # as urllib3 does
        """The response, read under the current fetch's watchdog."""
        _watch(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]  # as urllib3 does
        """The response, read under the current fetch's watchdog."""
        _watch(self.sock)
        return super().getresponse()


def _watch(sock: socket.socket | None) -> None:
    watchdog = _watchdog.get()
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections ``fetch_jwks`` can cut off at its deadline.

    Direct connections only: through a proxy (``HTTPS_PROXY``) requests uses other pools, and a
    fetch stuck in trickled headers is then only given up by ``JWKSClient``.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """The usual pool manager, making pools of watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def jwks_session() -> requests.Session:
    """A session for ``fetch_jwks`` whose deadline holds even against a server trickling headers."""
    session = requests.Session()
    adapter = DeadlineAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@contextmanager
def _watched(deadline: float) -> Iterator[_Watchdog]:
    watchdog = _Watchdog(deadline)
    token = _watchdog.set(watchdog)
    try:
        yield watchdog
    finally:
        _watchdog.reset(token)
        watchdog.stop()


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, lower-cased (RFC 6454 §4)."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def fetch_jwks(
    session: requests.Session, url: str, *, timeout: float
) -> tuple[dict[str, RSAKey], list[tuple[object, str]]]:
    """The usable keys (maybe none) of the JWK Set at ``url`` and those skipped; raises ``FetchFailed``.

    ``timeout`` is one budget for the whole exchange, redirects included: each hop's connection and
    reads get what is left of it, and a watchdog shuts the connection down when it runs out, even in
    the middle of the headers. The watchdog needs a ``jwks_session()``; with another session a server
    trickling its headers can hold this call longer, and ``JWKSClient`` gives up waiting for it.
    """
    deadline = time.monotonic() + timeout
    with _watched(deadline) as watchdog:
        try:
            body = _exchange(session, url, deadline)
        except FetchFailed as error:
            if watchdog.expired:  # the cut-off socket's error, whatever the libraries called it
                raise FetchFailed("the JWKS did not answer in time", error.status) from None
            raise
        if watchdog.expired:  # a cut-off socket can also read as the end of the headers or body
            raise FetchFailed("the JWKS did not answer in time", 200)
    try:
        keys, skipped = read_jwks(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FetchFailed("the JWKS is not a JSON JWK Set", 200) from None
    return keys, skipped


def _exchange(session: requests.Session, url: str, deadline: float) -> bytes:
    """The body of the ``200`` that ``url`` leads to (same-origin redirects followed)."""
    try:
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:  # the earlier hops used it all
                raise FetchFailed("the JWKS did not answer in time")
            try:
                response = session.get(
                    url,
                    headers={"Accept": "application/json"},
                    timeout=(remaining, remaining),
                    allow_redirects=False,
                    stream=True,
                    hooks={"response": _stop_at_redirect},
                )
            except _Redirected as redirect:
                response = redirect.response
            if not response.is_redirect:
                break
            response.close()
            try:
                target = urljoin(url, response.headers["location"])
                elsewhere = origin(target) != origin(url)
            except ValueError:  # a bad port or IPv6 literal: nothing to follow
                raise FetchFailed("the JWKS URL redirects to an invalid URL", response.status_code) from None
            if elsewhere:
                raise FetchFailed("the JWKS URL redirects to another host", response.status_code)
            url = target
        else:
            raise FetchFailed("the JWKS URL redirects too many times", response.status_code)
        with response:
            if response.status_code != 200:
                raise FetchFailed(f"the JWKS URL answered HTTP {response.status_code}", response.status_code)
            return _read(response, deadline)
    except requests.Timeout:
        raise FetchFailed("the JWKS did not answer in time") from None
    except requests.RequestException as error:
        raise FetchFailed(f"the JWKS could not be fetched ({type(error).__name__})") from None


def _read(response: requests.Response, deadline: float) -> bytes:
    chunks, size = [], 0
    try:
        # read1 returns whatever has arrived, so the deadline is checked between reads: a server
        # that trickles bytes (each within the read timeout) is cut off, not waited for.
        while chunk := response.raw.read1(65536, decode_content=True):
            size += len(chunk)
            if size > MAX_JWKS_BYTES:
                raise FetchFailed("the JWKS is too large", response.status_code)
            if time.monotonic() > deadline:
                raise FetchFailed("the JWKS did not answer in time", response.status_code)
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise FetchFailed("the JWKS did not answer in time", response.status_code) from None
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailed(
            f"the JWKS could not be read ({type(error).__name__})", response.status_code
        ) from None
    return b"".join(chunks)
