"""``python -m bench.matrix``: claim-matrix tokens per second next to a floor it cannot beat.

The floor does a subset of the matrix's work on the very same tokens, through the same client call
(``DjangoAPI.get``), in the same process: sign each combination's token (RFC 7518 §3.3) and send it
bare to the three endpoints.
The matrix does that too, and also asks the oracle and checks every answer against the contract; so
its rate over the floor's is at most 1 by construction (up to noise), and the gap is the harness's own
cost. Both run in interleaved rounds, each starting with an empty verified-token cache.
``python -m bench`` reports the ratio with the other figures. Nothing is asserted about speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from bench.table import rate_figure, render
from fake_issuer.matrix.django_api import api_in_process
from fake_issuer.matrix.matrix import Combination, Matrix, Send, default_matrix, shard
from fake_issuer.policy.oracle import ENDPOINTS


def _clear_token_cache() -> None:
    from apiexample.auth import require_auth

    require_auth.validator.cache = type(require_auth.validator.cache)()


def _floor(matrix: Matrix, chosen: list[Combination], send: Send) -> float:
    started = time.perf_counter()
    for combination in chosen:
        authorization = f"Bearer {matrix.spec(combination).encode()}"
        for endpoint in ENDPOINTS:
            send(endpoint, authorization)
    return len(chosen) / (time.perf_counter() - started)


def measure(count: int = 600, rounds: int = 3) -> dict[str, list[float]]:
    """Tokens per second of the floor and of the matrix, one value each per interleaved round."""
    matrix = default_matrix()
    chosen = shard(matrix.combinations, 0, max(1, len(matrix) // count))[:count]
    rates: dict[str, list[float]] = {"floor": [], "matrix": []}
    with api_in_process(matrix) as api:
        api.get(ENDPOINTS[1], None)  # warm up: imports, the validator, the JWKS fetch
        for _ in range(rounds):
            _clear_token_cache()
            rates["floor"].append(_floor(matrix, chosen, api.get))
            _clear_token_cache()
            started = time.perf_counter()
            results = matrix.run(chosen, api.get)
            rates["matrix"].append(len(chosen) / (time.perf_counter() - started))
            if not all(result.agrees for result in results):
                raise SystemExit(
                    "the matrix disagrees with the oracle: run python -m fake_issuer matrix --report"
                )
    return rates


def main(argv: list[str] | None = None) -> int:
    """Measure and print the matrix's rate against its floor."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.matrix",
        description="Claim-matrix tokens/s against a floor doing a subset of its work on the same tokens "
        "(sign + three bare requests), in interleaved rounds.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("count", nargs="?", type=int, default=600, help="combinations per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args(argv)
    if args.count < 1 or args.rounds < 1:
        parser.error("count and --rounds must be at least 1")
    rates = measure(args.count, args.rounds)
    figure = rate_figure(
        "claim matrix tokens/s / floor (same tokens: sign + 3 bare requests)",
        rates["matrix"],
        rates["floor"],
        goal=">=0.6x",
        detail=f"{max(rates['matrix']):.0f} / {max(rates['floor']):.0f} tokens/s",
    )
    print(render([figure]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
