"""A real loopback HTTP(S) server for fake Auth0 tenants: JWKS, discovery, ``/oauth/token``, admin calls.

For clients that ``responses`` cannot reach (urllib, PyJWT's ``PyJWKClient``, aiohttp, another process,
another language). RFC 9110 over ``http.server``; TLS per ``fake_issuer.server.tls``; the answers per
``fake_issuer.server.tenant``. One server serves several tenants by path prefix, as navikt's
mock-oauth2-server does: the root tenant's issuer is the server's URL (``http://127.0.0.1:PORT/``, the
only one an ``AUTH0_DOMAIN`` can name), ``add_tenant("other")`` serves ``{url}other/``.

The socket is bound in ``__init__`` so the port, hence every issuer URL, is known before any tenant
(and any token) exists. Nothing but loopback is bound unless a host is given explicitly.

Routes, relative to each issuer URL::

    GET    .well-known/jwks.json                   the JWK Set
    GET    .well-known/openid-configuration        discovery (also .well-known/oauth-authorization-server)
    POST   oauth/token                             Auth0's client-credentials grant (JSON or form body)
    POST   _admin/rotate | _admin/keys             rotate, or publish one more key
    DELETE _admin/keys/<kid>                       withdraw a key
    POST   _admin/faults  {"fault", "endpoint"}    inject a fault; DELETE _admin/faults heals
    POST   _admin/mint    {"scope", "claims", "header", "drop"}   a token, for non-Python clients
    GET    /_admin/requests                        (server-wide) the last ``max_requests`` requests

The admin calls have no authentication, so they refuse what a web page could send (a cross-site request,
DNS rebinding): a ``Host`` other than this server's loopback address and port, an ``Origin`` other than
its own, a body that is not ``Content-Type: application/json`` (which a browser cannot send unasked).
"""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from fake_issuer.issuer import DEFAULT_AUDIENCE, FakeIssuer
from fake_issuer.keys import SigningKey
from fake_issuer.server.clients import ClientRegistry, TokenRequestError, default_clients
from fake_issuer.server.tenant import (
    Endpoint,
    Fault,
    Reply,
    Tenant,
    admin_document,
    admin_refusal,
    token_request,
)
from fake_issuer.server.tls import TLSFiles, create_tls_files

_WELL_KNOWN_DISCOVERY = (".well-known/openid-configuration", ".well-known/oauth-authorization-server")
#: A token request or an admin call is small; anything bigger is refused unread.
MAX_BODY_BYTES = 64 * 1024
#: How many requests ``requests`` (and ``take_request``) keep: the oldest go first.
MAX_REQUESTS = 2000


@dataclass(frozen=True)
class ServedRequest:
    """One request the server received (answered, faulted or dropped), as navikt's ``takeRequest()``."""

    method: str
    path: str
    time: float
    headers: Mapping[str, str]
    body: bytes


