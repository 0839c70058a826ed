"""The DPoP strategies draw what they promise: valid requests are valid, spoiled ones reach every check."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from fake_issuer.policy.dpop import DPoPPolicy, DPoPRequest, judge_dpop, normalized_uri
from fake_issuer.policy.dpop_strategies import dpop_requests, htus, valid_dpop_requests
from fake_issuer.policy.proofs import proof_keys
from tests.fake_issuer.policy.builders import NOW, POLICY, RING

KEYS = proof_keys()
URL = "http://testserver/api/private"


@given(request=valid_dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW))
def test_valid_dpop_requests_are_valid(request: DPoPRequest) -> None:
    verdict = judge_dpop(request, POLICY, DPoPPolicy(), NOW)
    assert verdict.outcome.status == 200 and verdict.records is not None


@given(htu=htus(url=URL))
def test_htus_are_strings_or_not_and_equivalent_or_not(htu: object) -> None:
    if isinstance(htu, str) and normalized_uri(htu) == normalized_uri(URL):
        assert htu.lower().startswith("http://testserver")


def test_spoiled_requests_reach_every_check() -> None:
    checks: Counter[str | None] = Counter()

    @settings(max_examples=300, derandomize=True, database=None)
    @given(request=dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW, dpop=DPoPPolicy()))
    def draw(request: DPoPRequest) -> None:
        checks[judge_dpop(request, POLICY, DPoPPolicy(), NOW).check] += 1
        assert all(value.count(".") >= 2 for value in request.dpop_headers())

    draw()
    reached = {str(check).split(":")[0] for check in checks}
    assert {
        "None",
        "scope",
        "scheme",
        "proof 1",
        "proof 3",
        "proof 4",
        "proof 5",
        "proof 6",
        "token",
    } <= reached


@given(data=st.data())
def test_valid_requests_go_to_a_protected_endpoint(data: st.DataObject) -> None:
    request = data.draw(valid_dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW))
    assert request.endpoint == "/api/private" and request.scheme == "DPoP"
