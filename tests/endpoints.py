"""The API's paths (the oracle's) and the bodies README, endpoints promises on them, for tests to share."""

from __future__ import annotations

from fake_issuer.policy.oracle import ENDPOINTS, PRIVATE, PROTECTED, PUBLIC, SCOPED

__all__ = ["ENDPOINTS", "MESSAGES", "PRIVATE", "PROTECTED", "PUBLIC", "SCOPED"]

MESSAGES = {
    PUBLIC: "Hello from a public endpoint! You don't need to be authenticated to see this.",
    PRIVATE: "Hello from a private endpoint! You need to be authenticated to see this.",
    SCOPED: "Hello from a private endpoint! You need to be authenticated and have a scope of "
    "read:messages to see this.",
}
