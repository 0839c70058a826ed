"""The tenant's JWK Set (RFC 7517 §5) as a key source, fetched lazily and kept fresh.

``JWKSClient`` is the ``KeySource`` (see ``apiexample.jwks.keysource``) of a real tenant. It fetches the set
over HTTP(S) (caching as in RFC 9111 §4.2.1 freshness and RFC 5861 stale-if-error), keeps the keys
``apiexample.jwks.keyset`` finds usable (docs/validation-policy.md rule 4), and logs each skipped key once.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests
from joserfc.jwk import RSAKey

from apiexample.jwks.fetch import FetchFailed, fetch_jwks, jwks_session
from apiexample.jwks.keyset import parse_jwks
from apiexample.jwks.keysource import KeySource, KeysUnavailable, StaticKeySource, UnknownKeyId
from apiexample.jwks.limiter import RefetchLimiter

__all__ = [
    "JWKSClient",
    "KeySource",
    "KeysUnavailable",
    "RefetchLimiter",
    "StaticKeySource",
    "UnknownKeyId",
    "parse_jwks",
]

logger = logging.getLogger(__name__)

#: A fetch still running this long after its timeout ended is given up (``fetch_jwks`` lets its last
#: read overrun the budget by at most the timeout; this is room for a loaded machine on top of that).
ABANDON_GRACE = 1.0
#: Given-up fetches whose threads still run (a tenant trickling headers for ever); at this many, no
#: new fetch starts until one of them ends, so a stuck tenant cannot pile up threads and sockets.
MAX_ABANDONED = 4


@dataclass(frozen=True)
class _Cache:
    """The usable keys of the last good fetch; replaced whole, never changed, so reads need no lock."""

    keys: Mapping[str, RSAKey]
    fresh_until: float
    stale_until: float


class _Fetch:
    """One fetch in flight: the requests that need it wait on ``done`` and share its outcome.

    The object is also the fetch's generation: once ``JWKSClient._inflight`` is no longer it (the
    fetch overran and was given up), its outcome is ignored.
    """

    def __init__(self, started: float) -> None:
        """``started``: when the fetch began, on the client's clock (its logged duration counts from it)."""
        self.done = threading.Event()
        self.waiters = 0
        self.started = started


def _start_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="jwks-fetch", daemon=True).start()


