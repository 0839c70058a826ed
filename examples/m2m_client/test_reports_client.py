"""The project's tests: the client against the plugin's loopback tenant over HTTPS (its own CA)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reports_client import ReportsClient, TokenError

from fake_issuer import AppSettings, app_settings
from fake_issuer.policy import APIPolicy
from fake_issuer.server import IssuerServer

SCOPE = "read:reports"


def policy(server: IssuerServer) -> APIPolicy:
    """The policy of the API the client calls: /reports needs read:reports."""
    return APIPolicy.of(server, endpoints={"/reports": SCOPE}, leeway=60)


def worker(settings: AppSettings, **options: str) -> ReportsClient:
    return ReportsClient(settings, "worker", "s3cret", **{"scope": SCOPE, **options})


def test_a_fetched_token_is_one_the_api_accepts(
    fake_issuer_server: IssuerServer, fake_issuer_settings: AppSettings
) -> None:
    token = worker(fake_issuer_settings).token()
    assert fake_issuer_settings["ca_path"] is not None  # fake_issuer_tls = true: HTTPS, its own CA
    assert (
        policy(fake_issuer_server).expect(policy(fake_issuer_server).parse(token), "/reports").status == 200
    )


def test_an_expired_token_is_replaced(
    fake_issuer_server: IssuerServer, fake_issuer_settings: AppSettings, mint_token: Callable[..., str]
) -> None:
    client = worker(fake_issuer_settings)
    expired = mint_token(scope=SCOPE, claims={"exp": 1_000_000_000})
    client.remember(expired)
    assert client.token() != expired
    assert fake_issuer_server.take_request().path == "/oauth/token"


def test_an_unknown_audience_is_refused(
    fake_issuer_server: IssuerServer, fake_issuer_settings: AppSettings
) -> None:
    with pytest.raises(TokenError, match="403 access_denied: Service not found"):
        worker(fake_issuer_settings, audience="https://other.example/api").token()


def test_a_scope_not_granted_is_refused(
    fake_issuer_server: IssuerServer, fake_issuer_settings: AppSettings
) -> None:
    with pytest.raises(TokenError, match="403 access_denied"):
        worker(fake_issuer_settings, scope="delete:reports").token()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_kept_token_is_reused_only_while_the_api_accepts_it(
    fake_issuer_server_module: IssuerServer, data: st.DataObject
) -> None:
    reports = policy(fake_issuer_server_module)
    kept = data.draw(reports.claim_tokens(), label="kept")
    client = worker(app_settings(fake_issuer_server_module))
    client.remember(kept)
    if client.token() == kept:
        reports.expect(kept, "/reports").check(200)


def test_a_kept_token_the_api_accepts_is_reused(fake_issuer_server: IssuerServer) -> None:
    kept = policy(fake_issuer_server).token(scope=SCOPE)
    client = worker(app_settings(fake_issuer_server))
    client.remember(kept)
    assert client.token() == kept
    assert not fake_issuer_server.requests  # nothing fetched
