"""``python -m bench.server``: the API under gunicorn on loopback, driven by ``wrk``, public vs private.

Starts a loopback JWKS for a ``FakeIssuer`` whose issuer is that JWKS server's URL, then gunicorn with
``AUTH0_ISSUER``/``AUTH0_AUDIENCE`` pointing at it, and runs ``wrk`` against ``/api/public`` and
``/api/private`` (one repeated valid token) in turn. Prints requests/s and p99 latency for both (best
of interleaved rounds) and their ratio; writes JSON. Needs ``wrk`` (Debian package) and the gunicorn
of this interpreter's environment (found beside ``sys.executable``, else on PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.table import executable
from fake_issuer import FakeIssuer

ROOT = Path(__file__).resolve().parent.parent
AUDIENCE = "https://apiexample.test/api"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_jwks(issuer: FakeIssuer, port: int) -> ThreadingHTTPServer:
    """Serve ``issuer``'s JWKS on 127.0.0.1:``port`` in a daemon thread."""
    body = json.dumps(issuer.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_for(url_port: int, timeout: float = 20.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:``url_port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", url_port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {url_port}")


def run_wrk(url: str, seconds: int, connections: int, header: str | None) -> dict[str, float]:
    """Requests/s and p99 latency (ms) of one ``wrk --latency`` run."""
    command = [str(executable("wrk")), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99_ms = float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99_ms, "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0}


def rps(row: dict[str, float]) -> float:
    """Requests per second of a ``run_wrk`` row."""
    return row["rps"]


def main(argv: list[str] | None = None) -> int:
    """Run the real-server benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.server",
        description="The API under gunicorn on loopback, driven by wrk: requests/s and p99 latency of "
        "/api/public and /api/private (one repeated valid token), best of interleaved rounds.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seconds", type=int, default=3, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per endpoint, best kept")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--json", type=Path, default=Path("reports/bench-server.json"), help="JSON output")
    args = parser.parse_args(argv)
    tools = {name: executable(name) for name in ("wrk", "gunicorn")}
    for name, path in tools.items():
        if path is None:
            hint = "apt-get install wrk" if name == "wrk" else "pip install -r requirements.txt"
            print(f"python -m bench.server: {name} not found beside {sys.executable} or on PATH ({hint})")
            return 2
    jwks_port, api_port = free_port(), free_port()
    issuer = FakeIssuer(f"http://127.0.0.1:{jwks_port}/", audience=AUDIENCE)
    jwks_server = serve_jwks(issuer, jwks_port)
    env = {
        **os.environ,
        "AUTH0_ISSUER": issuer.issuer,
        "AUTH0_AUDIENCE": AUDIENCE,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    gunicorn = subprocess.Popen(
        [str(tools["gunicorn"]), "apiexample.wsgi", "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"127.0.0.1:{api_port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(api_port)
        base = f"http://127.0.0.1:{api_port}"
        header = f"Authorization: Bearer {issuer.mint()}"
        run_wrk(f"{base}/api/private", 1, args.connections, header)  # warm every worker's JWKS cache
        # Interleaved rounds, best kept: the machine's other load hits both endpoints alike.
        public: dict[str, float] = {"rps": 0.0}
        private: dict[str, float] = {"rps": 0.0}
        for _ in range(args.rounds):
            public = max(public, run_wrk(f"{base}/api/public", args.seconds, args.connections, None), key=rps)
            private = max(
                private, run_wrk(f"{base}/api/private", args.seconds, args.connections, header), key=rps
            )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        jwks_server.shutdown()
    print(
        f"gunicorn -w {args.workers} --threads {args.threads}; wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s; best of {args.rounds} interleaved rounds"
    )
    print(f"{'endpoint':16} {'req/s':>10} {'p99 ms':>8} {'non-2xx':>8}")
    for name, row in (("/api/public", public), ("/api/private", private)):
        print(f"{name:16} {row['rps']:10.0f} {row['p99_ms']:8.2f} {row['non_2xx']:8.0f}")
    ratio = public["rps"] / private["rps"]
    print(f"throughput public / private: {ratio:.2f}x; p99 private / public: "
          f"{private['p99_ms'] / public['p99_ms']:.2f}x")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"public": public, "private": private, "ratio_rps": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
