"""Everything Auth0's own quickstart test suite (api-quickstarts-tests) checks, for both endpoints."""

from __future__ import annotations

import pytest
from django.test import Client

from fake_issuer import FakeIssuer
from tests.endpoints import MESSAGES, PRIVATE, PROTECTED, PUBLIC, SCOPED


def test_public_endpoint_answers_json_200_without_credentials(api: Client) -> None:
    response = api.get(PUBLIC)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": MESSAGES[PUBLIC]}


@pytest.mark.parametrize("path", PROTECTED)
def test_no_authorization_header_is_401(api: Client, tenant: FakeIssuer, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="apiexample"'


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("authorization", ["Bearer ", " ", "Bearer invalidToken", "Bearer invalidToken abc"])
def test_bad_authorization_values_are_401(
    api: Client, tenant: FakeIssuer, path: str, authorization: str
) -> None:
    response = api.get(path, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="apiexample"')
    assert set(response.json()) == {"error", "error_description"}


@pytest.mark.parametrize("path", PROTECTED)
def test_valid_token_with_string_appended_is_401(api: Client, tenant: FakeIssuer, path: str) -> None:
    response = api.get(path, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}string")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("scope", "private_status", "scoped_status"),
    [
        (None, 200, 403),
        ("write:messages", 200, 403),
        ("read:messages", 200, 200),
        ("read:messages write:messages", 200, 200),
    ],
)
def test_scopes_decide_the_scoped_endpoint(
    api: Client, tenant: FakeIssuer, scope: str | None, private_status: int, scoped_status: int
) -> None:
    token = tenant.mint(scope=scope)
    private = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}")
    scoped = api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert private.status_code == private_status
    assert private.json() == {"message": MESSAGES[PRIVATE]}
    assert scoped.status_code == scoped_status
    if scoped_status == 200:
        assert scoped.json() == {"message": MESSAGES[SCOPED]}
    else:
        assert scoped["WWW-Authenticate"] == (
            'Bearer realm="apiexample", error="insufficient_scope", scope="read:messages"'
        )
        assert scoped.json()["error"] == "insufficient_scope"
