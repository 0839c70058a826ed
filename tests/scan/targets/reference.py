"""The correct reference target: no fault seeded; the scanner must find nothing at low or above."""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset()

if __name__ == "__main__":
    main(FAULTS)
