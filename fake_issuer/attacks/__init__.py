"""A catalog of named JWT forgeries and bearer-header tricks, each with its RFC section or CVE.

``CATALOG`` lists every ``Attack``: its id, a one-line description, the reference, how the request is
built from a ``FakeIssuer`` (so forgeries use the tenant's real keys) and the outcome
docs/validation-policy.md owes it on each protected endpoint. Categories are modules: signature (RFC
7515/7518/8725 §3.1), keys (RFC 7515 §4.1.2-§4.1.6, RFC 8725 §3.10), keyset (RFC 7517 §4, rule 4),
header (RFC 7515 §4.1.11, RFC 7797, RFC 8725 §3.11), payload (RFC 7519 §4.1), authorization (RFC
6750 §2) and dpop (RFC 9449 §4.3, §7, §11; RFC 7638 §3). ``python -m fake_issuer attacks --list``
prints the table.
"""

from __future__ import annotations

from fake_issuer.attacks import authorization, claims, dpop, header, keys, keyset, payload, signature
from fake_issuer.attacks.catalog import (
    CATALOG,
    ENDPOINTS,
    Attack,
    Endpoint,
    Expected,
    Request,
    accepted,
    attack,
    bearer,
    no_credentials,
    register,
    rejected,
    scope_denied,
)
from fake_issuer.attacks.table import add_command, render_markdown, render_text
from fake_issuer.policy.oracle import Outcome

#: The categories (one module each), in the order the table lists them.
CATEGORIES = tuple(
    module.__name__.rsplit(".", 1)[-1]
    for module in (signature, keys, keyset, header, payload, claims, authorization, dpop)
)
# Imports run in alphabetical order; list the table by category, keeping each module's own order.
CATALOG.sort(key=lambda entry: CATEGORIES.index(entry.category))

__all__ = [
    "CATALOG",
    "CATEGORIES",
    "ENDPOINTS",
    "Attack",
    "Endpoint",
    "Expected",
    "Outcome",
    "Request",
    "accepted",
    "add_command",
    "attack",
    "bearer",
    "no_credentials",
    "register",
    "rejected",
    "render_markdown",
    "render_text",
    "scope_denied",
]
