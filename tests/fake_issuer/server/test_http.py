"""The loopback server over real HTTP: JWKS, discovery, /oauth/token, tenants, the request record."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_SCOPE
from fake_issuer.server.clients import DEFAULT_CLIENT_SECRET, Client, ClientRegistry
from fake_issuer.server.http import MAX_BODY_BYTES, IssuerServer

API = "https://api.example/"
CLIENTS = {
    "reader": ("read:messages",),
    "writer": ("write:messages",),
    "both": ("read:messages", "write:messages"),
}


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    """A running server whose root tenant knows three clients on API, with a fixed clock."""
    registry = ClientRegistry(
        [Client(name, f"{name}-secret", {API: scopes}) for name, scopes in CLIENTS.items()]
    )
    with IssuerServer(audience=API, clients=registry, clock=lambda: 1_700_000_000.0) as running:
        yield running


def token_request(client: str, **extra: str) -> dict[str, str]:
    """A client-credentials request body for ``client`` on API."""
    return {
        "grant_type": "client_credentials",
        "client_id": client,
        "client_secret": f"{client}-secret",
        "audience": API,
        **extra,
    }


def verified_claims(server: IssuerServer, token: str) -> dict[str, object]:
    """The claims of ``token`` once its signature checks out against the server's own JWKS."""
    keys = KeySet.import_key_set(requests.get(server.issuer.jwks_url, timeout=5).json())
    return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)


