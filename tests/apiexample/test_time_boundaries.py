"""Rules 8 and 9 at their exact boundaries, at every magnitude of time (RFC 7519 §4.1.4-§4.1.6).

Valid while ``now < exp + leeway``, ``now >= nbf - leeway`` and ``iat <= now + leeway``, compared
exactly: at the boundary itself, a hair either side of it, and for clocks near the epoch as well as
today's, so neither float rounding nor a shortcut taken for large numbers moves the line.
"""

from __future__ import annotations

from typing import Any

import pytest

from apiexample.config import Auth0Config, jwks_url_for
from apiexample.errors import InvalidExpiry, InvalidTimes
from apiexample.validator import validate_claims
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER

CONFIG = Auth0Config(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER))
LEEWAY = 60  # the configuration's default (README: AUTH0_LEEWAY)
NOWS = [1000, 1000.5, 1_800_000_000, 1_800_000_000.25]


def check(now: float, **times: Any) -> None:
    """validate_claims for a token with ``times`` (and an ``exp`` far ahead unless given)."""
    claims = {"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": now + 3600, **times}
    validate_claims(claims, CONFIG, now)


@pytest.mark.parametrize("now", NOWS)
def test_exp_boundary(now: float) -> None:
    check(now, exp=now - LEEWAY + 0.5)  # half a second inside the leeway
    check(now, exp=now - LEEWAY + 1)
    check(now, exp=now - 30)
    for exp in (now - LEEWAY, now - LEEWAY - 0.5, now - LEEWAY - 1, now - 3600):
        with pytest.raises(InvalidExpiry):
            check(now, exp=exp)


@pytest.mark.parametrize("now", NOWS)
@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_nbf_and_iat_boundary(now: float, claim: str) -> None:
    for valid in (now + LEEWAY, now + LEEWAY - 0.5, now + 30, now, now - 3600):
        check(now, **{claim: valid})
    for invalid in (now + LEEWAY + 0.5, now + LEEWAY + 1, now + 3600):
        with pytest.raises(InvalidTimes):
            check(now, **{claim: invalid})


def test_float_rounding_does_not_move_the_exp_boundary() -> None:
    # 0.1 + 0.2 is not 0.3 in binary floating point; the comparison is exact in the numbers given.
    config = Auth0Config(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER), leeway=0.2
    )
    claims = {"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": 0.1}
    validate_claims(claims, config, 0.3)  # 0.3 < 0.1 + 0.2 exactly, as the floats are written
    with pytest.raises(InvalidExpiry):
        validate_claims(claims, config, 0.30000000000000004)


@pytest.mark.parametrize(("now", "leeway"), [(0.5, 0.5), (2.0, 2.0)])
def test_an_exp_too_small_for_float_addition_still_counts(now: float, leeway: float) -> None:
    # now == leeway and exp = 1e-17: in floats exp + leeway rounds to now, exactly it is a hair more,
    # so the token is (just) valid: rule 8 compares the numbers as written, not their float sum.
    config = Auth0Config(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER), leeway=leeway
    )
    validate_claims({"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": 1e-17}, config, now)
    with pytest.raises(InvalidExpiry):
        validate_claims({"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": 0.0}, config, now)


def _config(leeway: float) -> Auth0Config:
    return Auth0Config(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER), leeway=leeway
    )


def test_a_float_sum_that_rounds_onto_now_is_compared_exactly() -> None:
    # In floats exp + leeway and nbf - leeway below round to exactly now; as written, exp + leeway is a
    # hair above now (still valid) and nbf - leeway a hair above now (not yet valid).
    validate_claims(
        {"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": -22.154992049137466},
        _config(60.1),
        37.94500795086253,
    )
    claims = {"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": 2e9, "nbf": 36135070.85706024}
    with pytest.raises(InvalidTimes):
        validate_claims(claims, _config(0.1), 36135070.75706024)


def test_all_zero_times_are_compared_exactly() -> None:
    # now, exp and leeway all 0: 0 < 0 + 0 is false, so the token is expired (and nothing divides by 0).
    with pytest.raises(InvalidExpiry):
        validate_claims({"iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "exp": 0}, _config(0), 0.0)
