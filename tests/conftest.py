"""Shared fixtures: a fresh in-process tenant per test, the API's client, and a request helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from apiexample.auth import require_auth
from fake_issuer import FakeIssuer


@pytest.fixture
def tenant() -> Iterator[FakeIssuer]:
    """The default fake tenant (the one tests.settings trusts), its JWKS served in-process.

    The API's validator is rebuilt around it, so no keys cached by another test leak in.
    """
    require_auth.reset()
    with FakeIssuer() as issuer:
        yield issuer
    require_auth.reset()


@pytest.fixture
def api() -> Client:
    """Django's test client for the API."""
    return Client()
