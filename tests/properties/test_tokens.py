"""Properties of token validation: the API answers every token as the oracle says (the validation policy)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.policy.contract import breaches
from fake_issuer.policy.oracle import ENDPOINTS, INVALID_TOKEN, PROTECTED, expected, judge
from fake_issuer.policy.spec import TokenSpec
from fake_issuer.policy.strategies import one_claim_changes, token_specs, valid_token_specs
from tests.properties.tenant import NOW, POLICY, RING

#: What may replace a character of a token: any Latin-1 character (header values are Latin-1, RFC 9110 §5.5).
CHARACTERS = [chr(code) for code in range(256)]


def test_policy_is_the_apis(live_api: DjangoAPI) -> None:
    assert live_api.policy == POLICY


@given(spec=token_specs(policy=POLICY, ring=RING, now=NOW))
def test_every_endpoint_answers_as_the_oracle_says(live_api: DjangoAPI, spec: TokenSpec) -> None:
    token = spec.encode()
    for endpoint in ENDPOINTS:
        wanted = expected(spec, POLICY, endpoint, NOW)
        problems = breaches(live_api.get(endpoint, f"Bearer {token}"), wanted, POLICY)
        assert not problems, f"{endpoint}: {'; '.join(problems)} (oracle: {judge(spec, POLICY, NOW)})"


@given(spec=one_claim_changes(policy=POLICY, ring=RING, now=NOW))
def test_one_changed_claim_is_judged_as_the_oracle_says(live_api: DjangoAPI, spec: TokenSpec) -> None:
    token = spec.encode()
    for endpoint in PROTECTED:
        wanted = expected(spec, POLICY, endpoint, NOW)
        problems = breaches(live_api.get(endpoint, f"Bearer {token}"), wanted, POLICY)
        assert not problems, f"{endpoint}: {'; '.join(problems)} (oracle: {judge(spec, POLICY, NOW)})"


@given(spec=valid_token_specs(policy=POLICY, ring=RING, now=NOW), data=st.data())
def test_any_single_character_change_is_rejected(
    live_api: DjangoAPI, spec: TokenSpec, data: st.DataObject
) -> None:
    assert judge(spec, POLICY, NOW).rule is None
    token = spec.encode()
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(
        st.sampled_from([c for c in CHARACTERS if c != token[position]]), label="replacement"
    )
    changed = token[:position] + replacement + token[position + 1 :]
    for endpoint in PROTECTED:
        problems = breaches(live_api.get(endpoint, f"Bearer {changed}"), INVALID_TOKEN, POLICY)
        assert not problems, f"{endpoint}: {'; '.join(problems)}"
