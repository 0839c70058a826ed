"""pytest plugin: a fake Auth0 tenant in-process or on a loopback port, a minting helper, app settings.

Installed with the package (``pytest11`` entry point), so another project's tests just ask for the
fixtures; without installing, one line loads it: ``pytest_plugins = ["fake_issuer.plugin"]``. The ini
options (``pytest --help`` lists them) set the tenant: issuer URL, audience, scope, TLS, clients, keys.

``fake_issuer`` serves the JWKS through ``responses`` (reaches ``requests`` only, and intercepts every
``requests`` call of the test while active); ``fake_issuer_server`` is a real HTTP(S) server on
127.0.0.1 (RFC 8414 discovery, the JWKS, ``/oauth/token``), for urllib (PyJWT's ``PyJWKClient``), other
processes and end-to-end tests; ``fake_issuer_scanner`` judges a running API over HTTP
(``fake_issuer.scan``). ``mint_token`` and ``fake_issuer_settings`` follow whichever of them
the test uses. The ``*_module`` forms live for a whole test module, so ``@given`` tests can use them.

This module imports nothing of ``fake_issuer`` at import time: pytest imports entry-point plugins
before coverage measurement starts, and the fixtures import what they need when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from fake_issuer.appsettings import AppSettings
    from fake_issuer.issuer import FakeIssuer
    from fake_issuer.keys import SigningKey
    from fake_issuer.scan.session import Scanner
    from fake_issuer.server.http import IssuerServer

# The library's defaults (fake_issuer.issuer), spelled out so that ``--help`` imports nothing.
_DEFAULT_ISSUER = "https://fake-tenant.auth0.test/"
_DEFAULT_AUDIENCE = "https://apiexample.test/api"
_DEFAULT_SCOPE = "read:messages"
_INI = (
    (
        "fake_issuer_url",
        "string",
        f"issuer URL (default: {_DEFAULT_ISSUER}; for the server, its own URL). "
        "For fake_issuer_server, a loopback URL (http[s]://127.0.0.1:PORT/) sets scheme and port instead",
    ),
    (
        "fake_issuer_audience",
        "string",
        f"the API identifier, aud of minted tokens (default: {_DEFAULT_AUDIENCE})",
    ),
    (
        "fake_issuer_scope",
        "string",
        f"scope of mint_token's tokens and of the default client (default: {_DEFAULT_SCOPE})",
    ),
    ("fake_issuer_port", "string", "port of fake_issuer_server (default: 0, a free port)"),
    (
        "fake_issuer_tls",
        "string",
        "fake_issuer_server speaks HTTPS: 'true' (a fresh CA) or a directory "
        "(ca.pem written there, a stable path); default: false",
    ),
    (
        "fake_issuer_clients",
        "linelist",
        "fake_issuer_server's clients, one per line: ID:SECRET[:SCOPES] "
        "(scopes space- or comma-separated, granted on the audience); default: one client granted the scope",
    ),
    (
        "fake_issuer_extra_keys",
        "string",
        "how many more keys the JWKS publishes besides the signing key (default: 0)",
    ),
    (
        "fake_issuer_key_file",
        "string",
        "sign with the key in FILE, created if missing (the format of "
        "`fake-issuer serve --key-file`); default: a fresh key",
    ),
)
_SERVERS = ("fake_issuer_server", "fake_issuer_server_module")
_IN_PROCESS = ("fake_issuer", "fake_issuer_module")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``fake_issuer_*`` ini options."""
    for name, kind, text in _INI:
        parser.addini(name, text, type=kind)  # type: ignore[arg-type]  # kind is one of pytest's names


@dataclass(frozen=True)
class Options:
    """The tenant the ini options describe."""

    url: str | None
    audience: str
    scope: str
    port: int
    tls: bool | Path
    clients: tuple[str, ...]
    extra_keys: int
    key_file: Path | None

    @classmethod
    def from_config(cls, config: pytest.Config) -> Options:
        """Read and check the ini options; a bad value fails the test with one line naming the option."""

        def text(name: str) -> str:
            return str(config.getini(name) or "").strip()

        def number(name: str) -> int:
            raw = text(name) or "0"
            if not raw.isdigit():
                pytest.fail(f"{name} must be a whole number, not {raw!r}", pytrace=False)
            return int(raw)

        tls_text = text("fake_issuer_tls")
        tls: bool | Path = (
            tls_text.lower() in ("1", "true", "yes")
            if tls_text.lower() in ("", "0", "1", "true", "false", "yes", "no")
            else config.rootpath / tls_text
        )
        key_file = text("fake_issuer_key_file")
        return cls(
            url=text("fake_issuer_url") or None,
            audience=text("fake_issuer_audience") or _DEFAULT_AUDIENCE,
            scope=text("fake_issuer_scope") or _DEFAULT_SCOPE,
            port=number("fake_issuer_port"),
            tls=tls,
            clients=tuple(config.getini("fake_issuer_clients")),
            extra_keys=number("fake_issuer_extra_keys"),
            key_file=config.rootpath / key_file if key_file else None,
        )

    def signing_keys(self) -> list[SigningKey] | int:
        """The keys the tenant starts with: the key file's, or one fresh key."""
        if self.key_file is None:
            return 1
        from fake_issuer.keyfile import load_or_create_key_file

        return [load_or_create_key_file(self.key_file)[0]]

    def in_process(self) -> FakeIssuer:
        """A ``FakeIssuer`` as the options describe it (not yet serving)."""
        from fake_issuer.issuer import FakeIssuer

        issuer = FakeIssuer(self.url or _DEFAULT_ISSUER, audience=self.audience, keys=self.signing_keys())
        for _ in range(self.extra_keys):
            issuer.add_key()
        return issuer

    def server(self) -> IssuerServer:
        """An ``IssuerServer`` on 127.0.0.1 as the options describe it (not yet serving)."""
        from fake_issuer.issuer import DEFAULT_CLIENT_ID
        from fake_issuer.server.clients import (
            DEFAULT_CLIENT_SECRET,
            Client,
            ClientRegistry,
            parse_client_spec,
        )
        from fake_issuer.server.http import IssuerServer
        from fake_issuer.server.tls import generate_tls_material

        port, tls, issuer = self.port, self.tls, None
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.hostname in ("127.0.0.1", "localhost"):
                port, tls = parts.port or port, tls or parts.scheme == "https"
            else:  # another issuer than the server's URL, as behind a proxy: iss names it
                issuer = self.url
        try:
            specs = [parse_client_spec(spec, self.audience) for spec in self.clients]
        except ValueError as error:
            pytest.fail(f"fake_issuer_clients: {error}", pytrace=False)
        default = Client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, {self.audience: tuple(self.scope.split())})
        server = IssuerServer(
            port=port,
            tls=generate_tls_material().write(tls) if isinstance(tls, Path) else tls,
            issuer=issuer,
            audience=self.audience,
            clients=ClientRegistry(specs or [default]),
            keys=self.signing_keys(),
        )
        for _ in range(self.extra_keys):
            server.issuer.add_key()
        return server


