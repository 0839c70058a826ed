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
from typing import Any

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
from bench.table import Figure, as_json, cost_figure, executable, rate_figure, render  # noqa: E402
from fake_issuer import FakeIssuer  # noqa: E402
from fake_issuer.dpop import generate_dpop_key, mint_dpop_proof  # noqa: E402
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
    # DPoP beside Bearer, through the same client and endpoint (RFC 9449 §7): fresh tokens for both, so
    # a Bearer request checks one signature and a DPoP request two (token and proof) plus the replay
    # store; and, as the other case, one cached token each, so a DPoP request still checks its proof.
    dpop_key = generate_dpop_key()
    htu = "http://testserver/api/private"
    bearer_fresh = iter([f"Bearer {issuer.mint(claims={'jti': f'bearer-{i}'})}" for i in range(ops * rounds)])
    bound = [issuer.mint(dpop_key=dpop_key, claims={"jti": f"bound-{i}"}) for i in range(ops * rounds)]
    dpop_fresh = iter(
        [(f"DPoP {t}", mint_dpop_proof(dpop_key, htm="GET", htu=htu, access_token=t)) for t in bound]
    )
    bound_token = issuer.mint(dpop_key=dpop_key)
    dpop_auth = f"DPoP {bound_token}"
    dpop_cached = iter(
        [mint_dpop_proof(dpop_key, htm="GET", htu=htu, access_token=bound_token) for _ in range(ops * rounds)]
    )

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

    def ok(response: Any) -> None:
        if response.status_code != 200:  # a refused request would measure the wrong path
            raise RuntimeError(f"/api/private answered {response.status_code}: {response.content!r}")

    def bearer_fresh_request(n: int) -> None:
        for _ in range(n):
            ok(client.get("/api/private", HTTP_AUTHORIZATION=next(bearer_fresh)))

    def dpop_fresh_request(n: int) -> None:
        for _ in range(n):
            authorization, proof = next(dpop_fresh)
            ok(client.get("/api/private", HTTP_AUTHORIZATION=authorization, HTTP_DPOP=proof))

    def dpop_cached_request(n: int) -> None:
        for _ in range(n):
            ok(client.get("/api/private", HTTP_AUTHORIZATION=dpop_auth, HTTP_DPOP=next(dpop_cached)))

    work: dict[str, Work] = {
        "raw_verify": raw_verify,
        "raw_sign": raw_sign,
        "validator_fresh": validate_fresh,
        "validator_repeated": validate_repeated,
        "request_public": public,
        "request_private": private,
        "request_bearer_fresh": bearer_fresh_request,
        "request_dpop_fresh": dpop_fresh_request,
        "request_dpop_cached": dpop_cached_request,
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
    (
        "DPoP request / Bearer request, in process, fresh tokens",
        "request_dpop_fresh",
        "request_bearer_fresh",
        "<=2.5x",
    ),
    (
        "DPoP request / Bearer request, in process, token cached",
        "request_dpop_cached",
        "request_private",
        "<=2.5x",
    ),
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


def server_figures(scan_sample: int | None) -> list[Figure]:
    """Figures of this API under gunicorn: ``fake-issuer scan``'s rate and the unknown-``kid`` flood's cost.

    ``bench.scan`` and ``bench.flood`` with their defaults (the scan on ``scan_sample`` matrix cells, or
    the whole matrix when None); each prints its own details when run alone.
    """
    from bench import flood, scan

    gunicorn_bin = executable("gunicorn")
    if gunicorn_bin is None:
        raise SystemExit(
            "python -m bench --servers: gunicorn is not installed (pip install -r requirements.txt)"
        )
    scanned = scan.measure(scan_sample, workers=8, floor_requests=3000, api_workers=2)
    flooded = flood.measure(flood.parse([]), gunicorn_bin)
    rounds = flooded["rounds"]
    scope = "whole matrix" if scan_sample is None else f"{scan_sample} matrix cells"
    return [
        Figure(
            "fake-issuer scan req/s / bare keep-alive GETs, same client and run",
            scanned["ratio"],
            scanned["ratio"],
            scanned["ratio"],
            goal=">=0.5x",
            detail=f"{scanned['scan_rps']:.0f} / {scanned['floor_rps']:.0f} req/s; {scanned['requests']:.0f} "
            f"requests ({scope}) in {scanned['scan_seconds']:.1f} s",
        ),
        rate_figure(
            "valid req/s beside an unknown-kid flood / without it (gunicorn)",
            [row["flood.valid"]["rps"] for row in rounds],
            [row["calm.valid"]["rps"] for row in rounds],
            goal=">=0.8x",
            detail=f"{len(rounds)} ABBA rounds; {max(r['flood.valid']['rps'] for r in rounds):.0f} / "
            f"{max(r['calm.valid']['rps'] for r in rounds):.0f} req/s; a rotated key accepted by every "
            f"worker in {flooded['rotation']['all_s']:.1f} s",
        ),
        cost_figure(
            "/api/public p99 latency beside the flood / without it (reference)",
            [row["flood.probe"]["p99_ms"] for row in rounds],
            [row["calm.probe"]["p99_ms"] for row in rounds],
            detail="a request that needs no key must not wait on the flood",
        ),
    ]


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
    parser.add_argument(
        "--servers",
        action="store_true",
        help="also run the API under gunicorn for the scan's and the flood's figures (about 3 minutes)",
    )
    parser.add_argument(
        "--scan-sample", type=int, default=1500, help="matrix cells the --servers scan sends (0: all of them)"
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    results = measure(args.ops, args.rounds)
    rates = matrix_rates(args.matrix_tokens, args.matrix_rounds)
    rows = figures(results, rates)
    if args.servers:
        rows += server_figures(args.scan_sample or None)
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
