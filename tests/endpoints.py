"""The API's paths and the contract's expected bodies (DESIGN §3), for tests to share."""

from __future__ import annotations

PUBLIC, PRIVATE, SCOPED = "/api/public", "/api/private", "/api/private-scoped"
PROTECTED = (PRIVATE, SCOPED)
ENDPOINTS = (PUBLIC, PRIVATE, SCOPED)

MESSAGES = {
    PUBLIC: "Hello from a public endpoint! You don't need to be authenticated to see this.",
    PRIVATE: "Hello from a private endpoint! You need to be authenticated to see this.",
    SCOPED: "Hello from a private endpoint! You need to be authenticated and have a scope of "
    "read:messages to see this.",
}
