"""How the JWKS client talks HTTP: strict parsing, redirects, size and time limits, odd failures.

RFC 7517 §5 (a JWK Set is a JSON object with a ``keys`` array), RFC 9110 §15.4 (redirects).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses

from apiexample.jwks import fetch as jwks_fetch
from apiexample.jwks.client import JWKSClient, KeysUnavailable
from apiexample.jwks.fetch import MAX_JWKS_BYTES, MAX_REDIRECTS
from fake_issuer import FakeIssuer, generate_ec_key
from tests.clocks import FakeClock, run_inline

URL = "https://tenant.example.test/.well-known/jwks.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """A JWK Set with one usable RSA key."""
    return dict(FakeIssuer(URL.removesuffix(".well-known/jwks.json")).jwks())


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    """``responses`` intercepting every request; each test registers what the tenant answers."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as requests_mock:
        yield requests_mock


def cold_client(**policy: Any) -> JWKSClient:
    """A client of ``URL`` on a fake clock, fetching in the calling thread."""
    return JWKSClient(URL, clock=FakeClock(), spawn=run_inline, **policy)


def reason_for(client: JWKSClient) -> str:
    """The reason a cold fetch of ``client`` fails with."""
    with pytest.raises(KeysUnavailable) as caught:
        client.get_key("any")
    return caught.value.reason


def test_a_same_origin_redirect_is_followed(mock: responses.RequestsMock, document: dict[str, Any]) -> None:
    moved = "https://tenant.example.test/keys/v2.json"
    mock.get(URL, status=301, headers={"Location": "/keys/v2.json"})
    mock.get(moved, json=document)
    kid = document["keys"][0]["kid"]
    assert cold_client().get_key(kid) is not None
    assert [call.request.url for call in mock.calls] == [URL, moved]


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.test/.well-known/jwks.json",
        "http://tenant.example.test/.well-known/jwks.json",  # a downgrade is another origin
        "https://tenant.example.test:8443/.well-known/jwks.json",
    ],
)
def test_a_redirect_to_another_origin_is_refused(mock: responses.RequestsMock, location: str) -> None:
    mock.get(URL, status=302, headers={"Location": location})
    assert reason_for(cold_client()) == "the JWKS URL redirects to another host"
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    "location",
    [
        "https://tenant.example.test:99999/.well-known/jwks.json",  # port out of range
        "https://tenant.example.test:x/.well-known/jwks.json",
        "https://[::1/.well-known/jwks.json",  # unclosed IPv6 literal
    ],
)
def test_a_redirect_to_an_invalid_url_is_a_failure_not_a_bug(
    mock: responses.RequestsMock, location: str, caplog: pytest.LogCaptureFixture
) -> None:
    mock.get(URL, status=302, headers={"Location": location})
    assert reason_for(cold_client()) == "the JWKS URL redirects to an invalid URL"
    assert len(mock.calls) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_redirects_share_one_time_budget(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch_clock = FakeClock()
    monkeypatch.setattr(jwks_fetch, "time", SimpleNamespace(monotonic=fetch_clock))

    def slow_redirect(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        fetch_clock.advance(2.0)
        return 302, {"Location": URL}, ""

    mock.add_callback(responses.GET, URL, callback=slow_redirect)
    # Hops start with 5, 3 and 1 s left; after the third none is, so no fourth hop is allowed
    # (MAX_REDIRECTS would allow it with a fresh budget per hop).
    assert reason_for(cold_client(timeout=5.0)) == "the JWKS did not answer in time"
    assert len(mock.calls) == 3 < MAX_REDIRECTS + 1


def test_a_redirect_loop_is_cut_short(mock: responses.RequestsMock) -> None:
    mock.get(URL, status=307, headers={"Location": URL})
    assert reason_for(cold_client()) == "the JWKS URL redirects too many times"
    assert len(mock.calls) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("status", [201, 204, 304, 404, 429, 502])
def test_any_status_but_200_is_a_failure(mock: responses.RequestsMock, status: int, document: Any) -> None:
    mock.get(URL, status=status, json=document)
    assert reason_for(cold_client()) == f"the JWKS URL answered HTTP {status}"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "the JWKS is not a JSON JWK Set"),
        (b"\xff\xfe{}", "the JWKS is not a JSON JWK Set"),
        (b"[]", "the JWKS is not a JSON JWK Set"),
        (b'{"keys": {}}', "the JWKS is not a JSON JWK Set"),
        (b'{"Keys": []}', "the JWKS is not a JSON JWK Set"),
        (b"[" * 100_000 + b"]" * 100_000, "the JWKS is not a JSON JWK Set"),
        (b'{"keys": []}', "the JWKS has no usable keys"),
        (b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "the JWKS has no usable keys"),
    ],
)
def test_a_body_that_is_not_a_usable_jwk_set_is_a_failure(
    mock: responses.RequestsMock, body: bytes, reason: str
) -> None:
    mock.get(URL, body=body, content_type="application/json")
    assert reason_for(cold_client()) == reason


def test_an_oversized_body_is_not_read_to_the_end(mock: responses.RequestsMock) -> None:
    mock.get(URL, body=b" " * (MAX_JWKS_BYTES + 1), content_type="application/json")
    assert reason_for(cold_client()) == "the JWKS is too large"


def test_a_body_that_trickles_past_the_timeout_is_abandoned(
    mock: responses.RequestsMock, document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(0, 1000, 3))  # every reading of the clock is 3 s later than the last
    monkeypatch.setattr(time, "monotonic", lambda: float(next(ticks)))
    mock.get(URL, body=json.dumps(document).encode(), content_type="application/json")
    assert reason_for(cold_client(timeout=2.0)) == "the JWKS did not answer in time"


