"""Properties of DPoP (RFC 9449 §4.3, §7, §9, §11.1): the API answers every DPoP request as the oracle says.

Each example starts with an empty replay store (``forget_proofs``), so the oracle's ``seen`` is what
the example itself sent; the DPoP settings are the module-scoped ``dpop_api``'s, parametrized.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.policy.contract import breaches
from fake_issuer.policy.dpop import MODES, DPoPPolicy, DPoPRequest, challenge_of, judge_dpop
from fake_issuer.policy.dpop_strategies import dpop_requests, valid_dpop_requests
from fake_issuer.policy.proofs import proof_keys
from fake_issuer.policy.spec import TokenSpec
from tests.properties.tenant import NOW, POLICY, RING

KEYS = proof_keys()
EACH_MODE = [DPoPPolicy(mode=mode) for mode in MODES]
NONCES_ON = [DPoPPolicy(nonce=True)]


def test_dpop_policy_is_the_apis(live_api: DjangoAPI) -> None:
    assert live_api.dpop_policy == DPoPPolicy()


def check(api: DjangoAPI, request: DPoPRequest, **state: object) -> None:
    """Send ``request`` and assert the answer the oracle owes it under the API's DPoP settings."""
    dpop = api.dpop_policy
    verdict = judge_dpop(request, POLICY, dpop, NOW, **state)  # type: ignore[arg-type]
    problems = breaches(api.send(request), verdict.outcome, POLICY, challenge_of(verdict, dpop))
    assert not problems, f"{request.endpoint}: {'; '.join(problems)} (oracle: {verdict})"


@pytest.mark.parametrize("dpop_api", EACH_MODE, indirect=True, ids=MODES)
@given(request=dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW, dpop=DPoPPolicy()))
def test_every_dpop_request_is_answered_as_the_oracle_says(dpop_api: DjangoAPI, request: DPoPRequest) -> None:
    dpop_api.forget_proofs()
    check(dpop_api, request)


@given(request=valid_dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW))
def test_a_valid_proof_is_accepted_once_then_refused_as_a_replay(
    dpop_api: DjangoAPI, request: DPoPRequest
) -> None:
    dpop_api.forget_proofs()
    first = judge_dpop(request, POLICY, dpop_api.dpop_policy, NOW)
    assert first.outcome.status == 200 and first.records is not None
    check(dpop_api, request)
    check(dpop_api, request, seen={first.records})
    assert (
        judge_dpop(request, POLICY, dpop_api.dpop_policy, NOW, seen={first.records}).check
        == "proof 9: replay"
    )


def with_nonce(request: DPoPRequest, nonce: str) -> DPoPRequest:
    """``request`` with ``nonce`` in its proof (RFC 9449 §8)."""
    proof = request.proofs[0]
    claims = dict(proof.claims) if isinstance(proof.claims, dict) else {}
    return dataclasses.replace(
        request, proofs=(TokenSpec(proof.header, claims | {"nonce": nonce}, proof.signing),)
    )


@pytest.mark.parametrize("dpop_api", NONCES_ON, indirect=True, ids=["nonce"])
@given(request=valid_dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW))
def test_with_nonces_on_a_proof_needs_the_servers_nonce(dpop_api: DjangoAPI, request: DPoPRequest) -> None:
    dpop_api.forget_proofs()
    check(dpop_api, request)  # no nonce: 401 use_dpop_nonce and a DPoP-Nonce header
    nonce = dpop_api.send(request).dpop_nonce
    assert nonce
    check(dpop_api, with_nonce(request, nonce + "x"), nonces={nonce})
    check(dpop_api, with_nonce(request, nonce), nonces={nonce})
