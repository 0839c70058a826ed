"""A machine-to-machine client (another project's code): Auth0's client-credentials grant (RFC 6749 §4.4).

It asks the tenant's ``/oauth/token`` for an access token, keeps it, and reuses it (also across runs,
from a cache file) only while the API will still accept it: it reads the claims it needs without
verifying the signature, which is the API's job.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests


class TokenError(Exception):
    """The tenant refused to issue a token: Auth0's ``error`` and ``error_description``."""


def _claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ReportsClient:
    """Tokens for one API (``audience``) and scope, fetched with a client id and secret."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        client_id: str,
        client_secret: str,
        *,
        scope: str,
        audience: str | None = None,
        margin: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url, self.issuer = settings["token_url"], settings["issuer"]
        self.audience = audience or settings["audience"]
        self.verify = settings.get("ca_path") or True
        self.client_id, self.client_secret, self.scope = client_id, client_secret, scope
        self.margin, self.clock = margin, clock
        self._token: str | None = None

    def remember(self, token: str) -> None:
        """Take a token kept from an earlier run (a cache file)."""
        self._token = token

    def usable(self, token: str) -> bool:
        """The API will accept ``token`` for ``margin`` seconds more: issuer, audience, times, scope."""
        claims, now = _claims(token), self.clock()
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        times = [claims.get(name, now) for name in ("nbf", "iat")]
        return (
            claims.get("iss") == self.issuer
            and all(isinstance(a, str) for a in audiences)
            and self.audience in audiences
            and _number(claims.get("exp"))
            and claims["exp"] > now + self.margin
            and all(_number(t) and t <= now for t in times)
            and isinstance(claims.get("sub", ""), str)
            and isinstance(claims.get("scope"), str)
            and self.scope in claims["scope"].split(" ")
        )

    def token(self) -> str:
        """A token for the API: the one kept while usable, else a new one from the tenant."""
        if self._token is None or not self.usable(self._token):
            self._token = self._fetch()
        return self._token

    def _fetch(self) -> str:
        body = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "audience": self.audience,
            "scope": self.scope,
        }
        answer = requests.post(self.token_url, json=body, timeout=10, verify=self.verify)
        document = answer.json()
        if answer.status_code != 200:
            raise TokenError(f"{answer.status_code} {document['error']}: {document['error_description']}")
        token: str = document["access_token"]
        return token