def test_an_ec_key_beside_the_rsa_key_is_skipped_and_logged_once(
    mock: responses.RequestsMock, document: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ec_jwk = generate_ec_key("jwks-http-test").public_jwk()
    mock.get(URL, json={"keys": [ec_jwk, *document["keys"]]})
    clock = FakeClock()
    client = JWKSClient(URL, clock=clock, spawn=run_inline)
    for _ in range(3):
        assert client.get_key(document["keys"][0]["kid"]) is not None
        clock.advance(600)
    assert len(mock.calls) == 3
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped == [f"JWKS key {ec_jwk['kid']!r} skipped: kty 'EC' is not RSA"]


class ExplodingSession(requests.Session):
    """A session whose ``get`` raises ``error`` (a bug or an unforeseen library failure)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def get(self, *args: Any, **kwargs: Any) -> requests.Response:
        raise self.error


def test_an_unexpected_error_fails_closed_and_does_not_wedge_the_client(
    mock: responses.RequestsMock, document: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    client = JWKSClient(URL, clock=clock, spawn=run_inline, session=ExplodingSession(KeyError("x")))
    assert reason_for(client) == "the JWKS fetch failed (KeyError)"
    (error, failed) = [r for r in caplog.records if r.name == "apiexample.jwks.client"]
    assert error.levelno == logging.ERROR
    assert error.getMessage() == f"JWKS fetch from {URL} failed unexpectedly"
    assert error.exc_info is not None and error.exc_info[0] is KeyError
    assert failed.getMessage() == (  # no HTTP status: none was had
        f"JWKS fetch from {URL} failed: the JWKS fetch failed (KeyError) (status None, 0 ms); "
        "0 cached keys; retry in 0 s"
    )
    client.session = requests.Session()
    mock.get(URL, json=document)
    clock.advance(1)
    assert client.get_key(document["keys"][0]["kid"]) is not None


class Interrupted(BaseException):
    """What ends a thread from outside, past ``except Exception`` (gevent's GreenletExit, say)."""


def run_until_interrupted(work: Callable[[], None]) -> None:
    """A ``spawn`` whose thread ends when ``Interrupted`` is raised in it."""
    with contextlib.suppress(Interrupted):
        work()


def test_an_interrupted_fetch_fails_closed_and_says_so(mock: responses.RequestsMock, document: Any) -> None:
    clock = FakeClock()
    session = ExplodingSession(Interrupted())
    client = JWKSClient(URL, clock=clock, spawn=run_until_interrupted, session=session)
    assert reason_for(client) == "the JWKS fetch was interrupted"
    client.session = requests.Session()
    mock.get(URL, json=document)
    assert client.get_key(document["keys"][0]["kid"]) is not None  # a first failure is retried at once


def test_a_refused_thread_means_fetching_in_the_request_thread(
    mock: responses.RequestsMock, document: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def no_threads(work: Callable[[], None]) -> None:
        raise RuntimeError("can't start new thread")

    mock.get(URL, json=document)
    client = JWKSClient(URL, clock=FakeClock(), spawn=no_threads)
    assert client.get_key(document["keys"][0]["kid"]) is not None
    assert len(mock.calls) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["JWKS fetch thread could not start; fetching in the request thread"]


def test_requests_are_sent_with_timeouts_and_without_redirects(document: Any) -> None:
    seen: dict[str, Any] = {}

    class RecordingSession(requests.Session):
        def get(self, url: Any, **kwargs: Any) -> requests.Response:
            seen.update(kwargs, url=url)
            raise requests.ConnectionError("refused")

    client = JWKSClient(URL, clock=FakeClock(), spawn=run_inline, session=RecordingSession(), timeout=2.5)
    assert reason_for(client) == "the JWKS could not be fetched (ConnectionError)"
    assert seen["url"] == URL
    connect, read = seen["timeout"]
    assert 0 < connect == read <= 2.5  # what is left of the one budget, for this first hop nearly all
    assert seen["allow_redirects"] is False
    assert seen["stream"] is True


def test_a_body_still_arriving_at_the_deadline_is_cut_off_between_reads() -> None:
    chunks = iter([b'{"keys": ', b"[]}"])
    raw = SimpleNamespace(read1=lambda size, decode_content: next(chunks, b""))
    response = SimpleNamespace(raw=raw, status_code=200)
    with pytest.raises(jwks_fetch.FetchFailed, match="did not answer in time") as failure:
        jwks_fetch._read(response, deadline=time.monotonic() - 1.0)  # type: ignore[arg-type]
    assert failure.value.status == 200
    assert jwks_fetch._read(response, deadline=time.monotonic() + 60.0) == b"[]}"  # type: ignore[arg-type]


def test_skipped_keys_are_logged_once_each_kid_cut_to_100_characters_at_most_1000(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # README "Signing keys": a skipped key is logged once, its kid cut to 100 characters; at most
    # 1000 distinct skipped keys are logged per client, so a hostile JWKS cannot fill the log.
    client = JWKSClient("https://tenant.example/.well-known/jwks.json", session=requests.Session())
    with caplog.at_level(logging.WARNING, logger="apiexample.jwks.client"):
        client._report([("k" * 300, "kty 'EC' is not RSA")] * 2)
        client._report([(f"kid-{n}", "kty 'EC' is not RSA") for n in range(1100)])
    lines = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert lines[0] == "JWKS key '" + "k" * 99 + " skipped: kty 'EC' is not RSA"  # repr, 100 characters
    assert len(lines) == 1000
