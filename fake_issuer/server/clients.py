"""Machine-to-machine clients and their grants: Auth0's client-credentials grant (RFC 6749 §4.4).

A ``ClientRegistry`` holds the APIs a tenant knows (audience -> the scopes it defines) and the
clients with, per audience, the scopes each was granted (Auth0's "client grants"). ``authorize``
turns the parameters of a token request into a ``Grant`` or raises ``TokenRequestError`` carrying
the status and the JSON body Auth0 answers with (RFC 6749 §5.2 error codes, Auth0's statuses):

=========================================  ======  ======================  ==================================
situation                                  status  ``error``               ``error_description``
=========================================  ======  ======================  ==================================
no ``grant_type``                          400     invalid_request         Missing required parameter: ...
``grant_type`` other than the one above    400     unsupported_grant_type  Unsupported grant type: X
HTTP Basic and body credentials together   400     invalid_request         (RFC 6749 §2.3: one method only)
no ``client_id``                           401     invalid_client          Missing client_id
unknown client, wrong or missing secret    401     access_denied           Unauthorized
no ``audience``                            403     access_denied           Non-global clients are not ...
an audience no API has                     403     access_denied           Service not found: X
an API the client has no grant for         403     access_denied           Client is not authorized to ...
a ``scope`` beyond the grant               403     access_denied           Client has not been granted ...
=========================================  ======  ======================  ==================================

The config file (JSON)::

    {"apis": {"https://api.example/": ["read:messages", "write:messages"]},
     "clients": [{"client_id": "reader", "client_secret": "s3cret",
                  "grants": {"https://api.example/": ["read:messages"]}}]}

``apis`` is optional: every audience named in a grant is an API too.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fake_issuer.issuer import DEFAULT_SCOPE, FakeIssuer

GRANT_TYPE = "client_credentials"
#: The client every served tenant has unless told otherwise (granted ``DEFAULT_SCOPE``).
DEFAULT_CLIENT_SECRET = "fake-client-secret"


class TokenRequestError(Exception):
    """A refused token request: the HTTP status and Auth0's ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        """The JSON error body."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class Client:
    """A machine-to-machine application: its credentials and, per audience, its granted scopes."""

    client_id: str
    client_secret: str = field(repr=False)
    grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Grant:
    """What a successful token request gets: who, for which API, with which scopes."""

    client_id: str
    audience: str
    scopes: tuple[str, ...]

    @property
    def scope(self) -> str | None:
        """The ``scope`` claim: the scopes space-separated, or None when there are none."""
        return " ".join(self.scopes) or None


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(value)


def parse_client_spec(spec: str, audience: str) -> Client:
    """``ID:SECRET[:SCOPES]`` (scopes space- or comma-separated) as a client granted on ``audience``."""
    client_id, sep, rest = spec.partition(":")
    secret, _, scopes = rest.partition(":")
    if not client_id or not sep or not secret:
        raise ValueError(f"a client is ID:SECRET[:SCOPES], not {spec!r}")
    granted = tuple(scopes.replace(",", " ").split())
    return Client(client_id, secret, {audience: granted})


