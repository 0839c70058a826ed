"""One tenant as the loopback server serves it: discovery, JWKS, /oauth/token, faults and admin calls.

RFC 8414 §3 / OpenID Connect Discovery 1.0 §4 (the metadata document), RFC 7517 §5 (the JWK Set),
RFC 6749 §4.4 and §5 (the client-credentials grant and its responses, as Auth0 shapes them; see
``fake_issuer.server.clients`` for the errors), RFC 9449 §5 and §8 (a ``DPoP`` proof at the token
endpoint: a DPoP-bound token, ``token_type: DPoP``, and optionally the ``use_dpop_nonce`` challenge).
Everything here is plain data in, ``Reply`` out, so the HTTP plumbing in ``fake_issuer.server.http``
stays thin and each answer is testable without a socket.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import parse_qs, unquote_plus

from fake_issuer.dpop import NonceMissing, check_dpop_proof
from fake_issuer.issuer import DEFAULT_SCOPE, FakeIssuer
from fake_issuer.server.clients import ClientRegistry, Grant, TokenRequestError

#: What can be made to fail: the JWKS, the discovery document, the token endpoint.
Endpoint = Literal["jwks", "discovery", "token"]
#: ``status``: 500; ``garbage``: 200 with HTML; ``empty``: 200 with ``{"keys": []}`` (``{}`` elsewhere);
#: ``slow``: no answer until ``heal()`` (or ``slow_seconds``); ``drop``: the connection closes unanswered.
Fault = Literal["status", "garbage", "empty", "slow", "drop"]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)
FAULTS: tuple[Fault, ...] = get_args(Fault)

JSON_TYPE = "application/json"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers and body; ``drop`` closes the connection without one."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, status: int, document: object, headers: Mapping[str, str] | None = None) -> Reply:
        """A JSON answer."""
        return cls(status, json.dumps(document).encode(), {"Content-Type": JSON_TYPE, **(headers or {})})

    @classmethod
    def error(cls, status: int, error: str, description: str) -> Reply:
        """Auth0's JSON error shape."""
        return cls.json(status, {"error": error, "error_description": description})


