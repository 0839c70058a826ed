"""The loopback server against hostile or broken clients: RFC 9110 §15 errors as JSON, HEAD, stalls, bounds.

Also the admin calls' refusal of what a web page could send (a cross-site request, DNS rebinding).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import requests

from fake_issuer.server.clients import Client, ClientRegistry
from fake_issuer.server.http import MAX_REQUESTS, IssuerServer

#: Long enough that only a server that never closes the connection makes a test wait for it.
PATIENCE = 30.0
#: The servers' timeout in the stall tests: short, yet ample for a real client between connect and send.
STALL = 1.0
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    """A running server with the default tenant."""
    with IssuerServer() as running:
        yield running


def exchange(server: IssuerServer, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def status_and_document(answer: bytes) -> tuple[str, dict[str, object]]:
    """The status line and the JSON body of a raw HTTP/1.x answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert "Content-Type: application/json" in lines
    return lines[0], json.loads(body)


# -- http.server's own errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b'GET / HTTP/1.1"x', "400"),
        (b"GET / HTTP/1.\x01", "400"),
        (b'GE"T / HTTP/1.1', "501"),
        (b"G\\ET / HTTP/1.1", "501"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", "414"),
    ],
)
def test_a_malformed_request_gets_a_json_error_with_a_status_line(
    server: IssuerServer, request_line: bytes, status: str
) -> None:
    line, document = status_and_document(exchange(server, request_line + b"\r\nHost: x\r\n\r\n"))
    assert line.startswith(f"HTTP/1.1 {status} ")
    assert document["error"] == "invalid_request"
    assert str(document["error_description"]).startswith(status)


def test_head_is_answered_like_get_without_a_body(server: IssuerServer) -> None:
    expected = requests.get(server.issuer.jwks_url, timeout=5)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("HEAD", "/.well-known/jwks.json")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("Content-Length") == str(len(expected.content))
    assert response.read() == b""
    connection.request("GET", "/.well-known/jwks.json")  # the same connection is still in step
    assert json.loads(connection.getresponse().read()) == expected.json()
    connection.close()
    assert [request.method for request in server.requests] == ["GET", "HEAD", "GET"]


# -- bodies that used to be 500s ------------------------------------------------------------------------


def token_body(secret: str) -> str:
    """A JSON token request for the client ``odd`` with ``secret`` (kept as JSON escapes)."""
    return json.dumps(
        {"grant_type": "client_credentials", "client_id": "odd", "client_secret": secret, "audience": "a"}
    )


def test_a_deeply_nested_token_body_is_a_400(server: IssuerServer) -> None:
    response = requests.post(server.issuer.token_url, data=b"[" * 50_000, headers=JSON_HEADERS, timeout=5)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "the JSON body is nested too deeply",
    }


def test_a_secret_with_a_lone_surrogate_is_compared_not_a_500() -> None:
    registry = ClientRegistry([Client("odd", "\ud800", {"a": ()})])
    with IssuerServer(audience="a", clients=registry) as server:
        wrong = requests.post(
            server.issuer.token_url, data=token_body("\udfff"), headers=JSON_HEADERS, timeout=5
        )
        right = requests.post(
            server.issuer.token_url, data=token_body("\ud800"), headers=JSON_HEADERS, timeout=5
        )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "access_denied")
    assert right.status_code == 200


# -- stalled clients --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "body"), [("POST", b"x"), ("HEAD", b"")])
def test_a_body_that_never_arrives_is_a_408_then_the_connection_closes(method: str, body: bytes) -> None:
    with IssuerServer(timeout=STALL) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as stalled:
            stalled.sendall(
                f"{method} /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".encode()
            )
            stalled.sendall(body)
            # Another client is answered while that one stalls.
            assert requests.get(server.issuer.jwks_url, timeout=5).status_code == 200
            received = b""
            while chunk := stalled.recv(65536):
                received += chunk
        assert server.requests[-1].method == "GET"  # the stalled request is not recorded
    assert received.startswith(b"HTTP/1.1 408 ")
    assert received.endswith(b"}") == (method != "HEAD")


