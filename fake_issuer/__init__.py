"""An offline stand-in for an Auth0 tenant: keys, JWKS, Auth0-shaped access tokens and forgeries.

Start with ``FakeIssuer``: ``FakeIssuer().mint()`` gives a token the API accepts, and
``with FakeIssuer() as issuer:`` serves its JWKS in-process through ``responses``.

The names below are imported on first use (PEP 562), so that importing the package, which pytest
does for the ``pytest11`` entry point before coverage measurement starts, runs nothing but this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fake_issuer.appsettings import AppSettings, app_settings
    from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, FakeIssuer
    from fake_issuer.jwks import JWKSDocument, jwks_document
    from fake_issuer.keys import SigningKey, generate_ec_key, generate_rsa_key
    from fake_issuer.tokens import Signer, encode_token

__version__ = "0.2.0"

#: Each public name and the module that defines it.
_HOMES = {
    "AppSettings": "appsettings",
    "app_settings": "appsettings",
    "DEFAULT_AUDIENCE": "issuer",
    "DEFAULT_ISSUER": "issuer",
    "DEFAULT_SCOPE": "issuer",
    "FakeIssuer": "issuer",
    "JWKSDocument": "jwks",
    "jwks_document": "jwks",
    "SigningKey": "keys",
    "generate_ec_key": "keys",
    "generate_rsa_key": "keys",
    "Signer": "tokens",
    "encode_token": "tokens",
}

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "DEFAULT_SCOPE",
    "AppSettings",
    "FakeIssuer",
    "JWKSDocument",
    "Signer",
    "SigningKey",
    "app_settings",
    "encode_token",
    "generate_ec_key",
    "generate_rsa_key",
    "jwks_document",
]


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'fake_issuer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"fake_issuer.{home}"), name)
    globals()[name] = value
    return value
