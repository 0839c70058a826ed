"""The JWKS client's cache: one fetch when warm, TTL refresh, rotation, removal, the refetch limiter."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from apiexample.jwks.client import JWKSClient, RefetchLimiter, StaticKeySource, UnknownKeyId
from fake_issuer import FakeIssuer
from tests.clocks import FakeClock, run_inline


def client_for(issuer: FakeIssuer, clock: FakeClock, **policy: Any) -> JWKSClient:
    """A client of ``issuer``'s JWKS on ``clock``, fetching in the calling thread."""
    return JWKSClient(issuer.jwks_url, clock=clock, spawn=run_inline, **policy)


def public_numbers(key: RSAKey) -> tuple[int, int]:
    """``(n, e)`` of a joserfc RSA key, to compare it with the issuer's key."""
    numbers = key.public_key.public_numbers()
    return numbers.n, numbers.e


def numbers_of(issuer_key: Any) -> tuple[int, int]:
    """``(n, e)`` of a fake issuer ``SigningKey``."""
    numbers = issuer_key.private_key.public_key().public_numbers()
    return numbers.n, numbers.e


def test_many_lookups_of_a_known_kid_fetch_once() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        keys = [client.get_key(issuer.signing_key.kid) for _ in range(200)]
        assert issuer.mock.fetches == 1
    assert public_numbers(keys[0]) == numbers_of(issuer.signing_key)
    assert all(key is keys[0] for key in keys)  # parsed once, the same object every time


class NoLock:
    """Stands in for the client's lock once the cache is warm: taking it fails the test."""

    def __enter__(self) -> None:
        raise AssertionError("the warm path took the lock")

    def __exit__(self, *exc_info: object) -> None:
        """Never reached."""


def test_the_warm_path_takes_no_lock() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        kid = issuer.signing_key.kid
        key = client.get_key(kid)
        client._lock = NoLock()  # type: ignore[assignment]
        started = time.perf_counter()
        for _ in range(100_000):
            client.get_key(kid)
        warm = time.perf_counter() - started
        plain = {kid: key}
        started = time.perf_counter()
        for _ in range(100_000):
            plain.get(kid)
        baseline = time.perf_counter() - started
        assert client.get_key(kid) is key
    print(f"\nFIGURE warm get_key: {warm * 10:.2f} us per call, {warm / baseline:.1f} x a plain dict.get")


def test_the_ttl_refreshes_the_set_and_not_before() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600)
        kid = issuer.signing_key.kid
        client.get_key(kid)
        clock.advance(599)
        client.get_key(kid)
        assert issuer.mock.fetches == 1
        clock.advance(1)
        client.get_key(kid)
        assert issuer.mock.fetches == 2
        clock.advance(599)
        client.get_key(kid)
        assert issuer.mock.fetches == 2


def test_the_refresh_at_the_ttl_spends_none_of_the_refetch_budget() -> None:
    # The TTL refresh is scheduled; only unknown kids draw on the limiter, from the instant the
    # keys stop being fresh as before.
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600, refetch_burst=3)
        kid = issuer.signing_key.kid
        client.get_key(kid)
        clock.advance(600)  # the keys are no longer fresh at exactly their TTL
        client.get_key(kid)
        assert issuer.mock.fetches == 2
        for number in range(4):
            with pytest.raises(UnknownKeyId):
                client.get_key(f"forged-{number}")
        assert issuer.mock.fetches == 2 + 3  # the whole burst was left for them


def test_a_refresh_keeps_the_object_of_an_unchanged_key_and_replaces_a_changed_one() -> None:
    # The validator's verified-token cache trusts a token while get_key returns the very same key.
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600)
        stable = client.get_key(issuer.signing_key.kid)
        replaced = issuer.add_key(kid="reused")
        first = client.get_key("reused")
        issuer.remove_key(replaced)
        successor = issuer.add_key(kid="reused")  # same kid, new key material
        clock.advance(600)
        assert client.get_key(issuer.signing_key.kid) is stable
        second = client.get_key("reused")
        assert issuer.mock.fetches == 3
    assert second is not first
    assert public_numbers(second) == numbers_of(successor)


def test_a_rotated_key_costs_exactly_one_refetch() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        old = issuer.signing_key
        client.get_key(old.kid)
        clock.advance(30)
        new = issuer.rotate()
        assert public_numbers(client.get_key(new.kid)) == numbers_of(new)
        assert issuer.mock.fetches == 2
        for _ in range(50):
            client.get_key(new.kid)
        assert issuer.mock.fetches == 2
        with pytest.raises(UnknownKeyId):  # the old key left the refreshed set
            client.get_key(old.kid)