class IssuerServer:
    """Fake Auth0 tenants on a loopback port; a context manager, or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool | TLSFiles = False,
        issuer: str | None = None,
        audience: str = DEFAULT_AUDIENCE,
        clients: ClientRegistry | None = None,
        keys: int | Sequence[SigningKey] = 1,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] | None = None,
        timeout: float = 10.0,
        max_requests: int = MAX_REQUESTS,
    ) -> None:
        self._own_tls = tls is True
        self.tls: TLSFiles | None = create_tls_files() if tls is True else tls or None
        self.clock = clock
        self.log = log
        #: Seconds a connection may stay silent (mid-request or idle) before the server closes it.
        self.timeout = timeout
        #: The last ``max_requests`` requests, oldest first, so a long-running server stays bounded.
        self.requests: deque[ServedRequest] = deque(maxlen=max_requests)
        self._untaken: deque[ServedRequest] = deque(maxlen=max_requests)
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None
        try:
            self._httpd = _HTTPServer(host, port, self)
        except OSError:  # the port is taken: leave no generated CA behind
            self._remove_own_tls()
            raise
        self.host, self.port = host, self._httpd.server_address[1]
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://{f'[{host}]' if ':' in host else host}:{self.port}/"
        own = urlsplit(self.url).netloc
        hosts = {own, *(f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]"))}
        self._admin_hosts = frozenset(hosts)
        self._admin_origins = frozenset(f"{scheme}://{name}" for name in hosts)
        self.tenants: dict[str, Tenant] = {}
        # Another issuer than the server's own URL: behind a proxy, or to test an issuer mismatch.
        self._root_issuer = issuer
        #: The root tenant, whose issuer is ``url`` unless ``issuer`` says otherwise.
        self.tenant = self.add_tenant("", audience=audience, clients=clients, keys=keys)

    def __repr__(self) -> str:
        state = "serving" if self._thread else "stopped"
        return f"<IssuerServer {self.url} {state} tenants={list(self.tenants)} requests={len(self.requests)}>"

    @property
    def issuer(self) -> FakeIssuer:
        """The root tenant's ``FakeIssuer`` (mint, rotate, add or remove keys here)."""
        return self.tenant.issuer

    @property
    def ca_path(self) -> Path | None:
        """The CA certificate to trust (``REQUESTS_CA_BUNDLE``), or None without TLS."""
        return self.tls.ca if self.tls else None

    def add_tenant(
        self,
        name: str,
        *,
        audience: str = DEFAULT_AUDIENCE,
        clients: ClientRegistry | None = None,
        keys: int | Sequence[SigningKey] = 1,
    ) -> Tenant:
        """Serve one more tenant at ``{url}{name}/`` (``""``: the root tenant) with fresh keys."""
        if name in self.tenants:
            raise ValueError(f"tenant {name!r} is already served")
        if name and (name.startswith(("_", ".")) or not all(c.isalnum() or c in "-_." for c in name)):
            raise ValueError(
                f"a tenant name is letters, digits, '-', '_', '.', not starting with _ or .: {name!r}"
            )
        url = self.url + f"{name}/" if name else self._root_issuer or self.url
        issuer = FakeIssuer(url, audience=audience, keys=keys, clock=self.clock)
        tenant = Tenant(issuer, clients if clients is not None else default_clients(issuer))
        self.tenants[name] = tenant
        return tenant

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a background thread until ``stop()``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=repr(self), daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release held requests, close the socket, remove generated TLS files."""
        for tenant in self.tenants.values():
            tenant.release()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        self._remove_own_tls()

    def _remove_own_tls(self) -> None:
        if self._own_tls and self.tls is not None:
            shutil.rmtree(self.tls.ca.parent, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- faults and the request record ----------------------------------------------------------------

    def fail(self, fault: Fault, endpoint: Endpoint = "jwks") -> None:
        """Make the root tenant's ``endpoint`` answer with ``fault`` until ``heal()``."""
        self.tenant.fail(fault, endpoint)

    def heal(self) -> None:
        """Answer normally again on every tenant."""
        for tenant in self.tenants.values():
            tenant.heal()

    def take_request(self, timeout: float = 5.0) -> ServedRequest:
        """The oldest request not taken yet (of the last ``max_requests``), waiting up to ``timeout`` s."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._untaken, timeout):
                raise LookupError(f"no request reached {self.url} within {timeout} s")
            return self._untaken.popleft()

    def record(self, request: ServedRequest) -> None:
        """Keep ``request`` in ``requests`` and queue it for ``take_request``."""
        with self._arrived:
            self.requests.append(request)
            self._untaken.append(request)
            self._arrived.notify_all()
        if self.log is not None:
            self.log(f"{request.method} {request.path}")

    # -- routing --------------------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """The reply to one request (the HTTP plumbing only reads and writes)."""
        path = urlsplit(target).path
        if path == "/_admin/requests":
            if refusal := admin_refusal(headers, body, self._admin_hosts, self._admin_origins):
                return refusal
            if method != "GET":
                return _not_allowed("GET")
            listed = [{"method": r.method, "path": r.path, "time": r.time} for r in self.requests]
            return Reply.json(200, {"requests": listed})
        for name in sorted(self.tenants, key=len, reverse=True):
            prefix = f"/{name}/" if name else "/"
            if path.startswith(prefix):
                return self._route(self.tenants[name], method, path.removeprefix(prefix), headers, body)
        return Reply.error(404, "not_found", f"nothing is served at {path}")

    def _route(
        self, tenant: Tenant, method: str, route: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        if route == ".well-known/jwks.json":
            return tenant.jwks() if method == "GET" else _not_allowed("GET")
        if route in _WELL_KNOWN_DISCOVERY:
            return tenant.discovery() if method == "GET" else _not_allowed("GET")
        if route == "oauth/token":
            if method != "POST":
                return _not_allowed("POST")
            try:
                params, basic = token_request(headers, body)
            except TokenRequestError as error:
                return Reply.error(error.status, error.error, error.description)
            dpop = next((value for name, value in headers.items() if name.lower() == "dpop"), None)
            return tenant.token(params, basic, dpop=dpop)
        if route.startswith("_admin/"):
            if refusal := admin_refusal(headers, body, self._admin_hosts, self._admin_origins):
                return refusal
            try:
                document = admin_document(body)
            except ValueError as error:
                return Reply.error(400, "invalid_request", str(error))
            return tenant.admin(method, route.removeprefix("_admin/"), document)
        return Reply.error(404, "not_found", f"nothing is served at {tenant.issuer.issuer}{route}")


def _not_allowed(allowed: str) -> Reply:
    reply = Reply.error(405, "method_not_allowed", f"use {allowed}")
    return Reply(reply.status, reply.body, {**reply.headers, "Allow": allowed})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, app: IssuerServer) -> None:
        self.app = app
        self.context = app.tls.server_context() if app.tls else None
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN: a DNS lookup this offline server never needs.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-answer (its timeout, a dropped connection) is not the server's error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # A client that stalls (mid-request or idle between requests) is let go after the timeout.
        request.settimeout(self.app.timeout)
        if self.context is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs here, in the connection's own thread, so a silent client blocks nobody.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except OSError:
            return
        with tls:
            super().finish_request(tls, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "fake_issuer"

    def do_GET(self) -> None:
        """Answer any method through ``IssuerServer.answer`` (HEAD as GET, without the body)."""
        length = self.headers.get("Content-Length", "0")
        readable = length.isascii() and length.isdigit() and int(length) <= MAX_BODY_BYTES
        refused = not readable or "Transfer-Encoding" in self.headers
        try:
            body = b"" if refused else self.rfile.read(int(length))
        except TimeoutError:  # fewer bytes than Content-Length promised, then silence
            self.send_error(408, "the body did not arrive within the timeout")
            return
        app = self.server.app
        headers = dict(self.headers.items())
        app.record(ServedRequest(self.command, self.path, app.clock(), headers, body))
        if refused:
            # The unread body would be taken for the next request: answer, then close.
            self.close_connection = True
            self._send(
                Reply.error(400, "invalid_request", f"send a Content-Length of at most {MAX_BODY_BYTES}")
            )
            return
        method = "GET" if self.command == "HEAD" else self.command
        try:
            reply = app.answer(method, self.path, headers, body)
        except Exception as error:
            reply = Reply.error(500, "server_error", f"{type(error).__name__}: {error}")
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unknown method, huge headers) as JSON, then close."""
        # Its template would carry the request line HTML-escaped, not JSON-escaped; and before the
        # version is parsed it would answer as HTTP/0.9, with no status line at all.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self.close_connection = True
        description = f"{code} {message or self.responses.get(code, ('',))[0]}"
        body = json.dumps({"error": "invalid_request", "error_description": description}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server's ``log`` callback sees every request instead."""