class ClientRegistry:
    """The APIs and clients of one tenant, and the client-credentials grant over them."""

    def __init__(self, clients: Iterable[Client] = (), *, apis: Mapping[str, Iterable[str]] | None = None):
        self.apis: dict[str, tuple[str, ...]] = {aud: tuple(scopes) for aud, scopes in (apis or {}).items()}
        self.clients: dict[str, Client] = {}
        for client in clients:
            self.add(client)

    def __repr__(self) -> str:
        return f"<ClientRegistry apis={sorted(self.apis)} clients={sorted(self.clients)}>"

    def add(self, client: Client) -> Client:
        """Register ``client``; every audience it is granted becomes a known API."""
        if client.client_id in self.clients:
            raise ValueError(f"client {client.client_id!r} is defined twice")
        self.clients[client.client_id] = client
        for audience, scopes in client.grants.items():
            known = self.apis.setdefault(audience, ())
            self.apis[audience] = known + tuple(scope for scope in scopes if scope not in known)
        return client

    @classmethod
    def from_document(cls, document: object) -> ClientRegistry:
        """A registry from the parsed JSON config (see the module docstring); ``ValueError`` if malformed."""
        if not isinstance(document, dict) or not set(document) <= {"apis", "clients"}:
            raise ValueError('the client config is a JSON object with "apis" and "clients"')
        apis = document.get("apis", {})
        if not isinstance(apis, dict):
            raise ValueError('"apis" must map each audience to its scopes')
        registry = cls(apis={aud: _strings(scopes, f"apis[{aud!r}]") for aud, scopes in apis.items()})
        entries = document.get("clients", [])
        if not isinstance(entries, list):
            raise ValueError('"clients" must be a list')
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("grants", {}), dict):
                raise ValueError(
                    'each client is {"client_id", "client_secret", "grants": {audience: [scopes]}}'
                )
            client_id, secret = entry.get("client_id"), entry.get("client_secret")
            if not isinstance(client_id, str) or not client_id or not isinstance(secret, str) or not secret:
                raise ValueError("each client needs a non-empty string client_id and client_secret")
            grants = {
                aud: _strings(scopes, f"{client_id} grants[{aud!r}]")
                for aud, scopes in entry.get("grants", {}).items()
            }
            registry.add(Client(client_id, secret, grants))
        return registry

    @classmethod
    def from_file(cls, path: Path) -> ClientRegistry:
        """A registry from a JSON config file."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise ValueError(f"{path}: not JSON ({error})") from None
        return cls.from_document(document)

    def authorize(self, params: Mapping[str, str], basic: tuple[str, str] | None = None) -> Grant:
        """The grant for a token request's parameters and HTTP Basic credentials; or ``TokenRequestError``."""
        grant_type = params.get("grant_type")
        if not grant_type:
            raise TokenRequestError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant_type != GRANT_TYPE:
            raise TokenRequestError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        client = self._authenticate(params, basic)
        audience = params.get("audience")
        if not audience:
            raise TokenRequestError(
                403, "access_denied", "Non-global clients are not allowed access to APIv1"
            )
        if audience not in self.apis:
            raise TokenRequestError(403, "access_denied", f"Service not found: {audience}")
        if audience not in client.grants:
            raise TokenRequestError(
                403,
                "access_denied",
                f'Client is not authorized to access "{audience}". '
                'You need to create a "client-grant" associated to this API.',
            )
        granted = client.grants[audience]
        requested = params.get("scope")
        if requested is None:
            return Grant(client.client_id, audience, granted)
        # RFC 6749 §3.3: space-delimited; duplicates carry no meaning.
        wanted = tuple(scope for scope in dict.fromkeys(requested.split(" ")) if scope)
        refused = [scope for scope in wanted if scope not in granted]
        if refused:
            raise TokenRequestError(
                403, "access_denied", f"Client has not been granted scopes: {', '.join(refused)}"
            )
        return Grant(client.client_id, audience, wanted or granted)

    def _authenticate(self, params: Mapping[str, str], basic: tuple[str, str] | None) -> Client:
        if basic is not None and ("client_secret" in params or "client_id" in params):
            raise TokenRequestError(
                400, "invalid_request", "Use one client authentication method: HTTP Basic or the request body"
            )
        client_id, secret = (
            basic if basic is not None else (params.get("client_id"), params.get("client_secret"))
        )
        if not client_id:
            raise TokenRequestError(401, "invalid_client", "Missing client_id")
        client = self.clients.get(client_id)
        # Compared in constant time, as a real server must, and the same answer for every failure.
        if (
            client is None
            or secret is None
            # surrogatepass: a JSON body can carry a lone surrogate (\ud800), which UTF-8 cannot encode.
            or not hmac.compare_digest(
                client.client_secret.encode("utf-8", "surrogatepass"), secret.encode("utf-8", "surrogatepass")
            )
        ):
            raise TokenRequestError(401, "access_denied", "Unauthorized")
        return client


def default_clients(issuer: FakeIssuer) -> ClientRegistry:
    """One client, ``issuer.client_id`` / ``DEFAULT_CLIENT_SECRET``, granted ``DEFAULT_SCOPE``."""
    return ClientRegistry(
        [Client(issuer.client_id, DEFAULT_CLIENT_SECRET, {issuer.audience: (DEFAULT_SCOPE,)})]
    )
