"""``python -m bench``: the performance figures of issue 7, measured side by side in one run.

Every figure is a ratio to an anchor measured in the same process, in interleaved rounds, taking the
fastest round of each (the least disturbed by the rest of the machine). Nothing here asserts a time:
it prints a table and writes JSON for comparison between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from django.test import Client  # noqa: E402

from apiexample.auth import require_auth  # noqa: E402
from apiexample.config import Auth0Config  # noqa: E402
from apiexample.jwks.client import StaticKeySource  # noqa: E402
from apiexample.validator import Auth0JWTBearerTokenValidator  # noqa: E402
from fake_issuer import FakeIssuer  # noqa: E402
from fake_issuer.encoding import b64url_decode  # noqa: E402

Work = Callable[[int], None]


def best_per_op(work: Work, ops: int, rounds: int) -> float:
    """Seconds per operation of ``work(ops)``: the fastest of ``rounds`` rounds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work(ops)
        best = min(best, (time.perf_counter() - start) / ops)
    return best


def measure(ops: int, rounds: int) -> dict[str, float]:
    """Seconds per operation of every anchor and figure, measured in interleaved rounds."""
    issuer = FakeIssuer()
    config: Auth0Config = django.conf.settings.AUTH0
    validator = Auth0JWTBearerTokenValidator(config, StaticKeySource(issuer.jwks()))
    private_key = issuer.signing_key.private_key
    assert isinstance(private_key, rsa.RSAPrivateKey)
    public_key = private_key.public_key()
    token = issuer.mint()
    header, payload, signature = token.split(".")
    signing_input = f"{header}.{payload}".encode()
    raw_signature = b64url_decode(signature)
    # Fresh tokens differ in one claim each, so nothing can be reused between them.
    fresh = [issuer.mint(claims={"jti": f"bench-{i}"}) for i in range(ops * rounds * 2)]
    fresh_iter = iter(fresh)
    client = Client()
    auth = f"Bearer {token}"

    def raw_verify(n: int) -> None:
        for _ in range(n):
            public_key.verify(raw_signature, signing_input, padding.PKCS1v15(), hashes.SHA256())

    def raw_sign(n: int) -> None:
        for _ in range(n):
            private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

    def validate_fresh(n: int) -> None:
        for _ in range(n):
            validator.validate_token(validator.authenticate_token(next(fresh_iter)), ["read:messages"], None)

    def validate_repeated(n: int) -> None:
        for _ in range(n):
            validator.validate_token(validator.authenticate_token(token), ["read:messages"], None)

    def public(n: int) -> None:
        for _ in range(n):
            client.get("/api/public")

    def private(n: int) -> None:
        for _ in range(n):
            client.get("/api/private", HTTP_AUTHORIZATION=auth)

    work: dict[str, Work] = {
        "raw_verify": raw_verify,
        "raw_sign": raw_sign,
        "validator_fresh": validate_fresh,
        "validator_repeated": validate_repeated,
        "request_public": public,
        "request_private": private,
    }
    try:
        import jwt as pyjwt

        pyjwt_key = pyjwt.PyJWK(issuer.signing_key.public_jwk()).key

        def pyjwt_decode(n: int) -> None:
            for _ in range(n):
                pyjwt.decode(
                    token, pyjwt_key, algorithms=["RS256"], audience=config.audience, issuer=config.issuer
                )

        work["pyjwt_decode"] = pyjwt_decode
    except ImportError:  # PyJWT is an optional anchor
        pass

    require_auth.reset()
    with issuer:
        client.get("/api/private", HTTP_AUTHORIZATION=auth)  # warm the JWKS cache
        results = {name: float("inf") for name in work}
        for _ in range(rounds):
            for name, run in work.items():
                results[name] = min(results[name], best_per_op(run, ops, 1))
    require_auth.reset()
    return results


def matrix_rates(count: int) -> dict[str, float]:
    """Claim-matrix tokens/s and the floor's, measured one after the other (``bench.matrix``)."""
    from bench.matrix import measure as measure_matrix

    return measure_matrix(count)


def time_suite() -> float:
    """Wall-clock seconds of the whole suite as CI runs it (``CI=true python -m pytest -n auto``)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "auto", "-q", "-p", "no:randomly"],
        env={**os.environ, "CI": "true"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


ROWS = [
    ("validator, fresh token / raw RSA verify", "validator_fresh", "raw_verify", "<= 2.5x"),
    ("validator, repeated token / raw RSA verify", "validator_repeated", "raw_verify", "<= 0.5x"),
    (
        "/api/private / /api/public, in process, repeated token",
        "request_private",
        "request_public",
        "<= 1.4x",
    ),
    ("PyJWT decode / raw RSA verify (reference)", "pyjwt_decode", "raw_verify", "-"),
    ("raw RS256 sign / raw RSA verify (reference)", "raw_sign", "raw_verify", "-"),
]


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, write JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=300, help="operations per round (default 300)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds, best kept (default 7)")
    parser.add_argument("--json", type=Path, default=Path("reports/bench.json"), help="where to write JSON")
    parser.add_argument("--matrix-tokens", type=int, default=1200, help="claim-matrix tokens (default 1200)")
    parser.add_argument(
        "--ci", action="store_true", help="also time the whole test suite as CI runs it (about a minute)"
    )
    args = parser.parse_args(argv)
    results = measure(args.ops, args.rounds)
    rates = matrix_rates(args.matrix_tokens)
    print(f"{'figure':58} {'ratio':>8} {'goal':>8}   numerator / anchor (us per op)")
    ratios = {}
    for label, numerator, anchor, goal in ROWS:
        if numerator not in results:
            continue
        ratio = results[numerator] / results[anchor]
        ratios[label] = ratio
        micros = f"{results[numerator] * 1e6:8.1f} / {results[anchor] * 1e6:.1f}"
        print(f"{label:58} {ratio:7.2f}x {goal:>8}   {micros}")
    matrix_ratio = rates["matrix"] / rates["floor"]
    ratios["claim-matrix tokens/s / floor (raw sign + three bare requests)"] = matrix_ratio
    print(
        f"{'claim-matrix tokens/s / floor (sign + 3 bare requests)':58} {matrix_ratio:7.2f}x {'>=0.6':>8}"
        f"   {rates['matrix']:8.0f} / {rates['floor']:.0f} tokens/s"
    )
    suite_seconds = time_suite() if args.ci else None
    if suite_seconds is not None:
        label = "whole test suite, CI=true pytest -n auto (after install)"
        print(f"{label:58} {suite_seconds:7.0f}s {'<180s':>8}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "seconds_per_op": results,
                "matrix_tokens_per_second": rates,
                "ratios": ratios,
                "suite_seconds": suite_seconds,
            },
            indent=2,
        )
    )
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
