"""A state machine drives the tenant and the clock while tokens hit the API (the policy's answers, rule 4).

Rules add, remove and rotate keys, break and heal the JWKS, advance the JWKS client's clock, and send
tokens signed by current, old and foreign keys or naming forged ``kid``s. The model tracks only what
an observer sees (fetch times, what each fetch served), and the invariants are:

- a token is accepted only if its key was in the last set successfully fetched, and that set is
  still usable (no older than TTL + max stale);
- nothing but 200, 401, 403 or 503; a token whose ``kid`` the usable cached set lacks is a 503 when
  the last fetch failed (the client cannot tell whether it is genuine) and a 401 when it succeeded;
  any other 503 only when no usable keys are cached;
- in any window of W seconds, fetches <= burst + ceil(W / interval) - 1 (unknown-kid refetches)
  + 2 ceil(W / min(ttl, failure_backoff)) (scheduled fetches, spaced by the TTL or the backoff,
  except that a first failure is retried at once);
- a token of a published key is accepted when the JWKS is healthy, no failure is recent enough to
  back off for, and either the key is cached and fresh, or the cache is cold or expired, or the last
  fetch is at least one limiter interval old (so the limiter has a token).
"""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

from django.test import Client
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from apiexample import auth
from apiexample.auth import require_auth
from apiexample.config import Auth0Config
from apiexample.jwks.client import JWKSClient
from fake_issuer import FakeIssuer, SigningKey, generate_rsa_key
from fake_issuer.mocking import FAULTS
from tests.clocks import FakeClock, run_inline
from tests.endpoints import PRIVATE

TTL, MAX_STALE, INTERVAL, BURST, BACKOFF, MAX_BACKOFF = 300.0, 300.0, 10.0, 2, 5.0, 40.0
FOREIGN = [generate_rsa_key(f"jwks-stateful-foreign-{number}") for number in range(2)]


def fetch_bound(window: float) -> int:
    """The most fetches the documented policy allows in any window of ``window`` seconds."""
    refetches = BURST + math.ceil(window / INTERVAL) - 1
    scheduled = 2 * math.ceil(window / min(TTL, BACKOFF))
    return refetches + scheduled


