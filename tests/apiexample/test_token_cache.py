"""The verified-token cache never lets a token through that full validation would refuse."""

from __future__ import annotations

import pytest

from apiexample.config import Auth0Config, jwks_url_for
from apiexample.errors import BadSignature, InvalidExpiry, InvalidToken, UnknownSigningKey
from apiexample.jwks.client import JWKSClient, StaticKeySource
from apiexample.token_cache import VerifiedTokenCache, token_digest
from apiexample.validator import Auth0JWTBearerTokenValidator, decode_token
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer, generate_rsa_key

CONFIG = Auth0Config(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER))


class Clock:
    """A settable clock shared by the issuer, the validator and the JWKS client."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_still_expires_on_time() -> None:
    clock = Clock()
    issuer = FakeIssuer(clock=clock)
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=clock)
    token = issuer.mint(claims={"exp": int(clock.now) + 100})
    assert validator.authenticate_token(token)["sub"]
    assert len(validator.cache) == 1
    clock.now += 100 + 59  # inside the leeway: still valid, from the cache
    assert validator.authenticate_token(token)
    clock.now += 1  # now == exp + leeway
    with pytest.raises(InvalidExpiry):
        validator.authenticate_token(token)


def test_a_cached_token_is_refused_once_its_key_leaves_the_jwks() -> None:
    clock = Clock()
    with FakeIssuer(clock=clock) as issuer:
        validator = Auth0JWTBearerTokenValidator(
            CONFIG, JWKSClient(issuer.jwks_url, clock=clock), clock=clock
        )
        token = issuer.mint()
        assert validator.authenticate_token(token)
        issuer.rotate()
        clock.now += 3600
        validator.authenticate_token(issuer.mint())  # the new kid makes the client refetch
        with pytest.raises(UnknownSigningKey):
            validator.authenticate_token(token)
        assert token_digest(token) not in validator.cache._entries


def test_a_key_replaced_under_the_same_kid_sends_the_token_back_to_full_verification() -> None:
    issuer = FakeIssuer()
    kid = issuer.signing_key.kid
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    token = issuer.mint()
    assert validator.authenticate_token(token)
    impostor = generate_rsa_key("impostor", kid=kid)
    validator.keys = StaticKeySource({"keys": [impostor.public_jwk()]})
    with pytest.raises(BadSignature):
        validator.authenticate_token(token)


def test_a_token_one_byte_different_never_hits_the_cache() -> None:
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    token = issuer.mint()
    validator.authenticate_token(token)
    for index in range(len(token)):
        for replacement in {"A", "B", "."} - {token[index]}:
            twin = token[:index] + replacement + token[index + 1 :]
            with pytest.raises(InvalidToken):
                validator.authenticate_token(twin)
    with pytest.raises(InvalidToken):
        validator.authenticate_token(token + "A")
    assert len(validator.cache) == 1  # rejections are never cached


def test_rejections_are_not_cached_and_valid_tokens_are() -> None:
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    expired = issuer.mint(claims={"exp": 0})
    with pytest.raises(InvalidExpiry):
        validator.authenticate_token(expired)
    # The signature of an expired token is fine and may be cached; its claims are refused every time.
    with pytest.raises(InvalidExpiry):
        validator.authenticate_token(expired)
    assert validator.cache.get(token_digest(expired)) == decode_token(expired, validator.keys)


def test_lru_eviction_and_disabled_cache() -> None:
    issuer = FakeIssuer()
    keys = StaticKeySource(issuer.jwks())
    entries = {name: decode_token(issuer.mint(claims={"jti": name}), keys) for name in "abc"}
    cache: VerifiedTokenCache[object] = VerifiedTokenCache(maxsize=2)
    cache.put(b"a", entries["a"])
    cache.put(b"b", entries["b"])
    assert cache.get(b"a") is entries["a"]  # a is now the most recently used
    cache.put(b"c", entries["c"])
    assert cache.get(b"b") is None and cache.get(b"a") is entries["a"] and len(cache) == 2
    cache.discard(b"a")
    cache.discard(b"missing")
    assert len(cache) == 1
    disabled: VerifiedTokenCache[object] = VerifiedTokenCache(maxsize=0)
    disabled.put(b"a", entries["a"])
    assert disabled.get(b"a") is None


def test_only_short_header_segments_are_memoised() -> None:
    from apiexample import validator as validator_module

    issuer = FakeIssuer()
    keys = StaticKeySource(issuer.jwks())
    memo = validator_module._memo_check_header_segment
    memo.cache_clear()
    decode_token(issuer.mint(), keys)
    decode_token(issuer.mint(claims={"jti": "2"}), keys)
    assert (memo.cache_info().hits, memo.cache_info().currsize) == (1, 1)
    padding = "x" * validator_module.MEMO_HEADER_MAX_LENGTH
    long_header = issuer.mint(header={"pad": padding})
    assert decode_token(long_header, keys).header["pad"] == padding
    assert memo.cache_info().currsize == 1  # a long header segment is checked but never remembered
    bound = validator_module.MEMO_HEADER_MAX_LENGTH
    by_length = {
        len(t.split(".")[0]): t for t in (issuer.mint(header={"pad": "x" * n}) for n in range(270, 310))
    }
    decode_token(by_length[bound], keys)  # a segment of exactly the bound's length is remembered
    assert memo.cache_info().currsize == 2
