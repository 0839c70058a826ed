"""An offline stand-in for an Auth0 tenant: keys, JWKS, Auth0-shaped access tokens and forgeries.

Start with ``FakeIssuer``: ``FakeIssuer().mint()`` gives a token the API accepts, and
``with FakeIssuer() as issuer:`` serves its JWKS in-process through ``responses``.
"""

from __future__ import annotations

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, FakeIssuer
from fake_issuer.jwks import JWKSDocument, jwks_document
from fake_issuer.keys import SigningKey, generate_ec_key, generate_rsa_key
from fake_issuer.tokens import Signer, encode_token

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "DEFAULT_SCOPE",
    "FakeIssuer",
    "JWKSDocument",
    "Signer",
    "SigningKey",
    "encode_token",
    "generate_ec_key",
    "generate_rsa_key",
    "jwks_document",
]
