"""The client-credentials grant's decisions (RFC 6749 §4.4, Auth0's error statuses), without a socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_SCOPE, FakeIssuer
from fake_issuer.server.clients import (
    DEFAULT_CLIENT_SECRET,
    Client,
    ClientRegistry,
    Grant,
    TokenRequestError,
    default_clients,
    parse_client_spec,
)

API = "https://api.example/"
OTHER_API = "https://other.example/"


@pytest.fixture
def registry() -> ClientRegistry:
    """Two APIs; a reader with two scopes on API, a client with no scope, one granted only OTHER_API."""
    return ClientRegistry(
        [
            Client("reader", "reader-secret", {API: ("read:messages", "write:messages")}),
            Client("noscope", "noscope-secret", {API: ()}),
            Client("elsewhere", "elsewhere-secret", {OTHER_API: ("read:messages",)}),
        ]
    )


def request(client_id: str = "reader", secret: str = "reader-secret", **extra: str) -> dict[str, str]:
    """A well-formed client-credentials request for API."""
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "audience": API,
        **extra,
    }


def refusal(
    registry: ClientRegistry, params: dict[str, str], basic: tuple[str, str] | None = None
) -> tuple[int, str, str]:
    """The (status, error, description) the registry refuses ``params`` with."""
    with pytest.raises(TokenRequestError) as caught:
        registry.authorize(params, basic)
    body = caught.value.body()
    assert set(body) == {"error", "error_description"}
    return caught.value.status, body["error"], body["error_description"]


def test_a_granted_client_gets_all_its_scopes(registry: ClientRegistry) -> None:
    grant = registry.authorize(request())
    assert grant == Grant("reader", API, ("read:messages", "write:messages"))
    assert grant.scope == "read:messages write:messages"


def test_a_requested_subset_is_what_is_granted(registry: ClientRegistry) -> None:
    grant = registry.authorize(request(scope="write:messages  write:messages"))
    assert grant.scopes == ("write:messages",)


def test_an_empty_scope_request_means_everything_granted(registry: ClientRegistry) -> None:
    assert registry.authorize(request(scope="")).scopes == ("read:messages", "write:messages")


def test_a_grant_without_scopes_gives_no_scope_claim(registry: ClientRegistry) -> None:
    grant = registry.authorize(request("noscope", "noscope-secret"))
    assert grant.scopes == ()
    assert grant.scope is None


def test_http_basic_credentials_authenticate(registry: ClientRegistry) -> None:
    params = {"grant_type": "client_credentials", "audience": API}
    assert registry.authorize(params, ("reader", "reader-secret")).client_id == "reader"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"client_id": "reader", "client_secret": "reader-secret", "audience": API},
            (400, "invalid_request", "Missing required parameter: grant_type"),
        ),
        (request(grant_type="password"), (400, "unsupported_grant_type", "Unsupported grant type: password")),
        (
            request(grant_type="authorization_code"),
            (400, "unsupported_grant_type", "Unsupported grant type: authorization_code"),
        ),
        ({"grant_type": "client_credentials", "audience": API}, (401, "invalid_client", "Missing client_id")),
        (request("nobody"), (401, "access_denied", "Unauthorized")),
        (request(secret="wrong"), (401, "access_denied", "Unauthorized")),
        (
            {"grant_type": "client_credentials", "client_id": "reader", "audience": API},
            (401, "access_denied", "Unauthorized"),
        ),
        (request(audience=""), (403, "access_denied", "Non-global clients are not allowed access to APIv1")),
        (
            request(audience="https://unknown.example/"),
            (403, "access_denied", "Service not found: https://unknown.example/"),
        ),
        (
            request("elsewhere", "elsewhere-secret"),
            (
                403,
                "access_denied",
                f'Client is not authorized to access "{API}". '
                'You need to create a "client-grant" associated to this API.',
            ),
        ),
        (
            request(scope="read:messages admin delete"),
            (403, "access_denied", "Client has not been granted scopes: admin, delete"),
        ),
    ],
)
def test_refusals_have_auth0s_status_and_error(
    registry: ClientRegistry, params: dict[str, str], expected: tuple[int, str, str]
) -> None:
    assert refusal(registry, params) == expected


def test_basic_and_body_credentials_together_are_refused(registry: ClientRegistry) -> None:
    status, error, _ = refusal(registry, request(), ("reader", "reader-secret"))
    assert (status, error) == (400, "invalid_request")


def test_a_wrong_basic_secret_is_unauthorized(registry: ClientRegistry) -> None:
    params = {"grant_type": "client_credentials", "audience": API}
    assert refusal(registry, params, ("reader", "nope"))[:2] == (401, "access_denied")


def test_token_request_error_reads_well() -> None:
    assert str(TokenRequestError(403, "access_denied", "why")) == "403 access_denied: why"


@pytest.mark.parametrize(
    ("spec", "scopes"),
    [
        ("reader:s3cret:read:messages", ("read:messages",)),
        ("reader:s3cret:read:messages,write:messages", ("read:messages", "write:messages")),
        ("reader:s3cret:read:messages write:messages", ("read:messages", "write:messages")),
        ("reader:s3cret", ()),
        ("reader:s3cret:", ()),
    ],
)
def test_client_specs_grant_scopes_on_the_audience(spec: str, scopes: tuple[str, ...]) -> None:
    client = parse_client_spec(spec, API)
    assert (client.client_id, client.client_secret, dict(client.grants)) == (
        "reader",
        "s3cret",
        {API: scopes},
    )


@pytest.mark.parametrize("spec", ["reader", "reader:", ":s3cret", ""])
def test_client_specs_need_an_id_and_a_secret(spec: str) -> None:
    with pytest.raises(ValueError, match="ID:SECRET"):
        parse_client_spec(spec, API)


def test_the_secret_is_not_in_the_repr() -> None:
    assert "s3cret" not in repr(Client("reader", "s3cret"))
    assert repr(ClientRegistry([Client("b", "x"), Client("a", "y")], apis={API: ()})) == (
        f"<ClientRegistry apis=['{API}'] clients=['a', 'b']>"
    )


def test_grants_make_their_audiences_known_apis_with_their_scopes() -> None:
    registry = ClientRegistry(
        [Client("a", "x", {API: ("read",)}), Client("b", "y", {API: ("read", "write")})],
        apis={OTHER_API: ("admin",)},
    )
    assert registry.apis == {OTHER_API: ("admin",), API: ("read", "write")}


def test_a_client_cannot_be_defined_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        ClientRegistry([Client("a", "x"), Client("a", "y")])


def test_the_default_client_is_granted_the_default_scope() -> None:
    registry = default_clients(FakeIssuer())
    params = request(FakeIssuer().client_id, DEFAULT_CLIENT_SECRET, audience=DEFAULT_AUDIENCE)
    assert registry.authorize(params).scopes == (DEFAULT_SCOPE,)


CONFIG = {
    "apis": {OTHER_API: ["admin"]},
    "clients": [
        {"client_id": "reader", "client_secret": "r", "grants": {API: ["read:messages"]}},
        {"client_id": "bare", "client_secret": "b"},
    ],
}


def test_the_config_file_defines_apis_clients_and_grants(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps(CONFIG))
    registry = ClientRegistry.from_file(path)
    assert registry.apis == {OTHER_API: ("admin",), API: ("read:messages",)}
    assert registry.clients["reader"].grants == {API: ("read:messages",)}
    assert registry.clients["bare"].grants == {}


def test_a_config_file_that_is_not_json_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"clients\.json: not JSON"):
        ClientRegistry.from_file(path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "JSON object"),
        ({"client": []}, "JSON object"),
        ({"apis": []}, '"apis" must map'),
        ({"apis": {API: "read"}}, "list of strings"),
        ({"apis": {API: [1]}}, "list of strings"),
        ({"clients": {}}, '"clients" must be a list'),
        ({"clients": ["reader"]}, "each client is"),
        ({"clients": [{"client_id": "a", "client_secret": "b", "grants": []}]}, "each client is"),
        ({"clients": [{"client_id": "a"}]}, "non-empty string"),
        ({"clients": [{"client_id": "", "client_secret": "b"}]}, "non-empty string"),
        ({"clients": [{"client_id": 1, "client_secret": "b"}]}, "non-empty string"),
        ({"clients": [{"client_id": "a", "client_secret": ""}]}, "non-empty string"),
        ({"clients": [{"client_id": "a", "client_secret": "b", "grants": {API: "read"}}]}, "list of strings"),
    ],
)
def test_malformed_configs_are_refused_with_a_reason(document: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClientRegistry.from_document(document)
