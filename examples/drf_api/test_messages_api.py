"""The project's tests: its own policy, tokens from the plugin's in-process tenant, Django's test client."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from hypothesis import given, settings

from fake_issuer import FakeIssuer
from fake_issuer.policy import APIPolicy, Token

# What this API promises, in plain values: the oracle judges every generated token against it.
POLICY = APIPolicy(
    issuer="https://messages.eu.auth0.com/",
    audience="https://messages.example/api",
    endpoints={"/api/private": None, "/api/messages": "read:messages"},
    public=["/api/public"],
    leeway=30,
    realm="messages",
)


def get(path: str, token: str | None = None) -> tuple[int, str | None]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    response = Client().get(path, **headers)
    return response.status_code, response.headers.get("WWW-Authenticate")


def test_a_valid_token_reads_messages(mint_token: Callable[..., str]) -> None:
    assert get("/api/messages", mint_token())[0] == 200


def test_an_expired_token_is_refused(fake_issuer: FakeIssuer) -> None:
    token = fake_issuer.mint(claims={"exp": 1_000_000_000})
    assert get("/api/private", token) == (401, 'Bearer realm="messages"')


def test_a_token_for_another_api_is_refused(mint_token: Callable[..., str]) -> None:
    assert get("/api/private", mint_token(claims={"aud": "https://other.example/api"}))[0] == 401


def test_a_token_without_the_scope_is_forbidden(mint_token: Callable[..., str]) -> None:
    token = mint_token(scope="write:messages")
    assert get("/api/private", token)[0] == 200
    assert get("/api/messages", token)[0] == 403


def test_no_token_is_a_bare_challenge() -> None:
    assert get("/api/messages") == (401, 'Bearer realm="messages"')


@settings(max_examples=40, deadline=None)
@given(token=POLICY.claim_tokens())
def test_generated_claims_get_the_answer_the_policy_owes(
    fake_issuer_module: FakeIssuer, token: Token
) -> None:
    for endpoint in ("/api/private", "/api/messages"):
        POLICY.expect(token, endpoint).check(*get(endpoint, token))