def test_the_server_binds_loopback_on_a_free_port_and_says_where(server: IssuerServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert server.port > 0
    assert server.issuer.issuer == server.url
    assert repr(server) == f"<IssuerServer {server.url} serving tenants=[''] requests=0>"
    assert server.ca_path is None


def test_the_jwks_is_the_issuers_public_set(server: IssuerServer) -> None:
    response = requests.get(server.issuer.jwks_url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == server.issuer.jwks()


@pytest.mark.parametrize("document", ["openid-configuration", "oauth-authorization-server"])
def test_discovery_derives_every_url_from_the_issuer(server: IssuerServer, document: str) -> None:
    metadata = requests.get(f"{server.url}.well-known/{document}", timeout=5).json()
    assert metadata["issuer"] == server.url
    assert metadata["jwks_uri"] == f"{server.url}.well-known/jwks.json"
    assert metadata["token_endpoint"] == f"{server.url}oauth/token"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["scopes_supported"] == ["read:messages", "write:messages"]


def test_a_json_token_request_gets_auth0s_response(server: IssuerServer) -> None:
    response = requests.post(server.issuer.token_url, json=token_request("both"), timeout=5)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == (
        "Bearer",
        86400,
        "read:messages write:messages",
    )
    claims = verified_claims(server, body["access_token"])
    assert claims == {
        "iss": server.url,
        "sub": "both@clients",
        "aud": API,
        "azp": "both",
        "iat": 1_700_000_000,
        "exp": 1_700_000_000 + 86400,
        "gty": "client-credentials",
        "scope": "read:messages write:messages",
    }


def test_a_form_token_request_with_a_scope_subset(server: IssuerServer) -> None:
    response = requests.post(
        server.issuer.token_url, data=token_request("both", scope="write:messages"), timeout=5
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "write:messages"
    assert verified_claims(server, response.json()["access_token"])["scope"] == "write:messages"


def test_http_basic_client_authentication(server: IssuerServer) -> None:
    body = {"grant_type": "client_credentials", "audience": API}
    response = requests.post(server.issuer.token_url, data=body, auth=("reader", "reader-secret"), timeout=5)
    assert response.status_code == 200
    assert verified_claims(server, response.json()["access_token"])["sub"] == "reader@clients"


def test_a_client_without_scopes_gets_a_token_without_scope() -> None:
    registry = ClientRegistry([Client("bare", "bare-secret", {API: ()})])
    with IssuerServer(audience=API, clients=registry) as server:
        response = requests.post(server.issuer.token_url, json=token_request("bare"), timeout=5)
        assert response.status_code == 200
        assert "scope" not in response.json()
        assert "scope" not in verified_claims(server, response.json()["access_token"])


def test_the_default_client_is_granted_the_default_scope() -> None:
    with IssuerServer() as server:
        body = {
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "audience": DEFAULT_AUDIENCE,
        }
        response = requests.post(server.issuer.token_url, json=body, timeout=5)
        assert response.json()["scope"] == DEFAULT_SCOPE


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (token_request("reader", client_secret="wrong"), 401, "access_denied"),
        (token_request("nobody"), 401, "access_denied"),
        (token_request("reader", audience="https://unknown.example/"), 403, "access_denied"),
        (token_request("reader", scope="write:messages"), 403, "access_denied"),
        (token_request("reader", grant_type="password"), 400, "unsupported_grant_type"),
        ({"client_id": "reader", "client_secret": "reader-secret", "audience": API}, 400, "invalid_request"),
    ],
)
def test_refused_token_requests_are_auth0_json_errors(
    server: IssuerServer, body: dict[str, str], status: int, error: str
) -> None:
    response = requests.post(server.issuer.token_url, json=body, timeout=5)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    ("content_type", "body", "description"),
    [
        ("text/plain", b"grant_type=client_credentials", "Content-Type must be"),
        ("application/json", b"{not json", "Expecting property name"),
        ("application/json", b'["grant_type"]', "must be an object"),
        (
            "application/json",
            b'{"grant_type": "client_credentials", "client_id": 7}',
            "must be strings: client_id",
        ),
        ("application/json", b"\xff\xfe", "can't decode"),
        (
            "application/x-www-form-urlencoded",
            b"client_id=a&client_id=b&scope=x&scope=y",
            "repeated parameters: client_id, scope",
        ),
    ],
)
def test_unreadable_token_requests_are_invalid_request(
    server: IssuerServer, content_type: str, body: bytes, description: str
) -> None:
    response = requests.post(
        server.issuer.token_url, data=body, headers={"Content-Type": content_type}, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert description in response.json()["error_description"]


def test_json_nulls_count_as_absent(server: IssuerServer) -> None:
    body = {**token_request("reader"), "scope": None}
    response = requests.post(server.issuer.token_url, json=body, timeout=5)
    assert response.json()["scope"] == "read:messages"


@pytest.mark.parametrize(
    "credentials",
    [
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff:x").decode(),
    ],
)
def test_malformed_basic_credentials_are_invalid_client(server: IssuerServer, credentials: str) -> None:
    body = {"grant_type": "client_credentials", "audience": API}
    response = requests.post(
        server.issuer.token_url, data=body, headers={"Authorization": credentials}, timeout=5
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_basic_credentials_are_form_decoded(server: IssuerServer) -> None:
    # RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic encoding.
    registry = ClientRegistry([Client("a b", "p&q", {API: ("read:messages",)})])
    tenant = server.add_tenant("encoded", audience=API, clients=registry)
    credentials = base64.b64encode(b"a+b:p%26q").decode()
    response = requests.post(
        tenant.issuer.token_url,
        data={"grant_type": "client_credentials", "audience": API},
        headers={"Authorization": f"Basic {credentials}"},
        timeout=5,
    )
    assert response.status_code == 200


def test_another_authorization_scheme_is_not_client_authentication(server: IssuerServer) -> None:
    response = requests.post(
        server.issuer.token_url,
        json=token_request("reader"),
        headers={"Authorization": "Bearer x"},
        timeout=5,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "oauth/token", "POST"),
        ("POST", ".well-known/jwks.json", "GET"),
        ("DELETE", ".well-known/openid-configuration", "GET"),
        ("POST", "_admin/requests", "GET"),
    ],
)
def test_wrong_methods_are_405_with_allow(server: IssuerServer, method: str, path: str, allowed: str) -> None:
    response = requests.request(method, server.url + path, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path", ["", "favicon.ico", "nobody/.well-known/jwks.json", ".well-known/jwks.json/x"]
)
def test_unknown_paths_are_json_404(server: IssuerServer, path: str) -> None:
    response = requests.get(server.url + path, timeout=5)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_query_string_does_not_change_the_route(server: IssuerServer) -> None:
    assert requests.get(server.issuer.jwks_url + "?cache=bust", timeout=5).json() == server.issuer.jwks()


def test_requests_without_a_usable_length_are_refused_unread(server: IssuerServer) -> None:
    for headers in (
        {"Content-Length": str(MAX_BODY_BYTES + 1)},
        {"Content-Length": "x"},
        {"Transfer-Encoding": "chunked"},
    ):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.putrequest("POST", "/oauth/token")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 400
        assert json.loads(response.read())["error"] == "invalid_request"
        connection.close()
    assert [request.body for request in server.requests] == [b"", b"", b""]


