"""``python -m bench.flood``: valid traffic beside a flood of unknown ``kid``s, the API under gunicorn.

A loopback fake tenant (``IssuerServer``) serves the JWKS; once every gunicorn worker has cached its
keys, the tenant's ``slow`` fault (set through its admin call) holds each JWKS answer for ``--slow``
seconds. Valid traffic (one cached-key token on keep-alive connections) and a latency probe of
``/api/public`` then run without and with a bounded flood (``--flood-connections``, each at most
``--flood-rate`` requests/s, every token naming a random ``kid``), in interleaved rounds; last, under
the same flood, the tenant rotates its key and a prober times how long the new key takes to be
accepted. Prints ratios with their goals and writes JSON. Load comes from spawned Python processes
(threads, ``http.client``), each stopping by itself after ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import median
from typing import Any

import requests

from bench.load import drive, init, merge, summary
from bench.server import AUDIENCE, ROOT, free_port, wait_for
from fake_issuer.server import IssuerServer

DESCRIPTION = (
    "Valid traffic beside a bounded flood of unknown kids, the API under gunicorn and the JWKS slow: "
    "req/s and /api/public latency with the flood / without it, and how soon a rotated key is accepted."
)


def jwks_fetches(server: IssuerServer) -> int:
    """JWKS requests the tenant has received so far."""
    return sum(1 for request in list(server.requests) if request.path.endswith("/jwks.json"))


def admin(server: IssuerServer, method: str, action: str, document: dict[str, object] | None = None) -> Any:
    """One admin call to the tenant, as a non-Python client would make it."""
    response = requests.request(method, f"{server.url}_admin/{action}", json=document or {}, timeout=10)
    response.raise_for_status()
    return response.json()


def time_rotation(server: IssuerServer, port: int, cap: float) -> dict[str, float]:
    """Rotate the tenant's key and probe with its token on fresh connections: seconds to acceptance.

    ``first_s``: the first 200; ``all_s``: the first of 40 straight 200s (fresh connections land on
    either worker, so from then on every worker accepts it); -1 when not within ``cap``.
    """
    kid = admin(server, "POST", "rotate")["kid"]
    rotated = time.monotonic()
    token = server.issuer.mint()
    assert server.issuer.signing_key.kid == kid
    first, streak_began, streak = -1.0, -1.0, 0
    while streak < 40 and time.monotonic() - rotated < cap:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "GET", "/api/private", headers={"Authorization": f"Bearer {token}", "Connection": "close"}
        )
        status = conn.getresponse().status
        conn.close()
        elapsed = time.monotonic() - rotated
        if status == 200:
            first = elapsed if first < 0 else first
            streak_began = elapsed if streak == 0 else streak_began
            streak += 1
        else:
            streak = 0
        time.sleep(0.02)
    return {"first_s": first, "all_s": streak_began if streak >= 40 else -1.0}


def number(low: float, high: float, kind: type[float] | type[int] = float) -> Callable[[str], float]:
    """An argparse type: a ``kind`` number from ``low`` to ``high``."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:  # NaN fails this too
            raise argparse.ArgumentTypeError(f"{text!r} is not from {low:g} to {high:g}")
        return value

    return parse


