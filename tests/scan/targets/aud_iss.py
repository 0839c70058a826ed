"""Seeded faults: ``aud`` not checked, ``iss`` matched as a prefix (RFC 7519 §4.1.1, §4.1.3)."""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"iss-prefix", "aud-unchecked"})

if __name__ == "__main__":
    main(FAULTS)
