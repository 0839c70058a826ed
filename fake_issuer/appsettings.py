"""What an application under test is configured with to trust a fake tenant (RFC 8414 §2 metadata names).

``app_settings(tenant)`` gives, for an in-process ``FakeIssuer`` or a loopback ``IssuerServer``, the
issuer (``iss``, RFC 7519 §4.1.1), the audience, the JWKS and token URLs and the CA certificate to
trust (None over plain HTTP), as a read-only mapping. ``to_django(settings, prefix=...)`` copies them
into Django settings in one call; ``app.config.update(settings)`` does it for Flask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol


class Tenant(Protocol):
    """An issuer's URLs and audience (``FakeIssuer`` is one)."""

    @property
    def issuer(self) -> str: ...

    @property
    def audience(self) -> str: ...

    @property
    def jwks_url(self) -> str: ...

    @property
    def token_url(self) -> str: ...


class Server(Protocol):
    """A served tenant and the CA to trust (``IssuerServer`` is one)."""

    @property
    def issuer(self) -> Tenant: ...

    @property
    def ca_path(self) -> Path | None: ...

    @property
    def url(self) -> str: ...


@dataclass(frozen=True)
class AppSettings(Mapping[str, str | None]):
    """The values an application needs to accept the tenant's tokens; a mapping of its field names."""

    issuer: str
    audience: str
    jwks_url: str
    token_url: str
    ca_path: str | None = None

    def __getitem__(self, name: str) -> str | None:
        values: dict[str, str | None] = asdict(self)
        return values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(asdict(self))

    def __len__(self) -> int:
        return len(asdict(self))

    def to_django(self, settings: object, *, prefix: str = "FAKE_ISSUER_", **names: str) -> None:
        """Set ``{prefix}ISSUER``, ``{prefix}AUDIENCE``, ... on ``settings``; ``names`` renames fields.

        ``settings`` is pytest-django's ``settings`` fixture (restored after the test) or
        ``django.conf.settings``; e.g. ``to_django(settings, prefix="JWT_", issuer="AUTH_ISSUER")``.
        """
        unknown = set(names) - set(self)
        if unknown:
            raise TypeError(
                f"to_django: no setting named {', '.join(sorted(unknown))}; known: {', '.join(self)}"
            )
        for name, value in self.items():
            setattr(settings, names.get(name, prefix + name.upper()), value)


def app_settings(tenant: Tenant | Server) -> AppSettings:
    """The settings that point an application at ``tenant`` (a ``FakeIssuer`` or an ``IssuerServer``).

    For a server whose tenant names another issuer than the server's URL (as behind a proxy), the
    JWKS and token URLs are still the server's.
    """
    if isinstance(tenant.issuer, str):  # a FakeIssuer: its issuer is the URL itself
        issuer: Tenant = tenant
        return AppSettings(issuer.issuer, issuer.audience, issuer.jwks_url, issuer.token_url)
    server, issuer = tenant, tenant.issuer
    base = issuer.issuer if issuer.issuer.startswith(server.url) else server.url
    jwks_url = base + issuer.jwks_url.removeprefix(issuer.issuer)
    token_url = base + issuer.token_url.removeprefix(issuer.issuer)
    ca_path = str(server.ca_path) if server.ca_path else None
    return AppSettings(issuer.issuer, issuer.audience, jwks_url, token_url, ca_path)
