"""``FakeIssuer``: an offline Auth0 tenant in one object (keys, JWKS, URLs, Auth0-shaped access tokens).

Token shape: RFC 7519 §4.1 registered claims as Auth0 issues them for the client-credentials grant
(RFC 6749 §4.4); the issuer keeps Auth0's trailing slash. ``mint()`` with no arguments gives a token
the API accepts on every endpoint; every claim and header member can be replaced, dropped or given any
JSON type, and any key or algorithm can sign. Two dialects: Auth0's own (``typ: JWT``, ``azp``, ``gty``)
and RFC 9068 §2.2 (``typ: at+jwt``, ``client_id``, ``jti``); RFC 9449 §6.1 binds a token to a DPoP key
(``cnf.jkt``); Auth0 Organizations add ``org_id``/``org_name``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from fake_issuer.dpop import key_thumbprint, mint_dpop_proof
from fake_issuer.jwks import JWKSDocument, jwks_document
from fake_issuer.keys import SigningKey, generate_rsa_key
from fake_issuer.tokens import Signer, encode_token

if TYPE_CHECKING:
    from fake_issuer.mocking import JWKSMock

DEFAULT_ISSUER = "https://fake-tenant.auth0.test/"
DEFAULT_AUDIENCE = "https://apiexample.test/api"
DEFAULT_SCOPE = "read:messages"
DEFAULT_CLIENT_ID = "fakeClientId0123456789abcdefgh"

#: Access-token dialects: Auth0's default, and the RFC 9068 profile Auth0 offers per API.
Profile = Literal["auth0", "rfc9068"]
PROFILES: tuple[Profile, ...] = ("auth0", "rfc9068")


def normalized_issuer(issuer: str) -> str:
    """``issuer`` with Auth0's trailing slash (``https://tenant/``)."""
    return issuer if issuer.endswith("/") else issuer + "/"


