"""Requests and expected answers shared by the DPoP tests (README "DPoP"; RFC 9449 §7.1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.test import Client, override_settings

from fake_issuer.dpop import mint_dpop_proof
from fake_issuer.keys import SigningKey
from tests.endpoints import PRIVATE

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ALGS = "ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512"
BEARER = 'Bearer realm="apiexample"'
ORIGIN = "http://testserver"


def dpop_challenge(error: str, description: str, *, bearer: bool = True) -> str:
    """The DPoP challenge the policy promises, followed by Bearer's when both schemes are accepted."""
    value = f'DPoP realm="apiexample", algs="{ALGS}", error="{error}", error_description="{description}"'
    return value + (", " + BEARER if bearer else "")


def send(api: Client, path: str, token: str, proof: str | None, **extra: Any) -> Response:
    """GET ``path`` with ``Authorization: DPoP token`` and, unless None, the ``DPoP`` header."""
    headers = {"HTTP_AUTHORIZATION": f"DPoP {token}", **extra}
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return api.get(path, **headers)


def proof_for(key: SigningKey, token: str, path: str = PRIVATE, **options: Any) -> str:
    """A valid proof for GET ``ORIGIN + path`` bound to ``token``, members overridable."""
    return mint_dpop_proof(key, htm="GET", htu=ORIGIN + path, access_token=token, **options)


def refused(response: Response, status: int, error: str, description: str, *, bearer: bool = True) -> None:
    """Assert the status, JSON body and exact DPoP challenge of a refusal."""
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}
    assert response["WWW-Authenticate"] == dpop_challenge(error, description, bearer=bearer)


@contextmanager
def dpop_config(**changes: Any) -> Iterator[None]:
    """The test settings' AUTH0 with ``changes`` (the validators are rebuilt around them)."""
    with override_settings(AUTH0=dataclasses.replace(settings.AUTH0, **changes)):
        yield