@pytest.mark.parametrize("tls", [False, True])
def test_an_idle_connection_is_closed_after_the_timeout(tls: bool) -> None:
    with IssuerServer(tls=tls, timeout=STALL) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as idle:
            if server.ca_path is None:
                assert idle.recv(1) == b""
            else:
                context = ssl.create_default_context(cafile=str(server.ca_path))
                with context.wrap_socket(idle, server_hostname="127.0.0.1") as wrapped:
                    assert wrapped.recv(1) == b""
        assert requests.get(server.issuer.jwks_url, verify=str(server.ca_path or True), timeout=5).ok


# -- the request record --------------------------------------------------------------------------------


def test_the_request_record_keeps_only_the_last_requests() -> None:
    assert MAX_REQUESTS >= 1000
    with IssuerServer(max_requests=2) as server:
        paths = [f"/.well-known/jwks.json?n={n}" for n in range(3)]
        for path in paths:
            requests.get(server.url + path.lstrip("/"), timeout=5)
        assert [request.path for request in server.requests] == paths[1:]
        assert [server.take_request().path, server.take_request().path] == paths[1:]
        with pytest.raises(LookupError):
            server.take_request(timeout=0.01)


# -- admin calls refuse what a web page could send ----------------------------------------------------


def test_a_cross_site_mint_is_refused_and_mints_nothing(server: IssuerServer) -> None:
    request = urllib.request.Request(
        server.url + "_admin/mint",
        data=b'{"claims": {"sub": "attacker"}}',
        method="POST",
        headers={
            "Content-Type": "text/plain",
            "Host": "attacker.example",
            "Origin": "http://attacker.example",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"] == "access_denied"


def admin_answer(server: IssuerServer, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    """The status ``server`` answers a POST (GET for the record) to ``path`` with ``headers``."""
    method = "GET" if path == "/_admin/requests" else "POST"
    reply = server.answer(method, path, headers, body)
    if reply.status >= 400:
        assert json.loads(reply.body)["error"] in ("access_denied", "invalid_request")
    return reply.status


@pytest.mark.parametrize("path", ["/_admin/rotate", "/other/_admin/rotate", "/_admin/requests"])
def test_admin_calls_need_this_servers_loopback_host(server: IssuerServer, path: str) -> None:
    server.add_tenant("other")
    port = server.port
    for host in (f"127.0.0.1:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert admin_answer(server, path, {"host": host}) == 200
    for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}"):
        assert admin_answer(server, path, {"Host": host}) == 403
    assert admin_answer(server, path, {}) == 403


def test_admin_calls_from_another_origin_are_refused(server: IssuerServer) -> None:
    host = f"127.0.0.1:{server.port}"
    for origin in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}"):
        assert admin_answer(server, "/_admin/rotate", {"Host": host, "Origin": origin}) == 200
    for origin in ("http://attacker.example", "null", f"https://127.0.0.1:{server.port}"):
        assert admin_answer(server, "/_admin/rotate", {"Host": host, "Origin": origin}) == 403


def test_admin_bodies_must_be_declared_json(server: IssuerServer) -> None:
    host = {"Host": f"localhost:{server.port}"}
    body = b'{"fault": "status"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        assert admin_answer(server, "/_admin/faults", {**host, "Content-Type": content_type}, body) == 415
    assert server.tenant.faults == {}
    assert (
        admin_answer(
            server, "/_admin/faults", {**host, "Content-Type": "application/json; charset=utf-8"}, body
        )
        == 200
    )
    assert server.tenant.faults == {"jwks": "status"}


def test_the_cli_and_https_clients_still_reach_the_admin_calls() -> None:
    with IssuerServer(tls=True) as server:
        response = requests.post(server.url + "_admin/mint", json={}, verify=str(server.ca_path), timeout=5)
        assert response.status_code == 200
        localhost = server.url.replace("127.0.0.1", "localhost")
        assert requests.post(localhost + "_admin/rotate", verify=str(server.ca_path), timeout=5).ok
