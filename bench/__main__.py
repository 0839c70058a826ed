"""``python -m bench``: the project's performance figures, each a ratio measured side by side in one run.

Every figure divides a measurement by an anchor taken in the same process, in interleaved rounds: the
best round's ratio is the figure and the per-round range is printed beside it. Each row has a goal and
is marked ``MISS`` when it misses it. Nothing here asserts a time: it prints a table and writes JSON
(``reports/bench.json``) for comparison between runs. See ``bench.table`` for the table's terms.
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
from bench.table import Figure, as_json, cost_figure, rate_figure, render  # noqa: E402
from fake_issuer import FakeIssuer  # noqa: E402
from fake_issuer.encoding import b64url_decode  # noqa: E402

Work = Callable[[int], None]


def per_op(work: Work, ops: int) -> float:
    """Seconds per operation of one ``work(ops)`` round."""
    start = time.perf_counter()
    work(ops)
    return (time.perf_counter() - start) / ops


def measure(ops: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per operation of every anchor and figure, one value per interleaved round."""
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
        results: dict[str, list[float]] = {name: [] for name in work}
        for _ in range(rounds):
            for name, run in work.items():
                results[name].append(per_op(run, ops))
    require_auth.reset()
    return results


def matrix_rates(count: int, rounds: int) -> dict[str, list[float]]:
    """Claim-matrix tokens/s and its floor's, per interleaved round (``bench.matrix``)."""
    from bench.matrix import measure as measure_matrix

    return measure_matrix(count, rounds)


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


#: (label, numerator, anchor, goal): cost ratios of seconds per operation.
ROWS = [
    ("validator, fresh token / raw RSA-2048 verify", "validator_fresh", "raw_verify", "<=2.5x"),
    ("validator, fresh token / PyJWT decode (it has no cache)", "validator_fresh", "pyjwt_decode", "<=0.55x"),
    ("validator, repeated token / raw RSA verify", "validator_repeated", "raw_verify", "<=0.5x"),
    ("/api/private / /api/public, in process, repeated token", "request_private", "request_public", "<=1.4x"),
    ("PyJWT decode / raw RSA verify (reference)", "pyjwt_decode", "raw_verify", "-"),
    ("raw RS256 sign / raw RSA verify (reference)", "raw_sign", "raw_verify", "-"),
]


def figures(results: dict[str, list[float]], rates: dict[str, list[float]]) -> list[Figure]:
    """The table's rows from the measurements of one run."""
    rows = [
        cost_figure(
            label,
            results[numerator],
            results[anchor],
            goal=goal,
            detail=f"{min(results[numerator]) * 1e6:.1f} / {min(results[anchor]) * 1e6:.1f} us",
        )
        for label, numerator, anchor, goal in ROWS
        if numerator in results and anchor in results
    ]
    rows.append(
        rate_figure(
            "claim matrix tokens/s / floor (same tokens: sign + 3 bare requests)",
            rates["matrix"],
            rates["floor"],
            goal=">=0.6x",
            detail=f"{max(rates['matrix']):.0f} / {max(rates['floor']):.0f} tokens/s",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, write JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the project's performance figures side by side in one run and print them "
        "as ratios with their goals (MISS marks a figure outside its goal).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--ops", type=int, default=300, help="operations per round")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (best kept, range shown)")
    parser.add_argument("--json", type=Path, default=Path("reports/bench.json"), help="where to write JSON")
    parser.add_argument("--matrix-tokens", type=int, default=600, help="claim-matrix tokens per round")
    parser.add_argument("--matrix-rounds", type=int, default=3, help="claim-matrix interleaved rounds")
    parser.add_argument(
        "--ci", action="store_true", help="also time the whole test suite as CI runs it (about a minute)"
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    results = measure(args.ops, args.rounds)
    rates = matrix_rates(args.matrix_tokens, args.matrix_rounds)
    rows = figures(results, rates)
    print(
        f"python -m bench, {started:%Y-%m-%d %H:%M} UTC, {platform.machine()} x{os.cpu_count()}, "
        f"Python {platform.python_version()}, {args.rounds} rounds of {args.ops} ops"
    )
    print(render(rows))
    suite_seconds = time_suite() if args.ci else None
    if suite_seconds is not None:
        print(f"whole test suite, CI=true pytest -n auto: {suite_seconds:.0f} s (goal < 180 s)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "date": started.isoformat(timespec="seconds"),
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "seconds_per_op": results,
                "matrix_tokens_per_second": rates,
                "figures": as_json(rows),
                "suite_seconds": suite_seconds,
            },
            indent=2,
        )
    )
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
