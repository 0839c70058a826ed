"""The JWKS client (RFC 7517 key sets over HTTPS): cache, rotation, limits, faults.

``client`` keeps the tenant's keys (``JWKSClient``), ``fetch`` is the strict HTTP GET, ``keyset`` decides
which JWKs are usable (rule 4 of ``docs/validation-policy.md``), ``keysource`` is the protocol the
validator reads keys through.
"""

from __future__ import annotations

from apiexample.jwks.client import JWKSClient
from apiexample.jwks.keysource import KeySource, KeysUnavailable, StaticKeySource, UnknownKeyId

__all__ = ["JWKSClient", "KeySource", "KeysUnavailable", "StaticKeySource", "UnknownKeyId"]