class Tenant:
    """A ``FakeIssuer`` behind the server: its clients, its token lifetime and its injected faults."""

    def __init__(
        self,
        issuer: FakeIssuer,
        clients: ClientRegistry,
        *,
        token_lifetime: int = 86400,
        slow_seconds: float = 30.0,
        dpop_nonce: bool = False,
    ) -> None:
        self.issuer = issuer
        #: When true, ``/oauth/token`` demands ``dpop_nonce_value`` in DPoP proofs (Auth0 does for public
        #: clients): the first proof without it gets 400 ``use_dpop_nonce`` and a ``DPoP-Nonce`` header.
        self.dpop_nonce = dpop_nonce
        self.dpop_nonce_value = secrets.token_urlsafe(16)
        self.clients = clients
        clients.apis.setdefault(issuer.audience, ())
        self.token_lifetime = token_lifetime
        self.slow_seconds = slow_seconds
        self.faults: dict[Endpoint, Fault] = {}
        self._released = threading.Event()

    def __repr__(self) -> str:
        return f"<Tenant {self.issuer.issuer} clients={sorted(self.clients.clients)} faults={self.faults}>"

    # -- faults ---------------------------------------------------------------------------------------

    def fail(self, fault: Fault, endpoint: Endpoint = "jwks") -> None:
        """Answer ``endpoint`` with ``fault`` until ``heal()``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; choose one of {', '.join(ENDPOINTS)}")
        self.faults[endpoint] = fault
        if fault == "slow":
            self._released.clear()

    def heal(self) -> None:
        """Answer every endpoint normally again, releasing requests held by ``slow``."""
        self.faults.clear()
        self._released.set()

    def _faulty(self, endpoint: Endpoint, healthy: Reply, empty: object) -> Reply:
        fault = self.faults.get(endpoint)
        if fault == "slow":
            self._released.wait(self.slow_seconds)
        elif fault == "status":
            return Reply.error(500, "server_error", "injected fault")
        elif fault == "garbage":
            return Reply(200, b"<html>not JSON</html>", {"Content-Type": "text/html"})
        elif fault == "empty":
            return Reply.json(200, empty)
        elif fault == "drop":
            return Reply(0, drop=True)
        return healthy

    # -- the public endpoints -------------------------------------------------------------------------

    def metadata(self) -> dict[str, object]:
        """The discovery document: every URL derived from the issuer, as Auth0 lays them out."""
        scopes = sorted({scope for granted in self.clients.apis.values() for scope in granted})
        return {
            "issuer": self.issuer.issuer,
            "jwks_uri": self.issuer.jwks_url,
            "token_endpoint": self.issuer.token_url,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": scopes,
        }

    def discovery(self) -> Reply:
        """``GET /.well-known/openid-configuration`` (and RFC 8414's ``oauth-authorization-server``)."""
        return self._faulty("discovery", Reply.json(200, self.metadata()), {})

    def jwks(self) -> Reply:
        """``GET /.well-known/jwks.json``: the keys published now."""
        return self._faulty("jwks", Reply.json(200, self.issuer.jwks()), {"keys": []})

    def token(
        self, params: Mapping[str, str], basic: tuple[str, str] | None = None, *, dpop: str | None = None
    ) -> Reply:
        """``POST /oauth/token``: the client-credentials grant, Auth0's success or error body.

        With a ``DPoP`` proof (RFC 9449 §5) the token is bound to the proof's key and typed ``DPoP``.
        """
        try:
            grant = self.clients.authorize(params, basic)
            jkt = None if dpop is None else self._proof_thumbprint(dpop)
        except TokenRequestError as error:
            return self._faulty("token", Reply.error(error.status, error.error, error.description), {})
        except NonceMissing as error:
            reply = Reply.json(
                400,
                {"error": "use_dpop_nonce", "error_description": str(error)},
                {"DPoP-Nonce": self.dpop_nonce_value},
            )
            return self._faulty("token", reply, {})
        body: dict[str, object] = {
            "access_token": self.mint_for(grant, jkt=jkt),
            "token_type": "Bearer" if jkt is None else "DPoP",
            "expires_in": self.token_lifetime,
        }
        if grant.scope is not None:
            body["scope"] = grant.scope
        return self._faulty("token", Reply.json(200, body, _NO_STORE), {})

    def _proof_thumbprint(self, proof: str) -> str:
        nonce = self.dpop_nonce_value if self.dpop_nonce else None
        try:
            return check_dpop_proof(
                proof, htm="POST", htu=self.issuer.token_url, now=self.issuer.clock(), nonce=nonce
            )
        except NonceMissing:
            raise
        except ValueError as error:
            raise TokenRequestError(400, "invalid_dpop_proof", str(error)) from None

    def mint_for(self, grant: Grant, *, jkt: str | None = None) -> str:
        """The access token Auth0 issues for ``grant``: ``sub`` ``{client_id}@clients``, one audience.

        ``jkt`` binds it to a DPoP key (``cnf.jkt``, RFC 9449 §6.1).
        """
        now = int(self.issuer.clock())
        claims: dict[str, object] = {
            "sub": f"{grant.client_id}@clients",
            "azp": grant.client_id,
            "aud": grant.audience,
            "iat": now,
            "exp": now + self.token_lifetime,
        }
        if jkt is not None:
            claims["cnf"] = {"jkt": jkt}
        return self.issuer.mint(scope=grant.scope, claims=claims)

    # -- admin calls (loopback only, like the server itself) --------------------------------------------

    def admin(self, method: str, action: str, document: Mapping[str, object]) -> Reply:
        """``{issuer}_admin/<action>``: keys, faults and minting for clients that are not Python."""
        if (method, action) == ("POST", "rotate"):
            return Reply.json(200, {"kid": self.issuer.rotate().kid, **self.issuer.jwks()})
        if (method, action) == ("POST", "keys"):
            return Reply.json(200, {"kid": self.issuer.add_key().kid, **self.issuer.jwks()})
        if method == "DELETE" and action.startswith("keys/"):
            kid = action.removeprefix("keys/")
            for key in self.issuer.keys:
                if key.kid == kid:
                    self.issuer.remove_key(key)
                    return Reply.json(200, self.issuer.jwks())
            return Reply.error(404, "not_found", f"no key {kid!r}")
        if (method, action) == ("POST", "faults"):
            try:
                self.fail(document.get("fault"), document.get("endpoint", "jwks"))  # type: ignore[arg-type]
            except ValueError as error:
                return Reply.error(400, "invalid_request", str(error))
            return Reply.json(200, {"faults": self.faults})
        if (method, action) == ("DELETE", "faults"):
            self.heal()
            return Reply.json(200, {"faults": self.faults})
        if (method, action) == ("POST", "mint"):
            return self._admin_mint(document)
        return Reply.error(404, "not_found", f"no admin call {method} {action!r}")

    def _admin_mint(self, document: Mapping[str, object]) -> Reply:
        scope = document.get("scope", DEFAULT_SCOPE)
        claims, header, drop = (
            document.get("claims", {}),
            document.get("header", {}),
            document.get("drop", []),
        )
        if not (
            (scope is None or isinstance(scope, str))
            and isinstance(claims, dict)
            and isinstance(header, dict)
            and isinstance(drop, list)
            and all(isinstance(name, str) for name in drop)
        ):
            return Reply.error(
                400,
                "invalid_request",
                'mint takes {"scope": str|null, "claims": {}, "header": {}, "drop": []}',
            )
        token = self.issuer.mint(scope=scope, claims=claims, header=header, drop=drop)
        return Reply.json(200, {"access_token": token})

    def release(self) -> None:
        """Let go of every request held by ``slow`` (the server calls this when it stops)."""
        self._released.set()


def token_request(headers: Mapping[str, str], body: bytes) -> tuple[dict[str, str], tuple[str, str] | None]:
    """A token request's parameters (JSON or form body) and HTTP Basic credentials (RFC 6749 §2.3.1)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if content_type == JSON_TYPE:
            document = json.loads(text)
            if not isinstance(document, dict):
                raise ValueError("the JSON body must be an object")
            params = {name: value for name, value in document.items() if value is not None}
        elif content_type == "application/x-www-form-urlencoded":
            pairs = parse_qs(text, keep_blank_values=True, strict_parsing=False)
            # RFC 6749 §3.2: a parameter must not be repeated.
            repeated = sorted(name for name, values in pairs.items() if len(values) > 1)
            if repeated:
                raise ValueError(f"repeated parameters: {', '.join(repeated)}")
            params = {name: values[0] for name, values in pairs.items()}
        else:
            raise ValueError("Content-Type must be application/json or application/x-www-form-urlencoded")
    except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        raise TokenRequestError(400, "invalid_request", str(error)) from None
    except RecursionError:  # json.loads on deeply nested arrays or objects
        raise TokenRequestError(400, "invalid_request", "the JSON body is nested too deeply") from None
    wrong = sorted(name for name, value in params.items() if not isinstance(value, str))
    if wrong:
        raise TokenRequestError(400, "invalid_request", f"parameters must be strings: {', '.join(wrong)}")
    return params, _basic_credentials(lowered.get("authorization"))


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if authorization is None or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise TokenRequestError(401, "invalid_client", "Malformed HTTP Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def admin_document(body: bytes) -> dict[str, object]:
    """An admin call's JSON body (none is ``{}``); ``ValueError`` unless a JSON object."""
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
        # A lone surrogate (\ud800) parses, but no token or JWKS holding it can be encoded as UTF-8.
        json.dumps(document, ensure_ascii=False).encode()
    except RecursionError:
        raise ValueError("the JSON body is nested too deeply") from None
    except UnicodeEncodeError:
        raise ValueError("the JSON body holds a lone surrogate, which UTF-8 cannot encode") from None
    if not isinstance(document, dict):
        raise ValueError("an admin call takes a JSON object")
    return document


def admin_refusal(
    headers: Mapping[str, str], body: bytes, hosts: Collection[str], origins: Collection[str]
) -> Reply | None:
    """Why an admin call is refused, or None: only this server's loopback names, no other page's request."""
    # A web page can make a browser send a simple cross-site request (form POST, text/plain body) or,
    # after DNS rebinding, a same-origin one under its own host name: refuse what only a page would send.
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("host", "").lower() not in hosts:
        return Reply.error(403, "access_denied", "Host must name this server's loopback address")
    origin = lowered.get("origin")
    if origin is not None and origin.lower() not in origins:
        return Reply.error(403, "access_denied", "admin calls are refused from other origins")
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type != JSON_TYPE:
        return Reply.error(415, "invalid_request", f"an admin call's body must be {JSON_TYPE}")
    return None
