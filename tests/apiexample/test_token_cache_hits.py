"""The verified-token cache is used: a repeated token costs one RS256 verification (RFC 7515 §5.2).

The other side of ``test_token_cache.py`` (which shows the cache never admits a token full validation
would refuse): hits happen, a cache of one entry still caches, the header memo stays bounded however
many distinct headers arrive, and a token that is not valid UTF-8 text is refused as malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from apiexample import validator as validator_module
from apiexample.config import Auth0Config, jwks_url_for
from apiexample.errors import BadSignature, MalformedToken, UnknownSigningKey
from apiexample.jwks.client import StaticKeySource
from apiexample.token_cache import VerifiedTokenCache, token_digest
from apiexample.validator import Auth0JWTBearerTokenValidator, decode_token
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer, generate_rsa_key

CONFIG = Auth0Config(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER))


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The signing inputs the validator's RS256 check verifies during the test, in order."""
    real = validator_module.rs256_verify
    seen: list[bytes] = []

    def counting(msg: bytes, sig: bytes, key: Any) -> bool:
        seen.append(msg)
        return bool(real(msg, sig, key))

    monkeypatch.setattr(validator_module, "rs256_verify", counting)
    yield seen


def test_a_repeated_token_is_verified_once(verifications: list[bytes]) -> None:
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    token = issuer.mint()
    for _ in range(3):
        assert validator.authenticate_token(token)["sub"] == issuer.claims()["sub"]
    assert len(verifications) == 1
    other = issuer.mint(claims={"jti": "other"})
    validator.authenticate_token(other)
    validator.authenticate_token(other)
    assert len(verifications) == 2


def test_a_cache_of_one_entry_still_caches(verifications: list[bytes]) -> None:
    issuer = FakeIssuer()
    cache: VerifiedTokenCache[Any] = VerifiedTokenCache(maxsize=1)
    validator = Auth0JWTBearerTokenValidator(
        CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock, cache=cache
    )
    first, second = issuer.mint(claims={"jti": "1"}), issuer.mint(claims={"jti": "2"})
    validator.authenticate_token(first)
    validator.authenticate_token(first)
    assert len(verifications) == 1 and len(cache) == 1
    validator.authenticate_token(second)  # evicts the first
    validator.authenticate_token(first)
    assert len(verifications) == 3 and len(cache) == 1


def test_a_disabled_cache_verifies_every_time(verifications: list[bytes]) -> None:
    issuer = FakeIssuer()
    cache: VerifiedTokenCache[Any] = VerifiedTokenCache(maxsize=0)
    validator = Auth0JWTBearerTokenValidator(
        CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock, cache=cache
    )
    token = issuer.mint()
    validator.authenticate_token(token)
    validator.authenticate_token(token)
    assert len(verifications) == 2 and len(cache) == 0


def test_the_lru_keeps_the_most_recently_used_entry() -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(maxsize=2)
    cache.put(b"a", "A")
    cache.put(b"b", "B")
    cache.put(b"a", "A2")  # a re-put refreshes a, so b is now the oldest
    cache.put(b"c", "C")
    assert (cache.get(b"a"), cache.get(b"b"), cache.get(b"c")) == ("A2", None, "C")


def test_a_token_that_is_not_utf8_text_is_malformed() -> None:
    # A lone surrogate cannot come over HTTP, but a direct caller may pass one: rule 2, never a crash.
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    assert len(token_digest("\ud800")) == 32
    assert token_digest("\ud800") != token_digest("\ud801")
    with pytest.raises(MalformedToken):
        validator.authenticate_token(issuer.mint() + "\ud800")


def test_the_header_memo_is_bounded() -> None:
    # Attacker-chosen headers must not fill memory: many distinct short headers, a bounded memo.
    issuer = FakeIssuer()
    keys = StaticKeySource(issuer.jwks())
    memo = validator_module._memo_check_header_segment
    memo.cache_clear()
    distinct = 600
    for n in range(distinct):
        decode_token(issuer.mint(header={"n": n}), keys)
    assert memo.cache_info().currsize < distinct


def test_a_long_header_segment_is_not_memoised() -> None:
    # Auth0's header segments are about 150 characters; one of 2000 is parsed, never remembered.
    issuer = FakeIssuer()
    keys = StaticKeySource(issuer.jwks())
    memo = validator_module._memo_check_header_segment
    memo.cache_clear()
    token = issuer.mint(header={"pad": "x" * 1500})
    assert len(token.split(".")[0]) >= 2000
    assert decode_token(token, keys).header["pad"] == "x" * 1500
    assert memo.cache_info().currsize == 0
    decode_token(issuer.mint(), keys)
    assert memo.cache_info().currsize == 1


def test_the_default_cache_holds_4096_tokens() -> None:
    # The figure the module documents: the 4096 most recently used tokens, then the oldest goes.
    cache: VerifiedTokenCache[int] = VerifiedTokenCache()
    for n in range(4096):
        cache.put(n.to_bytes(4, "big"), n)
    assert len(cache) == 4096 and cache.get((0).to_bytes(4, "big")) == 0
    cache.put(b"new", -1)
    assert len(cache) == 4096 and cache.get((1).to_bytes(4, "big")) is None


def test_a_cached_token_whose_key_left_is_refused_like_an_unknown_kid() -> None:
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    token = issuer.mint()
    validator.authenticate_token(token)
    validator.keys = StaticKeySource({"keys": [generate_rsa_key("other").public_jwk()]})
    with pytest.raises(UnknownSigningKey) as refused:
        validator.authenticate_token(token)
    description = str(refused.value.description)
    assert re.fullmatch(r"The [\x20-\x7e]+\.", description) and "'kid'" in description
    assert validator.cache.get(token_digest(token)) is None


def test_a_token_refused_after_its_key_was_replaced_leaves_the_cache() -> None:
    # The cache never keeps a rejection: the entry verified by the old key goes with it.
    issuer = FakeIssuer()
    validator = Auth0JWTBearerTokenValidator(CONFIG, StaticKeySource(issuer.jwks()), clock=issuer.clock)
    token = issuer.mint()
    validator.authenticate_token(token)
    impostor = generate_rsa_key("impostor-same-kid", kid=issuer.signing_key.kid)
    validator.keys = StaticKeySource({"keys": [impostor.public_jwk()]})
    with pytest.raises(BadSignature):
        validator.authenticate_token(token)
    assert validator.cache.get(token_digest(token)) is None
