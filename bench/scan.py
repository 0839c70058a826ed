"""Benchmark: ``fake-issuer scan`` against this API under gunicorn, next to a floor from the same run.

The floor is the same keep-alive client doing bare GETs of ``/api/public`` (no token, nothing to
judge); the scan's rate is its requests per second over the case run (catalog + matrix). The goal is a
ratio of at least 50%, and a full ``strict`` scan (catalog, whole matrix, scenarios) under 3 minutes
on 2 cores. ``python -m bench.scan --help``. Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from fake_issuer.policy.oracle import PUBLIC
from fake_issuer.scan import Options, Scanner, Targets
from fake_issuer.scan.runner import Client, bare_gets
from fake_issuer.scan.target import Launched, command

ROOT = Path(__file__).resolve().parents[1]
URL = "http://127.0.0.1:{port}"
API = (
    "DJANGO_SETTINGS_MODULE=apiexample.settings AUTH0_ISSUER={issuer} AUTH0_AUDIENCE={audience} "
    "AUTH0_JWKS_TTL=2 AUTH0_JWKS_MIN_REFETCH_INTERVAL=1 DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1 "
    f"{Path(sys.executable).parent / 'gunicorn'} --chdir {ROOT} -b 127.0.0.1:{{port}} -w {{workers}} "
    "--threads 8 apiexample.wsgi"
)


def measure(sample: int | None, workers: int, floor_requests: int, api_workers: int) -> dict[str, float]:
    """The floor's and the scan's requests per second, their ratio, and the scan's wall time."""
    options = Options(sample=sample, jwks_ttl=2, recovery_wait=15, workers=workers, realm="apiexample")
    options.flood_bound = 5 * api_workers  # each gunicorn worker has its own JWKS cache
    with Scanner(options) as scanner:
        settings = {**scanner.settings, "workers": str(api_workers)}
        targets = Targets(f"{URL}/api/private", f"{URL}/api/private-scoped", f"{URL}/api/public")
        urls = targets.urls(settings)
        scanner.build(tuple(urls))
        argv, env = command(API, settings)
        with Launched(argv, env, urls[PUBLIC]):
            client = Client(pool=workers)
            list(bare_gets(client, urls[PUBLIC], 100, workers=workers))  # warm up the connections
            started = time.perf_counter()
            replies = list(bare_gets(client, urls[PUBLIC], floor_requests, workers=workers))
            floor = len(replies) / (time.perf_counter() - started)
            client.close()
            report = scanner.scan(targets)
    return {
        "floor_rps": floor,
        "scan_rps": report.rate,
        "ratio": report.rate / floor,
        "requests": report.requests,
        "scan_seconds": report.total_seconds,
        "findings_low_or_above": len(report.at_or_above("low")),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--sample", type=int, help="N matrix cells (default: the whole matrix)")
    parser.add_argument("--workers", type=int, default=8, help="scanner connections (8)")
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--floor-requests", type=int, default=3000, help="bare GETs for the floor (3000)")
    args = parser.parse_args(argv)
    figures = measure(args.sample, args.workers, args.floor_requests, args.api_workers)
    print(
        f"floor {figures['floor_rps']:.0f} req/s, scan {figures['scan_rps']:.0f} req/s: "
        f"{figures['ratio']:.0%} of the floor (goal >= 50%)"
    )
    print(
        f"{figures['requests']:.0f} requests, whole scan {figures['scan_seconds']:.1f} s (goal < 180 s), "
        f"{figures['findings_low_or_above']:.0f} findings at low or above"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