class FakeIssuer:
    """An Auth0 tenant stand-in: its keys, JWKS, URLs and token minting.

    Use it as plain calls (``issuer.mint()``, ``issuer.start()``/``stop()``) or as a context manager,
    which serves the JWKS in-process through ``responses`` for the duration of the block.
    """

    def __init__(
        self,
        issuer: str = DEFAULT_ISSUER,
        *,
        audience: str = DEFAULT_AUDIENCE,
        client_id: str = DEFAULT_CLIENT_ID,
        keys: int | Sequence[SigningKey] = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = normalized_issuer(issuer)
        self.audience = audience
        self.client_id = client_id
        self.clock = clock
        self._key_count = 0
        self.keys: list[SigningKey] = []
        if isinstance(keys, int):
            for _ in range(keys):
                self.add_key()
        else:
            self.keys.extend(keys)
        #: The key ``mint`` signs with: the newest published key, or an unpublished one if none is.
        self.signing_key = self.keys[-1] if self.keys else self.new_key()
        self._mock: JWKSMock | None = None

    def __repr__(self) -> str:
        kids = ", ".join(key.kid[:8] for key in self.keys)
        return f"<FakeIssuer {self.issuer} audience={self.audience!r} keys=[{kids}]>"

    # -- URLs: every one derived from the issuer, as Auth0 lays them out ---------------------------

    @property
    def jwks_url(self) -> str:
        """``{issuer}.well-known/jwks.json``."""
        return self.issuer + ".well-known/jwks.json"

    @property
    def userinfo_url(self) -> str:
        """``{issuer}userinfo``, Auth0's second audience when openid scopes are asked."""
        return self.issuer + "userinfo"

    @property
    def token_url(self) -> str:
        """``{issuer}oauth/token``."""
        return self.issuer + "oauth/token"

    # -- keys ---------------------------------------------------------------------------------------

    def new_key(self, *, kid: str | None = None, bits: int = 2048) -> SigningKey:
        """A fresh key of this issuer's, not published in the JWKS (cached per process)."""
        self._key_count += 1
        return generate_rsa_key(f"{self.issuer}#{self._key_count}", bits=bits, kid=kid)

    def add_key(self, *, kid: str | None = None) -> SigningKey:
        """Publish a fresh key in the JWKS and return it (``mint`` keeps signing with the current key)."""
        key = self.new_key(kid=kid)
        self.keys.append(key)
        return key

    def remove_key(self, key: SigningKey) -> None:
        """Withdraw ``key`` from the JWKS; tokens it signed stop being valid once the API refetches."""
        self.keys.remove(key)

    def rotate(self) -> SigningKey:
        """Publish a fresh key, sign with it from now on, and withdraw every older key."""
        key = self.new_key()
        self.keys = [key]
        self.signing_key = key
        return key

    def jwks(self) -> JWKSDocument:
        """The JWK Set the issuer publishes now (public members only)."""
        return jwks_document(self.keys)

    # -- tokens -------------------------------------------------------------------------------------

    def claims(
        self,
        *,
        scope: str | None = DEFAULT_SCOPE,
        now: float | None = None,
        profile: Profile = "auth0",
    ) -> dict[str, object]:
        """The client-credentials claims at ``now`` (valid for 24 hours) in the ``profile``'s dialect."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
        issued_at = int(self.clock() if now is None else now)
        claims: dict[str, object] = {
            "iss": self.issuer,
            "sub": f"{self.client_id}@clients",
            "aud": [self.audience, self.userinfo_url],
            "iat": issued_at,
            "exp": issued_at + 86400,
        }
        if profile == "auth0":
            claims.update(azp=self.client_id, gty="client-credentials")
        else:
            claims.update(client_id=self.client_id, jti=uuid.uuid4().hex)
        if scope is not None:
            claims["scope"] = scope
        return claims

    def header(
        self, *, key: SigningKey | None = None, alg: str = "RS256", profile: Profile = "auth0"
    ) -> dict[str, object]:
        """The access-token header ``{"alg", "typ", "kid"}``: ``typ`` JWT, or at+jwt (RFC 9068 §2.1)."""
        typ = "at+jwt" if profile == "rfc9068" else "JWT"
        return {"alg": alg, "typ": typ, "kid": (key or self.signing_key).kid}

    def mint(
        self,
        *,
        scope: str | None = DEFAULT_SCOPE,
        claims: Mapping[str, object] | None = None,
        drop: Iterable[str] = (),
        header: Mapping[str, object] | None = None,
        drop_header: Iterable[str] = (),
        key: SigningKey | None = None,
        alg: str = "RS256",
        secret: bytes | None = None,
        payload: bytes | None = None,
        raw_header: bytes | None = None,
        now: float | None = None,
        profile: Profile = "auth0",
        dpop_key: SigningKey | None = None,
        org_id: str | None = None,
        org_name: str | None = None,
    ) -> str:
        """A signed access token; with no arguments, one the API accepts on every endpoint.

        ``claims``/``header`` replace members (any JSON value), ``drop``/``drop_header`` remove them,
        ``key`` signs instead of the current key (its ``kid`` goes in the header), ``alg`` is both the
        header's ``alg`` and the algorithm used (override the header's to make it lie), ``secret`` is the
        HMAC secret for ``HS*``, and ``payload``/``raw_header`` sign raw bytes instead of JSON.
        ``profile`` picks the dialect, ``dpop_key`` binds the token to that proof key (``cnf.jkt``, RFC
        9449 §6.1), ``org_id``/``org_name`` add Auth0 Organization claims; ``claims`` still wins.
        """
        signer = Signer(alg, key=key or self.signing_key, secret=secret)
        body = self.claims(scope=scope, now=now, profile=profile)
        if org_id is not None:
            body["org_id"] = org_id
        if org_name is not None:
            body["org_name"] = org_name
        if dpop_key is not None:
            body["cnf"] = {"jkt": key_thumbprint(dpop_key)}
        body.update(claims or {})
        head = {**self.header(key=key, alg=alg, profile=profile), **(header or {})}
        for name in drop:
            body.pop(name, None)
        for name in drop_header:
            head.pop(name, None)
        return encode_token(
            head if raw_header is None else raw_header,
            body if payload is None else payload,
            signer,
        )

    def dpop_proof(self, key: SigningKey, *, htm: str, htu: str, **options: Any) -> str:
        """``fake_issuer.dpop.mint_dpop_proof`` on this issuer's clock (RFC 9449 §4.2)."""
        options.setdefault("clock", self.clock)
        return mint_dpop_proof(key, htm=htm, htu=htu, **options)

    # -- in-process JWKS (responses) -----------------------------------------------------------------

    def start(self) -> JWKSMock:
        """Serve this issuer's JWKS in-process through ``responses`` until ``stop()``."""
        from fake_issuer.mocking import JWKSMock

        if self._mock is None:
            self._mock = JWKSMock(self)
            self._mock.start()
        return self._mock

    def stop(self) -> None:
        """Stop serving the JWKS started by ``start()``."""
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    @property
    def mock(self) -> JWKSMock:
        """The running in-process JWKS mock (its request count and fault switches)."""
        if self._mock is None:
            raise RuntimeError("the JWKS is not being served: call start() or use `with issuer:`")
        return self._mock

    def __enter__(self) -> FakeIssuer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
