"""pytest plugin: a fake Auth0 tenant per test, in-process or on a loopback port, and a minting helper.

Installed with the package (``pytest11`` entry point), so another project's tests just ask for the
fixtures; without installing, one line loads it: ``pytest_plugins = ["fake_issuer.plugin"]``. The
tenant's issuer URL and audience come from the ini options ``fake_issuer_url`` and
``fake_issuer_audience`` (set them to what the code under test is configured with).

``fake_issuer`` serves the JWKS through ``responses`` (reaches ``requests`` only, and intercepts every
``requests`` call of the test while active); ``fake_issuer_server`` is a real HTTP server on
127.0.0.1, for urllib (PyJWT's ``PyJWKClient``), other processes and end-to-end tests;
``fake_issuer_scanner`` judges a running API over HTTP (``fake_issuer.scan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from fake_issuer.server.http import IssuerServer

if TYPE_CHECKING:
    from fake_issuer.scan.session import Scanner


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ini options ``fake_issuer_url`` and ``fake_issuer_audience``."""
    parser.addini("fake_issuer_url", f"issuer URL of the fake_issuer fixture (default: {DEFAULT_ISSUER})")
    parser.addini(
        "fake_issuer_audience", f"audience of the fake_issuer fixtures (default: {DEFAULT_AUDIENCE})"
    )


def _ini(config: pytest.Config, name: str, default: str) -> str:
    value = config.getini(name)
    return str(value) if value else default


@pytest.fixture
def fake_issuer(pytestconfig: pytest.Config) -> Iterator[FakeIssuer]:
    """A fake Auth0 tenant whose JWKS ``requests`` fetches in-process (``responses``); ``.mint()`` tokens."""
    issuer = FakeIssuer(
        _ini(pytestconfig, "fake_issuer_url", DEFAULT_ISSUER),
        audience=_ini(pytestconfig, "fake_issuer_audience", DEFAULT_AUDIENCE),
    )
    with issuer:
        yield issuer


@pytest.fixture
def fake_issuer_server(pytestconfig: pytest.Config) -> Iterator[IssuerServer]:
    """A fake Auth0 tenant served on 127.0.0.1 (JWKS, discovery, /oauth/token); ``.issuer`` mints."""
    with IssuerServer(audience=_ini(pytestconfig, "fake_issuer_audience", DEFAULT_AUDIENCE)) as server:
        yield server


@pytest.fixture
def mint_token(fake_issuer: FakeIssuer) -> Callable[..., str]:
    """``mint_token(**overrides)``: a token from ``fake_issuer``; no arguments gives a valid one."""
    return fake_issuer.mint


@pytest.fixture
def fake_issuer_scanner(pytestconfig: pytest.Config) -> Iterator[Scanner]:
    """A running ``fake-issuer scan``: configure the API from ``.settings``, then ``.scan(Targets(...))``."""
    from fake_issuer.scan.session import Options, scanner  # only the tests that scan pay for the import

    yield from scanner(Options(audience=_ini(pytestconfig, "fake_issuer_audience", DEFAULT_AUDIENCE)))
