"""Seeded fault: a ``jku`` on the issuer's host is followed for keys (RFC 8725 §3.10; CVE-2018-0114)."""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"jku-followed"})

if __name__ == "__main__":
    main(FAULTS)
