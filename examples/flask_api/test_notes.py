"""The project's tests: a real loopback tenant (PyJWKClient fetches with urllib), Flask's test client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from notes import create_app

from fake_issuer import app_settings
from fake_issuer.policy import APIPolicy, Token
from fake_issuer.server import IssuerServer

ENDPOINTS = {"/notes": None}  # GET needs any valid token; POST needs write:notes


def policy(server: IssuerServer) -> APIPolicy:
    """This API's policy, for the tenant it trusts in the test."""
    return APIPolicy.of(server, endpoints=ENDPOINTS, realm="notes", leeway=60)


def test_a_valid_token_reads_notes(client: FlaskClient, mint_token: Callable[..., str]) -> None:
    assert client.get("/notes", headers={"Authorization": f"Bearer {mint_token()}"}).status_code == 200


def test_an_expired_token_is_refused(client: FlaskClient, mint_token: Callable[..., str]) -> None:
    response = client.get("/notes", headers={"Authorization": f"Bearer {mint_token(claims={'exp': 1})}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="notes", error="invalid_token"'


def test_a_token_for_another_api_is_refused(client: FlaskClient, mint_token: Callable[..., str]) -> None:
    token = mint_token(claims={"aud": "https://other.example/api"})
    assert client.get("/notes", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_writing_needs_the_scope(client: FlaskClient, mint_token: Callable[..., str]) -> None:
    reader = {"Authorization": f"Bearer {mint_token(scope='read:notes')}"}
    writer = {"Authorization": f"Bearer {mint_token(scope='read:notes write:notes')}"}
    assert client.post("/notes", headers=reader).status_code == 403
    assert client.post("/notes", headers=writer).status_code == 201


@pytest.fixture(scope="module")
def tenant_and_app(fake_issuer_server_module: IssuerServer) -> tuple[APIPolicy, FlaskClient]:
    """This API's policy and app for one loopback tenant that serves the whole module."""
    app = create_app(app_settings(fake_issuer_server_module))
    return policy(fake_issuer_server_module), app.test_client()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_generated_claims_get_the_answer_the_policy_owes(
    tenant_and_app: tuple[APIPolicy, FlaskClient], data: st.DataObject
) -> None:
    notes_policy, client = tenant_and_app
    token: Token = data.draw(notes_policy.claim_tokens(), label="token")
    response = client.get("/notes", headers={"Authorization": token.authorization})
    notes_policy.expect(token, "/notes").check(response.status_code, response.headers.get("WWW-Authenticate"))
