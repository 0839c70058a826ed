"""Serve a ``FakeIssuer``'s JWKS in-process through ``responses`` (RFC 7517 §5 over HTTP GET).

Reaches any code that fetches with ``requests``; nothing leaves the process. The JWKS is read from the
issuer at each request, so adding, removing and rotating keys shows at the next fetch. Faults can be
switched on and off to test how a client behaves when the tenant misbehaves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import requests

from fake_issuer.extras import missing_extra
from fake_issuer.jwks import JWKSDocument

try:
    import responses
except ImportError as error:  # the in-process JWKS is the [responses] extra
    raise ImportError(missing_extra("responses", "the in-process JWKS (fake_issuer.mocking)")) from error

Fault = Literal["status", "garbage", "empty", "refused", "timeout"]
FAULTS: tuple[Fault, ...] = ("status", "garbage", "empty", "refused", "timeout")
#: URLs that reach the network as usual while the mock is active: loopback, by address or name.
LOOPBACK = re.compile(r"https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


class JWKSPublisher(Protocol):
    """What the mock serves: a JWKS URL, the current JWK Set, and a clock (``FakeIssuer`` is one)."""

    @property
    def jwks_url(self) -> str: ...

    clock: Callable[[], float]

    def jwks(self) -> JWKSDocument: ...


@dataclass(frozen=True)
class RecordedRequest:
    """One request the mock answered: method, URL, and the issuer clock's time."""

    method: str
    url: str
    time: float


class JWKSMock:
    """The issuer's JWKS URL answered by ``responses``: a request log and fault switches."""

    def __init__(self, issuer: JWKSPublisher) -> None:
        self.issuer = issuer
        self.requests: list[RecordedRequest] = []
        self.fault: Fault | None = None
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.add_callback(responses.GET, issuer.jwks_url, callback=self._answer)
        # Loopback goes through, so a loopback server (IssuerServer) is reachable in the same test.
        self._mock.add_passthru(LOOPBACK)

    def __repr__(self) -> str:
        return f"<JWKSMock {self.issuer.jwks_url} fetches={self.fetches} fault={self.fault}>"

    @property
    def fetches(self) -> int:
        """How many times the JWKS was requested (faulty answers included)."""
        return len(self.requests)

    def fail(self, fault: Fault) -> None:
        """Answer every JWKS request with ``fault`` until ``heal()``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
        self.fault = fault

    def heal(self) -> None:
        """Serve the JWKS normally again."""
        self.fault = None

    def start(self) -> None:
        """Start intercepting ``requests``."""
        self._mock.start()

    def stop(self) -> None:
        """Stop intercepting ``requests``."""
        self._mock.stop()
        self._mock.reset()

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests.append(RecordedRequest(str(request.method), str(request.url), self.issuer.clock()))
        json_type = {"Content-Type": "application/json"}
        if self.fault == "refused":
            raise requests.exceptions.ConnectionError("JWKS connection refused (injected fault)")
        if self.fault == "timeout":
            raise requests.exceptions.ReadTimeout("JWKS read timed out (injected fault)")
        if self.fault == "status":
            return 500, json_type, json.dumps({"error": "injected fault"})
        if self.fault == "garbage":
            return 200, {"Content-Type": "text/html"}, "<html>not a JWKS</html>"
        if self.fault == "empty":
            return 200, json_type, json.dumps({"keys": []})
        return 200, json_type, json.dumps(self.issuer.jwks())
