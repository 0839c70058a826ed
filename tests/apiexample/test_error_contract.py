"""One test per row of the policy's answers, and the "never 5xx, never HTML" promise around it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from apiexample import validator as validator_module
from apiexample.jwks.keysource import KeysUnavailable
from fake_issuer import FakeIssuer
from fake_issuer.mocking import FAULTS, Fault
from tests.endpoints import PRIVATE, PROTECTED, PUBLIC, SCOPED


@pytest.mark.parametrize("path", PROTECTED)
def test_row1_no_credentials(api: Client, tenant: FakeIssuer, path: str) -> None:
    extras: list[dict[str, Any]] = [{}, {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}]
    for extra in extras:
        response = api.get(path, **extra)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="apiexample"'
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": "missing_authorization",
            "error_description": "A Bearer access token is required in the Authorization header.",
        }


@pytest.mark.parametrize("path", PROTECTED)
def test_row2_invalid_token_names_the_failed_rule_without_echoing_it(
    api: Client, tenant: FakeIssuer, path: str
) -> None:
    token = tenant.mint(claims={"aud": "https://someone-else.example/"})
    response = api.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    description = "The token's 'aud' claim does not name this API."
    assert response.json() == {"error": "invalid_token", "error_description": description}
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="apiexample", error="invalid_token", error_description="{description}"'
    )
    assert token not in response.content.decode()


def test_row3_insufficient_scope(api: Client, tenant: FakeIssuer) -> None:
    response = api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(scope='write:messages')}")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer realm="apiexample", error="insufficient_scope", scope="read:messages"'
    )
    assert response.json()["error"] == "insufficient_scope"


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("path", PROTECTED)
def test_row4_keys_unavailable_is_503_with_retry_after(
    api: Client, tenant: FakeIssuer, fault: Fault, path: str
) -> None:
    tenant.mock.fail(fault)
    response = api.get(path, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "WWW-Authenticate" not in response
    assert response.json()["error"] == "temporarily_unavailable"


def test_row4_says_why_the_keys_cannot_be_had(
    api: Client, tenant: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(self: object, token: str) -> None:
        raise KeysUnavailable("the JWKS answered status 500", retry_after=7)

    monkeypatch.setattr(validator_module.Auth0JWTBearerTokenValidator, "decode", unavailable)
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}")
    assert (response.status_code, response["Retry-After"]) == (503, "7")
    assert response.json()["error_description"] == (
        "The token cannot be checked now: the JWKS answered status 500. Retry later."
    )


def test_row4_recovers_when_the_jwks_is_back(api: Client, tenant: FakeIssuer) -> None:
    tenant.mock.fail("refused")
    token = tenant.mint()
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 503
    tenant.mock.heal()
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_a_header_check_failure_needs_no_keys(api: Client, tenant: FakeIssuer) -> None:
    # A token refused on its header alone is 401 even while the JWKS is down: no fetch is needed.
    tenant.mock.fail("status")
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(header={'alg': 'none'})}")
    assert response.status_code == 401
    assert tenant.mock.fetches == 0


def test_a_bug_in_validation_fails_closed_as_401(
    api: Client, tenant: FakeIssuer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(validator_module, "validate_claims", broken)
    with caplog.at_level(logging.ERROR, logger="apiexample.validator"):
        response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint()}")
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token could not be validated."
    assert "simulated bug" in caplog.text
    assert "token validation failed unexpectedly; rejecting the token" in caplog.messages


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", [PUBLIC, PRIVATE, SCOPED])
def test_other_methods_get_json_405(api: Client, method: str, path: str) -> None:
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


def test_head_is_answered_like_get(api: Client, tenant: FakeIssuer) -> None:
    assert api.head(PUBLIC).status_code == 200
    assert api.head(PRIVATE).status_code == 401


@pytest.mark.parametrize("path", ["/", "/api", "/api/public/", "/api/private/x", "/admin/", "/%00"])
def test_unknown_paths_get_json_404(api: Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_bad_host_header_gets_json_400(api: Client) -> None:
    response = api.get(PUBLIC, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "bad_request"


def test_an_unexpected_exception_in_a_view_is_json(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from apiexample import views

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(views, "JsonResponse", explode)
    api.raise_request_exception = False
    response = api.get(PUBLIC)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_server_error"
