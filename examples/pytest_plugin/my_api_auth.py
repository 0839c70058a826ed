"""The outside project's own code: it checks Auth0 access tokens with PyJWT, whose JWKS client uses urllib."""

from __future__ import annotations

from typing import Any

import jwt


def verify(token: str, *, issuer: str, audience: str) -> dict[str, Any]:
    """The claims of ``token`` if its issuer's JWKS has the key that signed it; raises ``jwt`` errors."""
    keys = jwt.PyJWKClient(f"{issuer}.well-known/jwks.json", cache_keys=False)
    key = keys.get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer
    )
    return claims