class JWKSMachine(RuleBasedStateMachine):
    """The API, its JWKS client on a fake clock, and an in-process tenant that changes under it."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.issuer = FakeIssuer()
        self.issuer.start()
        self.client = JWKSClient(
            self.issuer.jwks_url,
            clock=self.clock,
            spawn=run_inline,
            ttl=TTL,
            max_stale=MAX_STALE,
            min_refetch_interval=INTERVAL,
            refetch_burst=BURST,
            failure_backoff=BACKOFF,
            max_failure_backoff=MAX_BACKOFF,
        )
        self.patch = mock.patch.object(auth, "key_source_for", self.key_source_for)
        self.patch.start()
        require_auth.reset()
        self.api = Client()
        self.removed: list[SigningKey] = []
        self.fetch_times: list[float] = []
        self.last_success: tuple[float, frozenset[str]] | None = None
        self.last_failure: float | None = None
        self.last_fetch_ok: bool | None = None

    def key_source_for(self, config: Auth0Config) -> JWKSClient:
        """The machine's client, whatever the settings say."""
        return self.client

    def teardown(self) -> None:
        """Stop serving the JWKS and forget the patched validator."""
        self.patch.stop()
        self.issuer.stop()
        require_auth.reset()

    # -- the tenant -------------------------------------------------------------------------------

    @rule()
    def add_key(self) -> None:
        """Publish one more key."""
        self.issuer.add_key()

    @precondition(lambda self: self.issuer.keys)
    @rule(data=st.data())
    def remove_key(self, data: st.DataObject) -> None:
        """Withdraw a published key (possibly the last one: an empty set is a fault)."""
        key = data.draw(st.sampled_from(self.issuer.keys))
        self.issuer.remove_key(key)
        self.removed.append(key)

    @rule()
    def rotate(self) -> None:
        """Publish a fresh key and withdraw all the others."""
        self.removed.extend(self.issuer.keys)
        self.issuer.rotate()

    @rule(fault=st.sampled_from(FAULTS))
    def break_jwks(self, fault: Any) -> None:
        """Make every JWKS request fail with ``fault``."""
        self.issuer.mock.fail(fault)

    @rule()
    def heal_jwks(self) -> None:
        """Serve the JWKS normally again."""
        self.issuer.mock.heal()

    @rule(seconds=st.sampled_from([1, 4, 5, 9, 10, 40, 299, 300, 601]))
    def advance_clock(self, seconds: int) -> None:
        """Let time pass for the JWKS client."""
        self.clock.advance(seconds)

    # -- tokens ------------------------------------------------------------------------------------

    @precondition(lambda self: self.issuer.keys)
    @rule(data=st.data())
    def send_current_token(self, data: st.DataObject) -> None:
        """A token of a published key: accepted whenever the policy says it must be."""
        key = data.draw(st.sampled_from(self.issuer.keys))
        must_accept = self.must_accept(key.kid)
        status = self.send(self.issuer.mint(key=key), key.kid)
        if must_accept:
            assert status == 200, f"a token of a published key got {status}"

    @precondition(lambda self: self.removed)
    @rule(data=st.data())
    def send_old_token(self, data: st.DataObject) -> None:
        """A token of a key the tenant withdrew."""
        key = data.draw(st.sampled_from(self.removed))
        self.send(self.issuer.mint(key=key), key.kid)

    @rule(key=st.sampled_from(FOREIGN))
    def send_foreign_token(self, key: SigningKey) -> None:
        """A token of a key the tenant never published."""
        self.send(self.issuer.mint(key=key), key.kid)

    @rule(kid=st.text(min_size=1, max_size=8))
    def send_forged_kid(self, kid: str) -> None:
        """A token naming a ``kid`` nobody published."""
        self.send(self.issuer.mint(header={"kid": kid}), kid)

    # -- the model ---------------------------------------------------------------------------------

    def healthy(self) -> bool:
        """Whether a fetch now would succeed."""
        return self.issuer.mock.fault is None and bool(self.issuer.keys)

    def must_accept(self, kid: str) -> bool:
        """Whether the policy guarantees that a token of the published key ``kid`` is accepted now."""
        now = self.clock.now
        if not self.healthy():
            return False
        if self.last_success is not None and now < self.last_success[0] + TTL and kid in self.last_success[1]:
            return True
        if self.last_failure is not None and now < self.last_failure + MAX_BACKOFF:
            return False
        cold_or_expired = self.last_success is None or now >= self.last_success[0] + TTL
        return cold_or_expired or not self.fetch_times or now >= self.fetch_times[-1] + INTERVAL

    def send(self, token: str, kid: str) -> int:
        """Send ``token`` to the API, update the model, and check what may be checked at once."""
        before = self.issuer.mock.fetches
        response = self.api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}")
        fetched = self.issuer.mock.fetches - before
        assert fetched <= 1, "one request caused several fetches"
        now = self.clock.now
        if fetched:
            self.fetch_times.append(now)
            self.last_fetch_ok = self.healthy()
            if self.last_fetch_ok:
                self.last_success = (now, frozenset(key.kid for key in self.issuer.keys))
            else:
                self.last_failure = now
        cached = self.last_success[1] if self.last_success is not None else frozenset()
        usable = self.last_success is not None and now < self.last_success[0] + TTL + MAX_STALE
        status = response.status_code
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) >= {"error", "error_description"} or status == 200
        assert status in (200, 401, 503), f"unexpected status {status}"
        if status == 200:
            assert usable and kid in cached
        if status == 503:
            assert int(response["Retry-After"]) >= 1
        if usable and kid not in cached:
            expected = 401 if self.last_fetch_ok else 503
            assert status == expected, f"an unknown kid got {status}, last fetch ok: {self.last_fetch_ok}"
        elif usable:
            assert status != 503, "a 503 for a cached kid"
        return status

    @invariant()
    def fetches_stay_within_the_limiter_bound(self) -> None:
        """No window of 1 s or 60 s holds more fetches than the policy allows."""
        for window in (1.0, 60.0):
            for start in self.fetch_times:
                count = sum(1 for t in self.fetch_times if start <= t < start + window)
                assert count <= fetch_bound(window), f"{count} fetches in {window:g} s"


# Each example here runs up to 40 steps, each a request: a fifth of the profile's examples keeps this
# machine in proportion with the rest of the suite under every profile (ci: 100 x 40 steps).
JWKSMachine.TestCase.settings = settings(
    max_examples=max(10, settings().max_examples // 5), stateful_step_count=40, deadline=None
)
TestJWKSMachine = JWKSMachine.TestCase
