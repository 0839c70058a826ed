"""Seeded fault: the JWKS fetched once at startup, never again (RFC 7517 §5): startup fails while it is
down, rotation needs a restart.
"""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"jwks-at-import"})

if __name__ == "__main__":
    main(FAULTS)
