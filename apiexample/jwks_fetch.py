"""One strict GET of a JWK Set (RFC 7517 §5) over HTTP(S), within a time and size budget.

Only a ``200`` whose body is a JSON object with a ``keys`` array counts; redirects are followed only
within the URL's origin (RFC 6454 §4: scheme, host, port; RFC 9110 §15.4), so a tenant cannot send us
to another host nor from ``https`` to ``http``. Every failure is a ``FetchFailed`` whose ``reason`` is
plain ASCII without quotes, because it ends up in a 503's ``error_description``.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from joserfc.jwk import RSAKey

from apiexample.keyset import read_jwks

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


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, lower-cased (RFC 6454 §4)."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def fetch_jwks(
    session: requests.Session, url: str, *, timeout: float
) -> tuple[dict[str, RSAKey], list[tuple[object, str]]]:
    """The usable keys (maybe none) of the JWK Set at ``url`` and those skipped; raises ``FetchFailed``.

    ``timeout`` is one budget for the whole exchange, redirects included: each hop's connection and
    reads get what is left of it, and the body is cut off when it runs out (checked between reads).
    A server that trickles its headers can still hold this call longer (``http.client`` reads them
    with no overall limit); ``JWKSClient`` gives up on such a fetch rather than wait for it.
    """
    deadline = time.monotonic() + timeout
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
            body = _read(response, deadline)
    except requests.Timeout:
        raise FetchFailed("the JWKS did not answer in time") from None
    except requests.RequestException as error:
        raise FetchFailed(f"the JWKS could not be fetched ({type(error).__name__})") from None
    try:
        keys, skipped = read_jwks(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FetchFailed("the JWKS is not a JSON JWK Set", 200) from None
    return keys, skipped


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
