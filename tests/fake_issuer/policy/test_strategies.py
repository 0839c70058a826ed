"""The strategies draw what they promise: near misses miss, valid specs are valid, encodings break JSON."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_issuer import DEFAULT_ISSUER
from fake_issuer.policy.dpop_strategies import proof_iats
from fake_issuer.policy.oracle import bearer_token, json_object, judge
from fake_issuer.policy.spec import ABSENT, ENCODINGS, TokenSpec
from fake_issuer.policy.strategies import (
    authorizations,
    claim_sets,
    header_changes,
    near_misses,
    times,
    token_specs,
    valid_token_specs,
)
from tests.fake_issuer.policy.builders import NOW, POLICY, RING


@given(miss=near_misses(of=DEFAULT_ISSUER))
def test_near_misses_are_misses(miss: str) -> None:
    assert miss != DEFAULT_ISSUER


@given(spec=valid_token_specs(policy=POLICY, ring=RING, now=NOW))
def test_valid_token_specs_are_valid(spec: TokenSpec) -> None:
    assert judge(spec, POLICY, NOW).rule is None


@given(spec=token_specs(policy=POLICY, ring=RING, now=NOW))
def test_token_specs_always_encode(spec: TokenSpec) -> None:
    assert spec.encode().count(".") >= 2


@given(claims=claim_sets(policy=POLICY, now=NOW), changes=header_changes(ring=RING))
def test_nothing_absent_reaches_a_token(claims: dict[str, object], changes: dict[str, object]) -> None:
    assert ABSENT not in claims.values()
    assert set(changes) <= {"alg", "kid", "typ", "crit", "jku", "jwk", "x5u", "x5c", "zip", "cty", "x-note"}


@given(value=authorizations(tokens=st.just("TOKEN")))
def test_authorizations_carry_the_token(value: str) -> None:
    assert "TOKEN" in value
    token = bearer_token(value)
    assert not isinstance(token, str) or token.startswith(("TOKEN", "\t"))


@pytest.mark.parametrize("encoding", ENCODINGS, ids=repr)
@pytest.mark.parametrize("members", [{}, {"iss": "x", "exp": 1}])
def test_only_json_encodings_give_json_objects(encoding: object, members: dict[str, object]) -> None:
    raw = encoding.encode(members)  # type: ignore[attr-defined]
    parsed = json_object(raw)
    if encoding.name in ("compact JSON", "pretty JSON"):  # type: ignore[attr-defined]
        assert parsed == members
    else:
        assert parsed is None


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda now: times(now=now, leeway=1), id="times"),
        pytest.param(lambda now: proof_iats(now=now, offset=2, leeway=1), id="proof_iats"),
        pytest.param(lambda now: claim_sets(policy=POLICY, now=now), id="claim_sets"),
    ],
)
def test_strategies_built_at_other_instants_make_the_same_choices(
    build: Callable[[int], st.SearchStrategy[object]],
) -> None:
    # A test that builds its strategy inside its body (APIPolicy.claim_tokens() in a data.draw) builds it
    # at a new instant for each example: the choices Hypothesis makes must not depend on that instant,
    # or a replayed example finds other bounds and fails with FlakyStrategyDefinition.
    clock = itertools.count(NOW)

    @settings(max_examples=300, derandomize=True, database=None)
    @given(data=st.data())
    def draws(data: st.DataObject) -> None:
        data.draw(build(next(clock)))

    draws()