class JWKSClient:
    """The tenant's JWKS over HTTP(S): fetched on first need, cached, refreshed, rate limited.

    - Warm path: a fresh cached ``kid`` is one dict read, no lock; keys are parsed once per fetch.
    - Keys are fresh for ``ttl`` seconds after a good fetch; then a request that names a cached key
      gets it at once while one fetch refreshes the set in the background.
    - An unknown ``kid`` triggers a refetch (a rotated key works without a restart), limited by a
      ``RefetchLimiter``: ``refetch_burst`` at once, then one per ``min_refetch_interval`` seconds.
    - Single flight: one fetch at a time; requests that need it wait for it, at most ``timeout``
      seconds in all, so a slow JWKS never holds a request longer than that. A fetch that overruns
      ``2 * timeout + ABANDON_GRACE`` (a tenant trickling headers) is given up and counted as a
      failure; the next fetch starts without waiting for it, and its late outcome is ignored.
    - Waiting bound: while usable keys are cached, a ``kid`` they lack may be forged, so at most
      ``max_waiters`` such requests wait for a fetch at a time (the one that started it included);
      the others are answered at once from what the client knows. A flood of forged ``kid``s thus
      holds at most ``max_waiters`` threads, and a rotated key is still found by the next refetch
      the limiter allows: within ``max(min_refetch_interval, fetch time) + fetch time``.
    - Faults (refused, timeout, non-200, non-JSON, no usable key): the cached keys keep serving up to
      ``max_stale`` seconds past their TTL; without them, ``KeysUnavailable`` (503 with Retry-After).
      The first failure is retried by the next request, then retries back off from
      ``failure_backoff`` to ``max_failure_backoff`` seconds; the first good fetch ends the outage.
    - A ``kid`` the cached keys lack is ``UnknownKeyId`` (401) while the last fetch read the JWKS
      fine (even while the limiter holds, or a fetch is in flight beyond the waiting bound), and
      ``KeysUnavailable`` (503) while it could not, or when the request's wait for its refetch ran
      out: the client cannot tell then whether the ``kid`` is genuine, and a client told "invalid"
      would drop a good token.
    """

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        ttl: float = 600.0,
        max_stale: float = 3600.0,
        min_refetch_interval: float = 10.0,
        refetch_burst: int = 3,
        failure_backoff: float = 1.0,
        max_failure_backoff: float = 30.0,
        max_waiters: int = 2,
        clock: Callable[[], float] = time.monotonic,
        spawn: Callable[[Callable[[], None]], None] = _start_thread,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"JWKS URL must be http(s): {url!r}")
        self.url = url
        # One session: its connection pool keeps the TLS connection to the tenant between fetches.
        # Not thread-safe in general, but single flight means one fetch uses it at a time (besides
        # given-up ones, which only wait on their own connection; urllib3's pool is thread-safe).
        self.session = session or jwks_session()
        self.timeout = timeout
        self.ttl = ttl
        self.max_stale = max_stale
        self.failure_backoff = failure_backoff
        self.max_failure_backoff = max_failure_backoff
        self.max_waiters = max_waiters
        self.clock = clock
        self.limiter = RefetchLimiter(interval=min_refetch_interval, burst=refetch_burst)
        self._spawn = spawn
        self._lock = threading.Lock()
        self._cache: _Cache | None = None
        self._inflight: _Fetch | None = None
        self._abandoned = 0  # given-up fetches still running
        self._failures = 0  # failed fetches in a row: above 0, the JWKS could not be read last time
        self._waiting = 0  # requests with a kid the usable cached keys lack, waiting for a fetch
        self._retry_at = -math.inf
        self._last_failure = "the signing keys have not been fetched yet"
        self._reported: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        cache = self._cache
        count = "cold" if cache is None else f"{len(cache.keys)} keys"
        return f"<JWKSClient {self.url} {count}>"

    def get_key(self, kid: str) -> RSAKey:
        """The usable key named ``kid``; raises ``UnknownKeyId`` (401) or ``KeysUnavailable`` (503)."""
        cache = self._cache
        if cache is not None and self.clock() < cache.fresh_until:
            key = cache.keys.get(kid)
            if key is not None:
                return key
        return self._get_key_slow(kid)

    def _get_key_slow(self, kid: str) -> RSAKey:
        deadline = time.monotonic() + self.timeout
        # Twice at most: a request that joined a fetch begun before it arrived (maybe before a
        # rotation) may try once more for its own, if the limiter allows.
        tries = 0
        unfinished: _Fetch | None = None  # the fetch this request stopped waiting for, if any
        while True:
            tries += 1
            with self._lock:
                now = self.clock()
                cache = self._cache
                if cache is not None and now < cache.fresh_until and kid in cache.keys:
                    return cache.keys[kid]
                overdue, abandoned = self._abandon_overdue(now), self._abandoned
                fetch, joined = self._inflight, True
                if fetch is None and self._should_fetch(cache, now):
                    fetch = self._inflight = _Fetch(now)
                    joined = False
                usable = cache is not None and now < cache.stale_until
                stale = cache.keys.get(kid) if cache is not None and usable else None
                # A kid the usable keys lack may be forged: only max_waiters such requests wait.
                bounded = usable and stale is None and fetch is not None
                admitted = not bounded or self._waiting < self.max_waiters
                if bounded and admitted:
                    self._waiting += 1
                if joined and admitted and fetch is not None:
                    fetch.waiters += 1
            try:
                if overdue is not None:
                    self._log_given_up(now - overdue.started, abandoned)
                if not joined and fetch is not None:
                    self._start(fetch)
                if fetch is None or fetch.done.is_set() or not admitted:
                    break
                if stale is not None:
                    return stale  # refreshing in the background: the cached key serves meanwhile
                if not fetch.done.wait(max(0.0, deadline - time.monotonic())):
                    unfinished = fetch
                    break
                if not joined or tries == 2:
                    break
            finally:
                if bounded and admitted:
                    with self._lock:
                        self._waiting -= 1
        return self._answer(kid, unfinished)

    def _log_given_up(self, seconds: float, abandoned: int) -> None:
        logger.warning(
            "JWKS fetch from %s given up after %.0f s without an answer (%d given up still running)",
            self.url,
            seconds,
            abandoned,
        )

    def _abandon_overdue(self, now: float) -> _Fetch | None:
        """Give up the fetch in flight if it overran its budget (lock held); the fetch given up."""
        fetch = self._inflight
        if fetch is None or now - fetch.started < 2 * self.timeout + ABANDON_GRACE:
            return None
        self._inflight = None
        self._abandoned += 1
        self._fail("the JWKS did not answer in time", now)
        fetch.done.set()  # its waiters (if any are left) look again instead of waiting on it
        return fetch

    def _should_fetch(self, cache: _Cache | None, now: float) -> bool:
        if self._abandoned >= MAX_ABANDONED:
            return False  # the tenant holds that many connections open already: add none
        if now < self._retry_at:
            return False  # backing off after a failure: do not hammer a tenant that is down
        if cache is None or now >= cache.fresh_until:
            return True  # cold or expired: a scheduled fetch, not charged to the limiter
        return self.limiter.take(now)

    def _start(self, fetch: _Fetch) -> None:
        work = functools.partial(self._run, fetch)
        try:
            self._spawn(work)
        except RuntimeError:  # no thread to be had (interpreter shutdown, thread limit): fetch here
            logger.warning("JWKS fetch thread could not start; fetching in the request thread")
            work()

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed fetches in a row before the next attempt.

        The first failure may be a blip (a reset connection, a deploy at the tenant): the next request
        retries at once. After that, ``failure_backoff`` doubling up to ``max_failure_backoff``.
        """
        if failures <= 1:
            return 0.0
        return min(self.max_failure_backoff, self.failure_backoff * 2.0 ** min(failures - 2, 30))

    def _answer(self, kid: str, unfinished: _Fetch | None) -> RSAKey:
        """The key named ``kid`` now, or why not; ``unfinished``: the fetch the request gave up on."""
        with self._lock:
            now = self.clock()
            cache = self._cache
            pending = unfinished is not None and self._inflight is unfinished
            if cache is not None and now < cache.stale_until:
                key = cache.keys.get(kid)
                if key is not None:
                    return key
                if self._failures == 0 and not pending:
                    raise UnknownKeyId(kid)  # the JWKS was read fine and lacks it
            reason = "the JWKS did not answer in time" if pending else self._last_failure
            retry_after = max(1, math.ceil(self._retry_at - now)) if self._retry_at > now else 1
        raise KeysUnavailable(reason, retry_after=retry_after)

    def _run(self, fetch: _Fetch) -> None:
        keys: dict[str, RSAKey] = {}
        status: int | None = None
        failure: str | None = "the JWKS fetch was interrupted"
        try:
            try:
                keys, skipped = fetch_jwks(self.session, self.url, timeout=self.timeout)
                status = 200
                self._report(skipped)
                if not keys:
                    raise FetchFailed("the JWKS has no usable keys", status)
                keys, failure = self._keep_identities(keys), None
            except FetchFailed as error:
                failure, status = error.reason, error.status
            except Exception as error:  # a bug must not strand the waiters nor wedge the single flight
                logger.exception("JWKS fetch from %s failed unexpectedly", self.url)
                failure = f"the JWKS fetch failed ({type(error).__name__})"
            finally:
                outcome = self._record(fetch, keys, failure)
            duration_ms = (self.clock() - fetch.started) * 1000  # on the clock of the fetch's other times
            if outcome is None:
                logger.warning(
                    "JWKS fetch from %s ended after it was given up (%s, %.0f ms); its outcome is ignored",
                    self.url,
                    failure or "ok",
                    duration_ms,
                )
            elif failure is None:
                logger.info(
                    "JWKS fetched from %s: status %s, %d usable keys, %.0f ms, %d waiting",
                    self.url,
                    status,
                    len(keys),
                    duration_ms,
                    fetch.waiters,
                )
            else:
                retry_in, cached = outcome
                logger.warning(
                    "JWKS fetch from %s failed: %s (status %s, %.0f ms); %d cached keys; retry in %.0f s",
                    self.url,
                    failure,
                    status,
                    duration_ms,
                    cached,
                    retry_in,
                )
        finally:
            fetch.done.set()  # after the log line, so that a waiter returns with it written

    def _record(
        self, fetch: _Fetch, keys: dict[str, RSAKey], failure: str | None
    ) -> tuple[float, int] | None:
        """Store a fetch's outcome; the seconds until the next attempt and the number of cached keys.

        None when the fetch was given up: its failure is counted already, and a newer fetch may have
        stored keys that this late one must not replace.
        """
        with self._lock:
            if self._inflight is not fetch:
                self._abandoned -= 1
                return None
            now = self.clock()
            if failure is None:
                self._cache = _Cache(keys, now + self.ttl, now + self.ttl + self.max_stale)
                self._failures, self._retry_at = 0, -math.inf
            else:
                self._fail(failure, now)
            self._inflight = None
            return self._retry_at - now, 0 if self._cache is None else len(self._cache.keys)

    def _fail(self, failure: str, now: float) -> None:
        """Count a failed fetch and back off (lock held)."""
        self._failures += 1
        self._retry_at = now + self.backoff(self._failures)
        self._last_failure = failure

    def _keep_identities(self, keys: dict[str, RSAKey]) -> dict[str, RSAKey]:
        # An unchanged key keeps its object across refreshes, so what was verified with it (the
        # validator's verified-token cache checks the key by identity) stays valid.
        cache = self._cache
        previous = {} if cache is None else cache.keys
        for kid, key in keys.items():
            old = previous.get(kid)
            if old is not None and old.as_dict(private=False) == key.as_dict(private=False):
                keys[kid] = old
        return keys

    def _report(self, skipped: list[tuple[object, str]]) -> None:
        for kid, reason in skipped:
            entry = (repr(kid)[:100], reason)
            if entry not in self._reported and len(self._reported) < 1000:
                self._reported.add(entry)
                logger.warning("JWKS key %s skipped: %s", *entry)
