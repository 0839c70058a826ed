"""HTTP load for ``bench.flood``: roles run by spawned processes, threads on ``http.client`` connections.

Each role runs for a fixed time from a shared start (RFC 9112 keep-alive connections, or a fresh one
per request for the probe) and stops by itself, or early when the parent sets ``STOP``.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from collections import Counter
from typing import Any

from fake_issuer.encoding import b64url_encode

#: Set by the parent to end a role early (the rotation phase); inherited by the load processes.
STOP: Any = None


def init(stop: Any) -> None:
    """A pool initializer: keep the parent's stop event."""
    global STOP
    STOP = stop


def forged_token(valid: str) -> str:
    """``valid`` with a random ``kid``: well formed, so the API looks the ``kid`` up before anything else."""
    _, payload, signature = valid.split(".")
    header = b64url_encode(json.dumps({"alg": "RS256", "typ": "JWT", "kid": secrets.token_hex(8)}).encode())
    return f"{header}.{payload}.{signature}"


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank); 0.0 when there are none."""
    if not values:
        return 0.0
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(fraction * len(ranked)) - 1))]


def drive(
    role: str, port: int, token: str, connections: int, seconds: float, rate: float, start: float
) -> dict[str, Any]:
    """Run one load role from wall time ``start`` for ``seconds``: its counts, statuses and latencies.

    ``valid``: ``/api/private`` with ``token`` as fast as answered; ``flood``: ``/api/private`` with a
    forged ``kid`` each time, at most ``rate`` per connection and second; ``probe``: ``/api/public``
    ``rate`` times a second, each on a fresh connection (timed from the connect).
    """
    path = "/api/public" if role == "probe" else "/api/private"
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    time.sleep(max(0.0, start - time.time()))
    deadline = time.monotonic() + seconds

    def connection() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        pace = 1.0 / rate if rate else 0.0
        next_at = time.monotonic()
        while time.monotonic() < deadline and not STOP.is_set():
            if role == "probe":  # a fresh connection each time, so that it samples every worker
                headers = {"Connection": "close"}
            else:
                headers = {"Authorization": f"Bearer {forged_token(token) if role == 'flood' else token}"}
            sent = time.monotonic()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):  # gunicorn closed an idle keep-alive
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                statuses[status] += 1
                latencies.append((time.monotonic() - sent) * 1000)
            if role == "probe":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if pace:
                next_at += pace
                time.sleep(max(0.0, next_at - time.monotonic()))
        conn.close()

    threads = [threading.Thread(target=connection) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.monotonic() - began, "statuses": dict(statuses), "latencies_ms": latencies}


def summary(row: dict[str, Any]) -> dict[str, float]:
    """Requests/s, non-2xx count and latency quantiles (ms) of a ``drive`` result."""
    statuses, latencies = row["statuses"], row["latencies_ms"]
    return {
        "rps": sum(statuses.values()) / row["seconds"],
        "ok": float(sum(n for code, n in statuses.items() if int(code) == 200)),
        "not_ok": float(sum(n for code, n in statuses.items() if int(code) != 200)),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
    }


def merge(into: dict[str, Any], row: dict[str, Any]) -> None:
    """Add one round's ``drive`` result to the running total ``into``."""
    into["seconds"] = into.get("seconds", 0.0) + row["seconds"]
    statuses = into.setdefault("statuses", {})
    for code, count in row["statuses"].items():
        statuses[int(code)] = statuses.get(int(code), 0) + count
    into.setdefault("latencies_ms", []).extend(row["latencies_ms"])
