"""Seeded faults: ``alg: none`` accepted, HS256 verified with the RSA public key as secret (RFC 8725
§3.1-§3.2; CVE-2015-9235).
"""

from __future__ import annotations

from tests.scan.targets.core import main

FAULTS: frozenset[str] = frozenset({"alg-none", "hs256-public-key"})

if __name__ == "__main__":
    main(FAULTS)
