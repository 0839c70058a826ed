"""Key rotation and fault injection at run time, through the Python API and the admin calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID
from fake_issuer.server.clients import DEFAULT_CLIENT_SECRET
from fake_issuer.server.http import IssuerServer
from fake_issuer.server.tenant import ENDPOINTS, FAULTS, Reply, Tenant, admin_document


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    """A running server with the default tenant."""
    with IssuerServer() as running:
        yield running


def kids(server: IssuerServer) -> list[str]:
    """The ``kid``s the JWKS serves now."""
    return [jwk["kid"] for jwk in requests.get(server.issuer.jwks_url, timeout=5).json()["keys"]]


def served_keys(server: IssuerServer) -> KeySet:
    """The key set the server's JWKS endpoint publishes now."""
    return KeySet.import_key_set(requests.get(server.issuer.jwks_url, timeout=5).json())


def admin(server: IssuerServer, method: str, action: str, document: object = None) -> requests.Response:
    """An admin call on the root tenant."""
    return requests.request(method, f"{server.url}_admin/{action}", json=document, timeout=5)


def get_token(server: IssuerServer) -> requests.Response:
    """The default client's token request."""
    body = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "audience": DEFAULT_AUDIENCE,
    }
    return requests.post(server.issuer.token_url, json=body, timeout=5)


# -- keys -----------------------------------------------------------------------------------------------


def test_python_api_rotation_shows_at_the_next_fetch(server: IssuerServer) -> None:
    old = server.issuer.signing_key.kid
    added = server.issuer.add_key()
    assert kids(server) == [old, added.kid]
    new = server.issuer.rotate()
    assert kids(server) == [new.kid]
    assert new.kid not in (old, added.kid)


def test_admin_rotate_publishes_and_signs_with_a_new_key(server: IssuerServer) -> None:
    old = server.issuer.signing_key.kid
    response = admin(server, "POST", "rotate")
    assert response.status_code == 200
    kid = response.json()["kid"]
    assert kid != old
    assert response.json()["keys"] == server.issuer.jwks()["keys"]
    assert kids(server) == [kid]
    token = get_token(server).json()["access_token"]
    assert jwt.decode(token, served_keys(server), algorithms=["RS256"]).header["kid"] == kid


