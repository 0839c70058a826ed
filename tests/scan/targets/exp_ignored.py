"""Seeded fault: ``exp`` ignored (RFC 7519 §4.1.4)."""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"exp-ignored"})

if __name__ == "__main__":
    main(FAULTS)
