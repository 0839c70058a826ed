"""A clock that moves only when a test says so, for the JWKS client's TTL, backoff and limiter."""

from __future__ import annotations

from collections.abc import Callable


class FakeClock:
    """Monotonic seconds that advance by ``advance()`` only (no sleeps in tests)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def __repr__(self) -> str:
        return f"FakeClock({self.now:g})"

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


def run_inline(work: Callable[[], None]) -> None:
    """A ``spawn`` for ``JWKSClient`` that fetches in the calling thread, so tests are sequential."""
    work()