@pytest.fixture(scope="session")
def fake_issuer_options(pytestconfig: pytest.Config) -> Options:
    """The ``fake_issuer_*`` ini options, read once; ``.in_process()``/``.server()`` build a tenant."""
    return Options.from_config(pytestconfig)


@pytest.fixture
def fake_issuer(fake_issuer_options: Options) -> Iterator[FakeIssuer]:
    """A fake Auth0 tenant whose JWKS ``requests`` fetches in-process (``responses``); ``.mint()`` tokens."""
    with fake_issuer_options.in_process() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def fake_issuer_module(fake_issuer_options: Options) -> Iterator[FakeIssuer]:
    """``fake_issuer`` for a whole test module (usable from ``@given`` tests); keys persist between tests."""
    with fake_issuer_options.in_process() as issuer:
        yield issuer


@pytest.fixture
def fake_issuer_server(fake_issuer_options: Options) -> Iterator[IssuerServer]:
    """A fake Auth0 tenant served on 127.0.0.1 (JWKS, discovery, /oauth/token); ``.issuer`` mints."""
    with fake_issuer_options.server() as server:
        yield server


@pytest.fixture(scope="module")
def fake_issuer_server_module(fake_issuer_options: Options) -> Iterator[IssuerServer]:
    """``fake_issuer_server`` for a whole test module (usable from ``@given`` tests)."""
    with fake_issuer_options.server() as server:
        yield server


def _tenant_in_use(request: pytest.FixtureRequest) -> str | None:
    """The one tenant fixture the test uses, None if it uses none; two at once is a usage error."""
    used = [name for name in (*_SERVERS, *_IN_PROCESS) if name in request.fixturenames]
    if len(used) > 1:
        pytest.fail(
            f"{request.fixturename} cannot tell which tenant to follow: the test uses {' and '.join(used)}",
            pytrace=False,
        )
    return used[0] if used else None


@pytest.fixture
def mint_token(request: pytest.FixtureRequest, fake_issuer_options: Options) -> Callable[..., str]:
    """``mint_token(**overrides)``: a token from the tenant the test uses (``fake_issuer`` if none).

    No arguments gives a token that tenant's JWKS verifies, with the configured scope; the keywords
    are ``FakeIssuer.mint``'s (``claims=``, ``drop=``, ``scope=``, ``header=``, ``key=``, ...).
    """
    name = _tenant_in_use(request) or "fake_issuer"
    tenant = request.getfixturevalue(name)
    issuer: FakeIssuer = tenant.issuer if name in _SERVERS else tenant

    def mint(**overrides: object) -> str:
        overrides.setdefault("scope", fake_issuer_options.scope)
        return issuer.mint(**overrides)  # type: ignore[arg-type]  # FakeIssuer.mint checks its keywords

    return mint


@pytest.fixture
def fake_issuer_settings(request: pytest.FixtureRequest, fake_issuer_options: Options) -> AppSettings:
    """What the application under test needs for the tenant the test uses: issuer, audience, URLs, CA.

    A mapping (``issuer``, ``audience``, ``jwks_url``, ``token_url``, ``ca_path``); for Django,
    ``fake_issuer_settings.to_django(settings, prefix="JWT_")`` sets ``JWT_ISSUER`` and the rest.
    Without a tenant fixture in the test, the in-process tenant's values (nothing is started).
    """
    from fake_issuer.appsettings import app_settings

    name = _tenant_in_use(request)
    return app_settings(request.getfixturevalue(name) if name else fake_issuer_options.in_process())


@pytest.fixture
def fake_issuer_scanner(fake_issuer_options: Options) -> Iterator[Scanner]:
    """A running ``fake-issuer scan``: configure the API from ``.settings``, then ``.scan(Targets(...))``."""
    from fake_issuer.scan.session import Options as ScanOptions
    from fake_issuer.scan.session import scanner

    yield from scanner(ScanOptions(audience=fake_issuer_options.audience))