def test_admin_adds_and_removes_keys(server: IssuerServer) -> None:
    old = server.issuer.signing_key.kid
    added = admin(server, "POST", "keys").json()["kid"]
    assert kids(server) == [old, added]
    removed = admin(server, "DELETE", f"keys/{old}")
    assert removed.status_code == 200
    assert [jwk["kid"] for jwk in removed.json()["keys"]] == [added]
    missing = admin(server, "DELETE", f"keys/{old}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_admin_mint_signs_with_the_served_key(server: IssuerServer) -> None:
    response = admin(
        server,
        "POST",
        "mint",
        {"scope": None, "claims": {"sub": "me"}, "header": {"typ": "at+jwt"}, "drop": ["azp"]},
    )
    assert response.status_code == 200
    decoded = jwt.decode(response.json()["access_token"], served_keys(server), algorithms=["RS256"])
    assert decoded.header["typ"] == "at+jwt"
    assert decoded.claims["sub"] == "me"
    assert "scope" not in decoded.claims
    assert "azp" not in decoded.claims
    assert decoded.claims["iss"] == server.url


def test_admin_mint_defaults_to_a_valid_token(server: IssuerServer) -> None:
    token = admin(server, "POST", "mint").json()["access_token"]
    claims = jwt.decode(token, served_keys(server), algorithms=["RS256"]).claims
    assert claims["scope"] == "read:messages"


@pytest.mark.parametrize(
    "document",
    [{"scope": 1}, {"claims": []}, {"header": "x"}, {"drop": "azp"}, {"drop": [1]}],
)
def test_admin_mint_refuses_malformed_documents(server: IssuerServer, document: object) -> None:
    response = admin(server, "POST", "mint", document)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("body", [b"[1]", b"{nope", b'"x"', b"[" * 50_000, b'{"claims": {"sub": "\\ud800"}}'])
def test_admin_calls_take_json_objects(server: IssuerServer, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    response = requests.post(f"{server.url}_admin/mint", data=body, headers=headers, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(("method", "action"), [("GET", "rotate"), ("POST", "nothing"), ("PUT", "faults")])
def test_unknown_admin_calls_are_404(server: IssuerServer, method: str, action: str) -> None:
    response = admin(server, method, action)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_admin_document_of_an_empty_body_is_empty() -> None:
    assert admin_document(b"  ") == {}


# -- faults -----------------------------------------------------------------------------------------------


def test_status_fault_is_a_json_500(server: IssuerServer) -> None:
    server.fail("status")
    response = requests.get(server.issuer.jwks_url, timeout=5)
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"


def test_garbage_fault_is_html(server: IssuerServer) -> None:
    server.fail("garbage", "discovery")
    response = requests.get(f"{server.url}.well-known/openid-configuration", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    with pytest.raises(requests.JSONDecodeError):
        response.json()


@pytest.mark.parametrize(
    ("endpoint", "path", "empty"),
    [("jwks", ".well-known/jwks.json", {"keys": []}), ("discovery", ".well-known/openid-configuration", {})],
)
def test_empty_fault(server: IssuerServer, endpoint: str, path: str, empty: object) -> None:
    server.fail("empty", endpoint)  # type: ignore[arg-type]
    assert requests.get(server.url + path, timeout=5).json() == empty


def test_faults_on_the_token_endpoint_hit_successes_and_refusals_alike(server: IssuerServer) -> None:
    server.fail("status", "token")
    assert get_token(server).status_code == 500
    refused = requests.post(server.issuer.token_url, json={"grant_type": "password"}, timeout=5)
    assert refused.status_code == 500
    assert requests.get(server.issuer.jwks_url, timeout=5).status_code == 200


def test_drop_fault_closes_the_connection_unanswered(server: IssuerServer) -> None:
    server.fail("drop")
    with pytest.raises(requests.ConnectionError):
        requests.get(server.issuer.jwks_url, timeout=5)
    assert server.take_request().path == "/.well-known/jwks.json"


def test_slow_fault_holds_the_answer_until_healed(server: IssuerServer) -> None:
    server.fail("slow")
    # The server holds the request until heal(): the client's timeout fires whatever the machine's speed.
    with pytest.raises(requests.ReadTimeout):
        requests.get(server.issuer.jwks_url, timeout=(5, 0.2))
    server.heal()
    assert requests.get(server.issuer.jwks_url, timeout=5).status_code == 200


def test_stopping_releases_held_requests() -> None:
    server = IssuerServer().start()
    server.fail("slow")
    answers: list[int] = []
    client = threading.Thread(
        target=lambda: answers.append(requests.get(server.issuer.jwks_url, timeout=30).status_code)
    )
    client.start()
    server.take_request()
    server.stop()
    client.join()
    assert answers == [200]


def test_slow_gives_up_after_slow_seconds(server: IssuerServer) -> None:
    server.tenant.slow_seconds = 0
    server.fail("slow")
    assert requests.get(server.issuer.jwks_url, timeout=5).status_code == 200


def test_admin_injects_and_heals_faults(server: IssuerServer) -> None:
    response = admin(server, "POST", "faults", {"fault": "status", "endpoint": "discovery"})
    assert response.json() == {"faults": {"discovery": "status"}}
    assert requests.get(f"{server.url}.well-known/openid-configuration", timeout=5).status_code == 500
    assert admin(server, "POST", "faults", {"fault": "garbage"}).json() == {
        "faults": {"discovery": "status", "jwks": "garbage"}
    }
    assert admin(server, "DELETE", "faults").json() == {"faults": {}}
    assert requests.get(server.issuer.jwks_url, timeout=5).status_code == 200


@pytest.mark.parametrize("document", [{"fault": "melt"}, {"fault": "status", "endpoint": "userinfo"}, {}])
def test_admin_refuses_unknown_faults(server: IssuerServer, document: object) -> None:
    response = admin(server, "POST", "faults", document)
    assert response.status_code == 400
    assert "unknown" in response.json()["error_description"]


def test_heal_clears_every_tenant(server: IssuerServer) -> None:
    other = server.add_tenant("other")
    other.fail("status")
    server.fail("status")
    server.heal()
    assert other.faults == server.tenant.faults == {}


def test_the_fault_names_are_documented() -> None:
    assert FAULTS == ("status", "garbage", "empty", "slow", "drop")
    assert ENDPOINTS == ("jwks", "discovery", "token")


def test_tenant_repr_and_reply_defaults() -> None:
    with IssuerServer() as server:
        tenant: Tenant = server.tenant
        server.fail("empty")
        assert (
            repr(tenant)
            == f"<Tenant {server.url} clients=['{DEFAULT_CLIENT_ID}'] faults={{'jwks': 'empty'}}>"
        )
    assert Reply(204) == Reply(204, b"", {}, False)