#: flag, type, default, help.
OPTIONS: list[tuple[str, Callable[[str], float], float | None, str]] = [
    ("--seconds", number(0.5, 600), 6.0, "length of one phase"),
    ("--rounds", number(1, 20, int), 4, "rounds of a calm and a flood phase side by side"),
    ("--connections", number(1, 256, int), 8, "keep-alive connections of valid traffic"),
    ("--flood-connections", number(1, 256, int), 8, "connections of the flood"),
    ("--flood-rate", number(0.1, 10_000), 25.0, "most requests/s per flood connection"),
    ("--probe-rate", number(0.1, 1000), 50.0, "/api/public probes per second"),
    ("--slow", number(0.1, 600), 3.0, "seconds the JWKS holds each answer (the slow fault)"),
    ("--timeout", number(0.1, 60), 5.0, "AUTH0_JWKS_TIMEOUT"),
    ("--interval", number(1, 3600), 10.0, "AUTH0_JWKS_MIN_REFETCH_INTERVAL"),
    ("--max-waiters", number(0, 100, int), None, "AUTH0_JWKS_MAX_WAITERS (default: the API's)"),
    ("--workers", number(1, 16, int), 2, "gunicorn workers"),
    ("--threads", number(1, 64, int), 4, "threads per gunicorn worker"),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line; a bad value is one error line and exit 2."""
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=DESCRIPTION)
    for flag, kind, default, text in OPTIONS:
        shown = "" if default is None else f" (default {default:g})"
        parser.add_argument(flag, type=kind, default=default, help=text + shown)
    parser.add_argument("--json", type=Path, default=Path("reports/bench-flood.json"), help="where to write")
    return parser.parse_args(argv)


def run_phase(
    pool: ProcessPoolExecutor, args: argparse.Namespace, port: int, token: str, *, flood: bool, seconds: float
) -> dict[str, dict[str, Any]]:
    """Valid traffic and the probe (and the flood) at once for ``seconds``: each role's ``drive`` result."""
    start = time.time() + 0.5  # every process begins at the same moment, whenever it was handed its role
    roles = [("valid", args.connections, 0.0), ("probe", 1, args.probe_rate)]
    roles += [("flood", args.flood_connections, args.flood_rate)] if flood else []
    futures = {
        role: pool.submit(drive, role, port, token, n, seconds, rate, start) for role, n, rate in roles
    }
    return {role: future.result() for role, future in futures.items()}


class Measured(dict[str, Any]):
    """What one flood run measured: ``figures`` per phase.role, ``rounds``, ``rotation``, ``jwks_fetches``."""


def measure(args: argparse.Namespace, gunicorn_bin: Path) -> Measured:
    """Run the flood benchmark with ``args`` (``parse``'s namespace); nothing is printed."""
    server = IssuerServer(audience=AUDIENCE, timeout=120.0).start()
    server.tenant.slow_seconds = args.slow
    port = free_port()
    env = {
        **os.environ,
        "AUTH0_ISSUER": server.issuer.issuer,
        "AUTH0_AUDIENCE": AUDIENCE,
        "AUTH0_JWKS_TIMEOUT": str(args.timeout),
        "AUTH0_JWKS_MIN_REFETCH_INTERVAL": str(args.interval),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    if args.max_waiters is not None:
        env["AUTH0_JWKS_MAX_WAITERS"] = str(args.max_waiters)
    log = tempfile.NamedTemporaryFile(prefix="bench-flood-", suffix=".log", delete=False)  # noqa: SIM115
    gunicorn = subprocess.Popen(
        [str(gunicorn_bin), "apiexample.wsgi", "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    pool = ProcessPoolExecutor(3, mp_context=spawn, initializer=init, initargs=(stop,))
    try:
        wait_for(port)
        token = server.issuer.mint()
        deadline = time.monotonic() + 30
        while jwks_fetches(server) < args.workers:  # every worker must hold the keys before the fault
            if time.monotonic() > deadline:
                raise RuntimeError("the gunicorn workers did not all fetch the JWKS")
            run_phase(pool, args, port, token, flood=False, seconds=1.0)
        admin(server, "POST", "faults", {"fault": "slow", "endpoint": "jwks"})
        before = jwks_fetches(server)
        totals: dict[str, dict[str, Any]] = {}
        rounds: list[dict[str, dict[str, float]]] = []
        for number in range(args.rounds):  # calm and flood side by side, in turn first (ABBA)
            measured: dict[str, dict[str, float]] = {}
            for phase in ("calm", "flood") if number % 2 == 0 else ("flood", "calm"):
                results = run_phase(pool, args, port, token, flood=phase == "flood", seconds=args.seconds)
                measured.update({f"{phase}.{role}": summary(row) for role, row in results.items()})
                for role, row in results.items():
                    merge(totals.setdefault(f"{phase}.{role}", {}), row)
            rounds.append(measured)
        fetched = jwks_fetches(server) - before
        cap = 3 * (args.interval + args.timeout) + 10
        flood = (args.flood_connections, cap, args.flood_rate, time.time())
        flooding = pool.submit(drive, "flood", port, token, *flood)
        time.sleep(1.0)
        rotation = time_rotation(server, port, cap)
        stop.set()
        flooding.result()
    finally:
        stop.set()
        pool.shutdown(cancel_futures=True)
        gunicorn.terminate()
        gunicorn.wait(timeout=20)
        server.stop()
        log.close()
    figures = {name: summary(row) for name, row in totals.items()}
    if figures["calm.valid"]["not_ok"] or figures["flood.valid"]["not_ok"]:
        print(f"WARNING: valid requests failed; the API's log is {log.name}", file=sys.stderr)
    else:
        os.unlink(log.name)
    statuses = dict(sorted(totals["flood.flood"]["statuses"].items()))
    return Measured(
        figures=figures, rounds=rounds, rotation=rotation, jwks_fetches=fetched, statuses=statuses
    )


def valid_ratios(measured: Measured) -> list[float]:
    """Valid requests/s with the flood / without it, one ratio per round."""
    return [row["flood.valid"]["rps"] / row["calm.valid"]["rps"] for row in measured["rounds"]]


def main(argv: list[str] | None = None) -> int:
    """Run the flood benchmark, print its figures and write JSON."""
    args = parse(argv)
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    if not gunicorn_bin.exists():
        print(f"gunicorn is not installed beside {sys.executable} (pip install gunicorn)", file=sys.stderr)
        return 2
    measured = measure(args, gunicorn_bin)
    print(
        report(args, measured["figures"], measured["rounds"], measured["rotation"], measured["jwks_fetches"])
    )
    print(f"flood answers by status: {measured['statuses']} (401: JWKS read fine; 503: it could not be read)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {key: measured[key] for key in ("figures", "rounds", "rotation", "jwks_fetches")}
    args.json.write_text(json.dumps(document, indent=2))
    return 0


def report(
    args: argparse.Namespace,
    figures: dict[str, dict[str, float]],
    rounds: list[dict[str, dict[str, float]]],
    rotation: dict[str, float],
    fetched: int,
) -> str:
    """The per-role figures and the ratios with their goals, as printed."""
    lines: list[str] = []
    waiters = "API default" if args.max_waiters is None else args.max_waiters
    lines.append(
        f"gunicorn -w {args.workers} --threads {args.threads}; JWKS slow {args.slow:g} s, "
        f"timeout {args.timeout:g} s, max waiters {waiters}; {args.rounds} x {args.seconds:g} s per phase; "
        f"valid {args.connections} conns, flood {args.flood_connections} conns x {args.flood_rate:g}/s"
    )
    lines.append(f"{'phase.role':16} {'req/s':>8} {'non-200':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, row in sorted(figures.items()):
        quantiles = f"{row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['max_ms']:8.1f}"
        lines.append(f"{name:16} {row['rps']:8.0f} {row['not_ok']:8.0f} {quantiles}")
    calm_valid, flood_valid = figures["calm.valid"], figures["flood.valid"]
    calm_probe, flood_probe = figures["calm.probe"], figures["flood.probe"]
    ratios = valid_ratios(Measured(rounds=rounds))
    bound = max(args.interval, args.slow) + args.slow
    within = f"<= {bound:g} (max(interval, fetch) + fetch)"
    if args.slow >= args.timeout:
        within = "none: the JWKS never answers within AUTH0_JWKS_TIMEOUT (-1: not accepted)"
    rows = [
        ("valid req/s, flood / calm", flood_valid["rps"] / calm_valid["rps"], ">= 0.80"),
        (
            "  the same, median of rounds",
            median(ratios),
            f">= 0.80 (rounds: {' '.join(f'{r:.2f}' for r in ratios)})",
        ),
        ("/api/public p50, flood / calm", flood_probe["p50_ms"] / calm_probe["p50_ms"], "~1"),
        ("/api/public p99, flood / calm", flood_probe["p99_ms"] / calm_probe["p99_ms"], "~1"),
        (
            "/api/public max ms under flood",
            flood_probe["max_ms"],
            f"<< {min(args.slow, args.timeout) * 1000:.0f} (the longest a waiter waits)",
        ),
        ("rotated key, first 200 (s)", rotation["first_s"], within),
        ("rotated key, every worker (s)", rotation["all_s"], within.split(" (")[0]),
    ]
    lines.append(f"{'figure':32} {'value':>8}  goal")
    for name, value, goal in rows:
        lines.append(f"{name:32} {value:8.2f}  {goal}")
    lines.append(f"JWKS fetches during the {args.rounds} x {args.seconds:g} s of flood and calm: {fetched}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
