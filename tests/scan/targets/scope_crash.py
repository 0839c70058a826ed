"""Seeded fault: a non-string ``scope`` claim is not refused and crashes the scope check with 500 (RFC
8693 §4.2).
"""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"scope-crash"})

if __name__ == "__main__":
    main(FAULTS)
