"""Seeded fault: the scope matched as a substring of the ``scope`` claim (RFC 6749 §3.3)."""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"scope-substring"})

if __name__ == "__main__":
    main(FAULTS)