def test_every_request_is_recorded_in_order(server: IssuerServer) -> None:
    requests.get(server.issuer.jwks_url, timeout=5)
    requests.post(server.issuer.token_url, json=token_request("reader"), timeout=5)
    first, second = server.take_request(), server.take_request()
    assert (first.method, first.path, first.time, first.body) == (
        "GET",
        "/.well-known/jwks.json",
        1_700_000_000.0,
        b"",
    )
    assert (second.method, second.path) == ("POST", "/oauth/token")
    assert json.loads(second.body) == token_request("reader")
    assert second.headers["Content-Type"] == "application/json"
    assert list(server.requests) == [first, second]
    with pytest.raises(LookupError, match="no request reached"):
        server.take_request(timeout=0.01)


def test_the_record_is_served_too(server: IssuerServer) -> None:
    requests.get(server.issuer.jwks_url, timeout=5)
    listed = requests.get(f"{server.url}_admin/requests", timeout=5).json()["requests"]
    assert listed == [
        {"method": "GET", "path": "/.well-known/jwks.json", "time": 1_700_000_000.0},
        {"method": "GET", "path": "/_admin/requests", "time": 1_700_000_000.0},
    ]


def test_the_log_callback_sees_every_request() -> None:
    lines: list[str] = []
    with IssuerServer(log=lines.append) as server:
        requests.get(server.issuer.jwks_url + "?x=1", timeout=5)
    assert lines == ["GET /.well-known/jwks.json?x=1"]


def test_tenants_are_served_by_path_prefix_with_their_own_keys(server: IssuerServer) -> None:
    other = server.add_tenant("other", audience="https://other.example/")
    assert other.issuer.issuer == f"{server.url}other/"
    assert {k.kid for k in other.issuer.keys}.isdisjoint(k.kid for k in server.issuer.keys)
    jwks = requests.get(f"{server.url}other/.well-known/jwks.json", timeout=5).json()
    assert jwks == other.issuer.jwks()
    metadata = requests.get(f"{server.url}other/.well-known/openid-configuration", timeout=5).json()
    assert metadata["token_endpoint"] == f"{server.url}other/oauth/token"
    body = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "audience": "https://other.example/",
    }
    token = requests.post(other.issuer.token_url, json=body, timeout=5).json()["access_token"]
    keys = KeySet.import_key_set(jwks)
    assert jwt.decode(token, keys, algorithms=["RS256"]).claims["iss"] == f"{server.url}other/"


@pytest.mark.parametrize("name", ["", "_admin", ".well-known", "a/b", "a b"])
def test_tenant_names_cannot_collide_with_routes(server: IssuerServer, name: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        server.add_tenant(name)


def test_an_unexpected_error_is_a_json_500_not_a_hang(
    server: IssuerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(server.tenant, "jwks", broken)
    response = requests.get(server.issuer.jwks_url, timeout=5)
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "error_description": "RuntimeError: bug"}


def test_a_malformed_request_line_gets_a_json_error(server: IssuerServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.putrequest("BREW", "/")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 501
    assert json.loads(response.read())["error"] == "invalid_request"
    connection.close()


def test_ipv6_loopback() -> None:
    with IssuerServer(host="::1") as server:
        assert server.url == f"http://[::1]:{server.port}/"
        assert requests.get(server.issuer.jwks_url, timeout=5).json() == server.issuer.jwks()


def test_start_and_stop_are_idempotent() -> None:
    server = IssuerServer()
    assert repr(server).endswith("stopped tenants=[''] requests=0>")
    assert server.start() is server.start()
    server.stop()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.issuer.jwks_url, timeout=5)


def test_the_root_tenant_still_answers_beside_named_ones(server: IssuerServer) -> None:
    server.add_tenant("other")
    assert requests.get(server.issuer.jwks_url, timeout=5).json() == server.issuer.jwks()


def test_a_target_outside_every_tenant_is_404(server: IssuerServer) -> None:
    reply = server.answer("OPTIONS", "*", {}, b"")
    assert reply.status == 404
    assert json.loads(reply.body)["error"] == "not_found"


def test_plumbing_errors_other_than_io_are_reported(
    server: IssuerServer, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise ValueError("plumbing bug")
    except ValueError:
        server._httpd.handle_error(None, ("127.0.0.1", 1))
    assert "plumbing bug" in capsys.readouterr().err
    try:
        raise BrokenPipeError("client hung up")
    except BrokenPipeError:
        server._httpd.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_the_root_issuer_can_be_named_otherwise() -> None:
    with IssuerServer(issuer="https://tenant.example") as server:
        assert server.issuer.issuer == "https://tenant.example/"
        metadata = requests.get(f"{server.url}.well-known/openid-configuration", timeout=5).json()
        assert metadata["jwks_uri"] == "https://tenant.example/.well-known/jwks.json"
        assert server.add_tenant("other").issuer.issuer == f"{server.url}other/"
