"""JWK Set documents (RFC 7517 §5): the public half of the issuer's keys, as Auth0 serves them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from fake_issuer.keys import SigningKey

#: Members of an RSA or EC JWK that reveal the private key (RFC 7518 §6.2.2, §6.3.2).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class JWKSDocument(TypedDict):
    """``{"keys": [...]}``, the body of ``/.well-known/jwks.json``."""

    keys: list[dict[str, str]]


def jwks_document(keys: Iterable[SigningKey]) -> JWKSDocument:
    """The JWK Set of ``keys``: public members only, with ``kid``, ``use`` and ``alg`` on each."""
    document: JWKSDocument = {"keys": [key.public_jwk() for key in keys]}
    for jwk in document["keys"]:
        # A JWKS is public: a private member here would hand every reader the signing key.
        assert PRIVATE_MEMBERS.isdisjoint(jwk), "private member in a public JWK"
    return document
