"""The refetch budget of the JWKS client: a token bucket kept as a GCRA (ITU-T I.371 "virtual scheduling").

Unknown ``kid``s make the client refetch the JWK Set (RFC 7517 §5) so that a rotated key works at once;
this bucket bounds how often a flood of forged ``kid``s can make it do so.
"""

from __future__ import annotations

import math


class RefetchLimiter:
    """A token bucket for the refetches that unknown ``kid``s trigger (not for scheduled fetches).

    It holds at most ``burst`` tokens and gains one every ``interval`` seconds; a refetch spends one.
    So in any window of ``w`` seconds there are at most ``burst + w // interval`` refetches, and a
    flood of forged ``kid``s costs the tenant ``burst`` requests, then one per ``interval``.

    Unlike PyJWT's cooldown, the bucket starts full and neither the first (cold) fetch nor the TTL
    refreshes spend from it: a key rotated right after start-up is found by the very first token that
    names it, and the burst leaves room for a genuine rotation after a few forged ``kid``s. Kept as a
    theoretical arrival time (GCRA) so that whole-second clocks give exact, reproducible answers.
    """

    def __init__(self, *, interval: float, burst: int) -> None:
        self.interval = interval
        self.burst = burst
        self._next_free = -math.inf  # when the bucket is full again

    def __repr__(self) -> str:
        return f"<RefetchLimiter burst={self.burst} +1 per {self.interval:g}s>"

    def take(self, now: float) -> bool:
        """Spend a token if one is left at ``now``; False when the refetch must not happen."""
        next_free = max(self._next_free, now)
        if next_free - now > (self.burst - 1) * self.interval:
            return False
        self._next_free = next_free + self.interval
        return True
