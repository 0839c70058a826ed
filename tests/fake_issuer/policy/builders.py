"""The oracle tests' shared tenant and good token: each test changes only what it is about.

The tenant is ``key_ring(DEFAULT_ISSUER)`` (the issuer's key, a weak and an EC key published, an
attacker's key aside) under the policy the API is configured with by default, judged at ``NOW``.
"""

from __future__ import annotations

from typing import Any

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.policy.oracle import Policy
from fake_issuer.policy.spec import Signing, TokenSpec, key_ring

NOW = 1_700_000_000
RING = key_ring(DEFAULT_ISSUER)
POLICY = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, RING.published)
GOOD_HEADER = {"alg": "RS256", "typ": "JWT", "kid": RING.issuer.kid}
GOOD_CLAIMS = {"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": NOW + 60, "scope": "read:messages"}
GOOD_SIGNING = Signing("RS256", key=RING.issuer)


def spec(
    *, header: Any = None, drop: tuple[str, ...] = (), signing: Signing = GOOD_SIGNING, **claims: Any
) -> TokenSpec:
    """The good token with ``claims`` replaced, ``drop`` removed, ``header`` (dict or bytes) instead."""
    body = {name: value for name, value in {**GOOD_CLAIMS, **claims}.items() if name not in drop}
    return TokenSpec(GOOD_HEADER if header is None else header, body, signing)