def test_a_rotation_right_after_the_first_fetch_is_found() -> None:
    # PyJWT 2.14's cooldown starts at the first fetch and rejects this rotated key for 30 s.
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        client.get_key(issuer.signing_key.kid)
        new = issuer.rotate()
        assert public_numbers(client.get_key(new.kid)) == numbers_of(new)
        assert issuer.mock.fetches == 2


def test_a_removed_key_is_rejected_once_the_ttl_refresh_sees_it_gone() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, ttl=600)
        extra = issuer.add_key()
        client.get_key(extra.kid)
        issuer.remove_key(extra)
        client.get_key(extra.kid)  # still fresh: the client cannot know yet
        clock.advance(600)
        with pytest.raises(UnknownKeyId):
            client.get_key(extra.kid)
        assert issuer.mock.fetches == 2
        client.get_key(issuer.signing_key.kid)


def test_a_foreign_key_of_the_same_issuer_is_unknown() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        with pytest.raises(UnknownKeyId):
            client.get_key(issuer.new_key().kid)


def test_a_flood_of_unknown_kids_costs_burst_fetches_then_one_per_interval() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, min_refetch_interval=10, refetch_burst=3)
        client.get_key(issuer.signing_key.kid)
        for number in range(100):
            with pytest.raises(UnknownKeyId):
                client.get_key(f"forged-{number}")
        assert issuer.mock.fetches == 1 + 3
        for second in range(1, 61):
            clock.advance(1)
            with pytest.raises(UnknownKeyId):
                client.get_key(f"forged-at-{second}")
        assert issuer.mock.fetches == 1 + 3 + 6
        client.get_key(issuer.signing_key.kid)  # the genuine key never stopped working
        print(f"\nFIGURE fetches for 100 unknown kids at once: {1 + 3} (cold fetch + burst)")


def test_a_rotation_after_a_few_forged_kids_is_still_found() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, refetch_burst=3)
        client.get_key(issuer.signing_key.kid)
        for number in range(2):
            with pytest.raises(UnknownKeyId):
                client.get_key(f"forged-{number}")
        new = issuer.rotate()
        assert public_numbers(client.get_key(new.kid)) == numbers_of(new)


def test_a_kid_unknown_after_the_budget_is_spent_is_found_once_a_token_returns() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock, min_refetch_interval=10, refetch_burst=1)
        client.get_key(issuer.signing_key.kid)
        with pytest.raises(UnknownKeyId):
            client.get_key("forged")
        new = issuer.rotate()
        with pytest.raises(UnknownKeyId):
            client.get_key(new.kid)
        clock.advance(10)
        assert public_numbers(client.get_key(new.kid)) == numbers_of(new)
        assert issuer.mock.fetches == 3


@pytest.mark.parametrize(("burst", "interval"), [(0, 10.0), (1, 10.0), (3, 10.0), (5, 2.5)])
def test_the_limiter_allows_burst_plus_one_per_interval_in_any_window(burst: int, interval: float) -> None:
    limiter = RefetchLimiter(interval=interval, burst=burst)
    granted = [second for second in range(120) for _ in range(4) if limiter.take(float(second))]
    for start in range(120):
        window = [t for t in granted if start <= t < start + 60]
        assert len(window) <= burst + math.ceil(60 / interval)
    assert len(granted) == (0 if burst == 0 else burst + math.floor(119 / interval))


def test_reprs_say_what_the_objects_hold() -> None:
    clock = FakeClock()
    with FakeIssuer() as issuer:
        client = client_for(issuer, clock)
        assert repr(client) == f"<JWKSClient {issuer.jwks_url} cold>"
        client.get_key(issuer.signing_key.kid)
        assert repr(client) == f"<JWKSClient {issuer.jwks_url} 1 keys>"
    assert repr(RefetchLimiter(interval=10, burst=3)) == "<RefetchLimiter burst=3 +1 per 10s>"


@pytest.mark.parametrize("url", ["ftp://tenant/jwks.json", "file:///etc/passwd", "tenant/jwks.json"])
def test_only_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        JWKSClient(url)


def test_an_unknown_kid_error_names_the_kid() -> None:
    with FakeIssuer() as issuer:
        client = client_for(issuer, FakeClock())
        with pytest.raises(UnknownKeyId) as from_jwks:
            client.get_key("forged-kid")
        with pytest.raises(UnknownKeyId) as from_static:
            StaticKeySource(issuer.jwks()).get_key("forged-kid")
    assert from_jwks.value.args == from_static.value.args == ("forged-kid",)


def test_a_static_key_source_knows_only_its_keys() -> None:
    issuer = FakeIssuer()
    source = StaticKeySource(issuer.jwks())
    assert public_numbers(source.get_key(issuer.signing_key.kid)) == numbers_of(issuer.signing_key)
    with pytest.raises(UnknownKeyId):
        source.get_key("other")
