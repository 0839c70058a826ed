"""Scenarios, the runner and the session against tiny in-process targets (RFC 8725 §3.10, RFC 9110 §15.6.4).

``refuser`` fetches the JWKS on every request and answers 401 with no challenge: the flood bound, a
challenge finding and the TTL skip show on it. ``silent`` accepts a connection and never answers.
"""

from __future__ import annotations

import socket
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fake_issuer.attacks import CATALOG, Attack, Request, rejected
from fake_issuer.matrix.matrix import Matrix
from fake_issuer.policy.oracle import PRIVATE, SCOPED
from fake_issuer.policy.spec import TokenSpec
from fake_issuer.scan import Options, Scanner, Targets, scanner
from fake_issuer.scan.cases import MATRIX_REFRESH, MatrixSource, Sent, attack_cases, matrix_cases
from fake_issuer.scan.runner import Client, bare_gets, run_cases
from fake_issuer.scan.scenarios import Scenarios
from fake_issuer.scan.target import Launched, TargetError, answers, fill, free_port


@pytest.fixture
def scan() -> Iterator[Scanner]:
    """A running scanner (the library's own fixture body)."""
    yield from scanner(Options(sample=2, scenarios=False, workers=2, timeout=5))


@pytest.fixture
def refuser(scan: Scanner) -> Iterator[str]:
    """A target that fetches the scanner's JWKS on every request, then answers a bare 401."""
    jwks = scan.settings["jwks_url"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with urllib.request.urlopen(jwks, timeout=5):
                pass
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/private"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hangup() -> Iterator[str]:
    """A URL whose server reads the request and closes the connection without a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A URL whose server accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.close()


def flood_of_eight(scan: Scanner, refuser: str, lasting: float) -> Scenarios:
    """Eight unknown kids to ``refuser`` (one fetch each), the flood lasting ``lasting`` seconds."""
    instants = iter([0.0, lasting])
    client = Client(pool=2, timeout=5)
    scenarios = Scenarios(
        scan.server, client, {PRIVATE: refuser}, scan.verdict(), flood=8, clock=lambda: next(instants)
    )
    scenarios.unknown_kid_flood()
    return scenarios


def test_a_target_that_refetches_for_every_unknown_kid_is_reported(scan: Scanner, refuser: str) -> None:
    scenarios = flood_of_eight(scan, refuser, 0.5)
    levels = [finding.severity for finding in scenarios.checks[0].findings]
    assert levels == ["low", "high"]
    assert "8 JWKS fetches for 8 unknown kids in 0.5 s (bound 5: 5, and one per 1 s)" in (
        scenarios.checks[0].findings[1].title
    )


def test_a_slow_flood_allows_one_more_fetch_per_interval(scan: Scanner, refuser: str) -> None:
    # A target that refetches at most once a second, flooded by a loaded machine for 3 s, fetched 8 times
    # within its limit: only the missing challenge (low) is reported, not the fetches.
    assert [f.severity for f in flood_of_eight(scan, refuser, 3.0).checks[0].findings] == ["low"]
    assert [f.severity for f in flood_of_eight(scan, refuser, 2.9).checks[0].findings] == ["low", "high"]


def test_a_ttl_beyond_the_wait_bound_skips_the_withdrawal_with_its_reason(
    scan: Scanner, refuser: str
) -> None:
    client = Client(pool=2, timeout=5)
    scenarios = Scenarios(
        scan.server, client, {PRIVATE: refuser}, scan.verdict(), recovery_wait=0.2, sleep=lambda s: None
    )
    scenarios.rotation()
    new, withdrawn = scenarios.checks
    assert [finding.severity for finding in new.findings] == ["high"]
    assert withdrawn.skipped == "the stated JWKS TTL (600.0 s) is beyond --max-wait (30.0 s)"


def test_a_running_target_is_scanned_without_launching_anything(scan: Scanner, refuser: str) -> None:
    report = scan.scan(Targets(refuser))
    assert report.requests == len(scan.cases) > 0
    assert all(row.id.endswith("@private") for row in report.rows if not row.skipped)
    assert {finding.severity for finding in report.findings} <= {"medium", "low", "info"}


def test_the_catalog_can_be_left_out(refuser: str) -> None:
    with Scanner(Options(sample=3, catalog=False, scenarios=False)) as alone:
        alone.build()
        alone.build()
        assert len(alone.cases) == 9 and alone.skipped == []


def test_no_answer_and_no_server_come_back_as_replies(silent: str) -> None:
    client = Client(pool=1, timeout=0.3)
    assert client.get(silent).error is not None and "timed out" in str(client.get(silent).error)
    refused = client.get("http://127.0.0.1:1/")
    assert refused.status is None and "timed out" not in str(refused.error)
    assert [reply.status for reply in bare_gets(client, "http://127.0.0.1:1/", 2, workers=1)] == [None, None]
    assert not answers(silent, timeout=0.3)


def test_a_connection_closed_unanswered_is_a_transport_error(hangup: str) -> None:
    closed = Client(pool=1, timeout=5).get(hangup)
    assert closed.status is None and closed.error is not None and closed.error.startswith("ProtocolError")
    assert closed.describe().startswith("no answer: ProtocolError")


def test_the_whole_matrix_is_sent_without_a_sample(scan: Scanner) -> None:
    source = MatrixSource(scan.policy, scan.ring)
    assert len(matrix_cases(source, (PRIVATE,))) == len(Matrix(scan.policy, scan.ring).combinations)


def test_progress_sees_every_result(scan: Scanner, refuser: str) -> None:
    seen: list[str] = []
    scan.build()
    cases = [case for case in scan.cases if case.id.endswith("@private")][:3]
    results = run_cases(
        cases, Client(), {PRIVATE: refuser}, scan.verdict(), progress=lambda r: seen.append(r.case.id)
    )
    assert sorted(seen) == sorted(result.case.id for result in results) and len(seen) == 3


def test_entries_the_scanner_cannot_send_or_share_are_skipped_with_a_reason(
    scan: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def proof(issuer: object) -> Request:
        return Request("DPoP x", dpop=lambda method, url: ("proof",))

    def collide(issuer: Any) -> str:
        key = type(issuer.signing_key)(issuer.new_key().private_key, issuer.signing_key.kid)
        issuer.keys.append(key)
        return str(issuer.mint(key=key))

    entries = [
        Attack("needs-proof", "authorization", "a DPoP proof", "RFC 9449", rejected(1), proof),
        Attack("same-kid", "keys", "another key, same kid", "RFC 7517 §4.5", rejected(3), collide),
    ]
    monkeypatch.setattr("fake_issuer.scan.cases.CATALOG", entries)
    cases, skipped = attack_cases(scan.server.issuer, (PRIVATE,))
    assert cases == []
    assert [s.reason for s in skipped] == [
        "carries dpop, which the scanner cannot put on the wire",
        f"publishes a second key under kid {scan.server.issuer.signing_key.kid!r}; "
        "it needs a JWKS of its own",
    ]
    assert len(CATALOG) > 2


def test_launch_errors_are_target_errors(tmp_path: Any) -> None:
    with pytest.raises(TargetError, match="unknown placeholder"):
        fill("{0}", {})
    launched = Launched(["/nonexistent/x"], {}, "http://127.0.0.1:1/", log=str(tmp_path / "log"))
    with pytest.raises(TargetError, match="cannot run"):
        launched.start()
    launched.stop()
    sleeper = Launched(
        [sys.executable, "-c", "import time; time.sleep(30)"], {}, "http://127.0.0.1:1/", startup_timeout=0.3
    )
    with pytest.raises(TargetError, match="did not answer"):
        sleeper.start()
    assert sleeper.process is None
    port = free_port()
    served = [sys.executable, "-m", "http.server", "-b", "127.0.0.1", str(port)]
    with Launched(served, {}, f"http://127.0.0.1:{port}/") as running:
        assert running.process is not None and answers(f"http://127.0.0.1:{port}/")
    assert running.process is None


def test_sent_defaults_carry_no_query_headers_or_tokens() -> None:
    assert Sent("/x", None) == Sent("/x", None, {}, {}, ())


def test_the_plugin_fixture_is_a_running_scanner(fake_issuer_scanner: Scanner) -> None:
    settings = fake_issuer_scanner.settings
    assert settings["audience"] == "https://apiexample.test/api"
    assert answers(settings["jwks_url"]) and settings["issuer"].startswith("http://127.0.0.1:")


def test_a_cell_is_signed_once_per_matrix_and_again_when_the_matrix_is_refreshed(
    scan: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed: list[TokenSpec] = []
    encode = TokenSpec.encode

    def counted(spec: TokenSpec) -> str:
        signed.append(spec)
        return encode(spec)

    monkeypatch.setattr(TokenSpec, "encode", counted)
    now = [1_700_000_000.0]
    source = MatrixSource(scan.policy, scan.ring, clock=lambda: now[0])
    cell = source.current().combinations[0]  # signature=valid: RS256, the same bytes for the same claims
    first = source.prepare(cell, PRIVATE).sent.tokens
    assert source.prepare(cell, SCOPED).sent.tokens == first and len(signed) == 1  # once, to each endpoint
    now[0] += MATRIX_REFRESH + 1
    later = source.prepare(cell, PRIVATE).sent.tokens
    assert len(signed) == 2 and later == (encode(source.current().spec(cell)),) != first  # at the new now
