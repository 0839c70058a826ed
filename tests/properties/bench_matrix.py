"""Benchmark: claim-matrix tokens per second next to the floor measured in the same run.

The floor is what any harness must pay per token: one raw RS256 signature (RFC 7518 §3.3) and three
bare GETs through Django's test client. Run ``python -m tests.properties.bench_matrix [N]``; it prints
both rates and their ratio and asserts nothing (speed is measured, not asserted).
"""

from __future__ import annotations

import sys
import time

from fake_issuer.encoding import b64url_encode
from fake_issuer.matrix import api_in_process, default_matrix, shard
from fake_issuer.oracle import ENDPOINTS
from fake_issuer.tokens import Signer, serialize_json


def main(count: int = 1200) -> None:
    """Measure the floor and the matrix on ``count`` tokens each and print tokens/s."""
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
    assert all(result.agrees for result in results), "the matrix disagrees with the oracle"
    print(f"floor (RS256 sign + 3 bare requests): {floor:7.0f} tokens/s")
    print(f"the matrix's own tokens, pre-signed, 3 bare requests: {bare:7.0f} tokens/s")
    print(
        f"claim matrix (mint, oracle, 3 checked requests): {rate:7.0f} tokens/s "
        f"({rate / floor:.0%} of the floor)"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]))
