"""Benchmark: claim-matrix tokens per second next to the floor measured in the same run.

The floor is what any harness must pay per token: one raw RS256 signature (RFC 7518 §3.3) and three
bare GETs through Django's test client. ``python -m bench`` reports the ratio with the other figures;
``python -m bench.matrix [N]`` prints the rates alone. Nothing is asserted about speed.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from fake_issuer.encoding import b64url_encode
from fake_issuer.matrix.django_api import api_in_process
from fake_issuer.matrix.matrix import default_matrix, shard
from fake_issuer.policy.oracle import ENDPOINTS
from fake_issuer.tokens import Signer, serialize_json


def measure(count: int = 1200) -> dict[str, float]:
    """Tokens per second of the floor, of bare requests with the matrix's tokens, and of the matrix."""
    matrix = default_matrix()
    chosen = shard(matrix.combinations, 0, max(1, len(matrix) // count))[:count]
    signer = Signer("RS256", key=matrix.ring.issuer)
    header = b64url_encode(serialize_json({"alg": "RS256", "typ": "JWT", "kid": matrix.ring.issuer.kid}))
    with api_in_process(matrix) as api:
        api.get(ENDPOINTS[1], None)  # warm up: imports, the validator, the JWKS fetch
        started = time.perf_counter()
        for i in range(count):
            claims = {
                "iss": matrix.policy.issuer,
                "aud": matrix.policy.audience,
                "exp": matrix.now + 60,
                "n": i,
            }
            signing_input = f"{header}.{b64url_encode(serialize_json(claims))}"
            token = f"{signing_input}.{b64url_encode(signer.sign(signing_input.encode()))}"
            for endpoint in ENDPOINTS:
                api.client.get(endpoint, HTTP_AUTHORIZATION=f"Bearer {token}")
        floor = count / (time.perf_counter() - started)
        tokens = [matrix.spec(combination).encode() for combination in chosen]
        started = time.perf_counter()
        for token in tokens:
            for endpoint in ENDPOINTS:
                api.client.get(endpoint, HTTP_AUTHORIZATION=f"Bearer {token}")
        bare = len(tokens) / (time.perf_counter() - started)
        started = time.perf_counter()
        results = matrix.run(chosen, api.get)
        rate = len(chosen) / (time.perf_counter() - started)
    if not all(result.agrees for result in results):
        raise SystemExit("the matrix disagrees with the oracle: run python -m fake_issuer matrix --report")
    return {"floor": floor, "bare": bare, "matrix": rate}


def main(count: int = 1200) -> None:
    """Measure on ``count`` tokens and print the rates."""
    rates = measure(count)
    print(f"floor (RS256 sign + 3 bare requests): {rates['floor']:7.0f} tokens/s")
    print(f"the matrix's own tokens, pre-signed, 3 bare requests: {rates['bare']:7.0f} tokens/s")
    print(
        f"claim matrix (mint, oracle, 3 checked requests): {rates['matrix']:7.0f} tokens/s "
        f"({rates['matrix'] / rates['floor']:.0%} of the floor)"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]))
