"""Sending the cases concurrently over keep-alive HTTP/1.1 (RFC 9112 §9.3), each within a time bound.

urllib3's pool (``maxsize`` connections, ``block=True``, no retries) under a ``ThreadPoolExecutor``:
urllib3 rather than ``requests`` because ``requests`` refuses header values that the scanner must be
able to send (leading whitespace, a lone space: RFC 9110 §5.5 lets a server trim them, and the target
must). A finding never shows a reusable bearer string: tokens appear as their decoded header and claims.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import urllib3

from fake_issuer.policy.oracle import Outcome
from fake_issuer.scan.cases import Case, Sent
from fake_issuer.scan.judge import Finding, Reply, Verdict, judge_reply

MAX_SHOWN = 200


class Client:
    """A bounded keep-alive pool: ``pool`` connections per host, ``timeout`` seconds per request."""

    def __init__(self, *, pool: int = 8, timeout: float = 10.0, ca: str | None = None) -> None:
        self.timeout = timeout
        self.http = urllib3.PoolManager(
            num_pools=4,
            maxsize=pool,
            block=True,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            ca_certs=ca,
        )

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Reply:
        """GET ``url``; transport failures come back as a ``Reply`` without a status."""
        started = time.perf_counter()
        try:
            response = self.http.request("GET", url, headers=dict(headers or {}), redirect=False)
        except (
            urllib3.exceptions.NewConnectionError
        ) as error:  # a ConnectTimeoutError subclass, yet no timeout
            return Reply(None, {}, "", time.perf_counter() - started, f"cannot connect ({error})")
        except urllib3.exceptions.TimeoutError as error:
            return Reply(None, {}, "", time.perf_counter() - started, f"timed out ({error})")
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
            return Reply(None, {}, "", time.perf_counter() - started, f"{type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        found = {name.lower(): value for name, value in response.headers.items()}
        return Reply(response.status, found, response.data.decode("utf-8", "replace"), elapsed)

    def send(self, urls: Mapping[str, str], sent: Sent) -> Reply:
        """Put ``sent`` on the wire to the URL of its endpoint."""
        url = urls[sent.endpoint]
        if sent.query:
            url += ("&" if "?" in url else "?") + urlencode(dict(sent.query))
        headers = dict(sent.headers)
        if sent.authorization is not None:
            headers["Authorization"] = sent.authorization
        return self.get(url, headers)

    def close(self) -> None:
        """Close every pooled connection."""
        self.http.clear()


def _decoded(segment: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError):
        return f"<{len(segment)} undecodable characters>"


def shown_token(token: str) -> str:
    """``token`` as its header and claims (never the signature, so never a reusable bearer string)."""
    parts = token.split(".")
    if len(parts) < 2:
        return f"<{len(token)} characters, not a JWT>"
    text = json.dumps({"header": _decoded(parts[0]), "claims": _decoded(parts[1]), "segments": len(parts)})
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "...}"


def shown_request(sent: Sent) -> str:
    """The request with every token replaced by ``shown_token`` and long values cut."""

    def clean(value: str) -> str:
        for token in sent.tokens:
            value = value.replace(token, "<token>")
        value = value if len(value) <= MAX_SHOWN else f"{value[:60]}...<{len(value)} characters>"
        return repr(value)

    lines = [f"GET {sent.endpoint}"]
    if sent.query:
        lines.append("query " + ", ".join(f"{name}={clean(value)}" for name, value in sent.query.items()))
    if sent.authorization is not None:
        lines.append(f"Authorization: {clean(sent.authorization)}")
    lines += [f"{name}: {clean(value)}" for name, value in sent.headers.items()]
    lines += [f"<token> = {shown_token(token)}" for token in sent.tokens[:1]]
    return "; ".join(lines)


@dataclass(frozen=True)
class Result:
    """One case sent: what went out, what was owed, what came back, and the findings."""

    case: Case
    sent: Sent
    owed: frozenset[Outcome]
    reply: Reply
    findings: tuple[Finding, ...]


def run_case(case: Case, client: Client, urls: Mapping[str, str], verdict: Verdict) -> Result:
    """Prepare, send and judge one case."""
    prepared = case.prepare()
    left = time.time()
    reply = client.send(urls, prepared.sent)
    back = time.time()
    owed = frozenset({prepared.owed(left), prepared.owed(back)})
    found = judge_reply(prepared.sent, set(owed), reply, verdict, back)
    owed_text = " or ".join(sorted(str(outcome) for outcome in owed))
    findings = tuple(
        Finding(
            case.id,
            severity,
            title,
            case.reference,
            shown_request(prepared.sent),
            reply.describe(),
            owed_text,
        )
        for severity, title in found
    )
    return Result(case, prepared.sent, owed, reply, findings)


def run_cases(
    cases: Iterable[Case],
    client: Client,
    urls: Mapping[str, str],
    verdict: Verdict,
    *,
    workers: int = 8,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``cases`` on ``workers`` threads; results in case order; ``progress`` sees each as it ends."""
    lock = threading.Lock()

    def one(case: Case) -> Result:
        result = run_case(case, client, urls, verdict)
        if progress is not None:
            with lock:
                progress(result)
        return result

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
        return list(pool.map(one, cases))


def bare_gets(client: Client, url: str, count: int, *, workers: int = 8) -> Iterator[Reply]:
    """``count`` plain keep-alive GETs of ``url``: the floor a scan's request rate is measured against."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="floor") as pool:
        yield from pool.map(lambda _: client.get(url), range(count))
