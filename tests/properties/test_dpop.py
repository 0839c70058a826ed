"""Properties of DPoP (RFC 9449 §4.3, §7, §9, §11.1): the API answers every DPoP request as the oracle says.

Each example starts with an empty replay store (``forget_proofs``), so the oracle's ``seen`` is what
the example itself sent; the DPoP settings are the module-scoped ``dpop_api``'s, parametrized.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.policy.contract import breaches
from fake_issuer.policy.dpop import MODES, DPoPPolicy, DPoPRequest, Mode, challenge_of, judge_dpop
from fake_issuer.policy.dpop_strategies import dpop_requests, valid_dpop_requests
from fake_issuer.policy.proofs import bound_token_spec, proof_keys, proof_spec
from fake_issuer.policy.spec import TokenSpec
from fake_issuer.policy.strategies import texts
from tests.properties.tenant import NOW, POLICY, RING

KEYS = proof_keys()
EACH_MODE = [DPoPPolicy(mode=mode) for mode in MODES]
NONCES_ON = [DPoPPolicy(nonce=True)]
_TOKEN = bound_token_spec(POLICY, RING, NOW, key=KEYS.usable["ES256"])
#: A valid DPoP request to /api/private: a bound token and its proof (RFC 9449 §4.2, §6.1).
VALID_REQUEST = DPoPRequest(
    _TOKEN,
    (
        proof_spec(
            KEYS.usable["ES256"],
            htm="GET",
            htu="http://testserver/api/private",
            iat=NOW,
            jti="named-values",
            alg="ES256",
            access_token=_TOKEN.encode(),
        ),
    ),
)


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


#: The DPoP scheme in any case (RFC 9110 §11.1), and what may surround it and its token (RFC 9110
#: §11.4: 1*SP after the scheme; §5.5: whitespace around the whole value is not part of it).
DPOP_SCHEMES = st.sampled_from(["DPoP", "dpop", "DPOP", "dPoP"])
LEADS = st.sampled_from(["", " ", "  ", "\t", " \t "])
SEPARATORS = st.sampled_from([" ", "   ", "\t", "", " \t", "\t ", ","])
MORE = st.sampled_from(["", " ", " extra", "  more tokens", ",x", "\tx", ", DPoP x"])


def dpop_authorizations(token: str) -> st.SearchStrategy[str]:
    """``Authorization`` values of the DPoP scheme around ``token`` (or other text), well-formed or not."""
    around = st.builds(
        lambda lead, scheme, sep, carried, more, trail: f"{lead}{scheme}{sep}{carried}{more}{trail}",
        LEADS,
        DPOP_SCHEMES,
        SEPARATORS,
        st.one_of(st.just(token), st.just(""), texts(max_size=20)),
        st.one_of(MORE, st.just(" " + token)),  # nothing more, junk, or the token twice
        LEADS,
    )
    anything = st.tuples(DPOP_SCHEMES, texts(max_size=30)).map("".join)  # the scheme, then any text
    return st.one_of(around, anything)


@st.composite
def dpop_scheme_requests(draw: st.DrawFn) -> DPoPRequest:
    """A valid DPoP request's token and proof (or no proof), under any DPoP-scheme ``Authorization``."""
    request = draw(valid_dpop_requests(policy=POLICY, ring=RING, keys=KEYS, now=NOW))
    value = draw(dpop_authorizations(request.access_token), label="authorization")
    proofs = request.proofs if draw(st.booleans(), label="with a DPoP proof") else ()
    return dataclasses.replace(request, proofs=proofs, raw_authorization=value)


@pytest.mark.parametrize("dpop_api", EACH_MODE, indirect=True, ids=MODES)
@given(request=dpop_scheme_requests())
def test_any_dpop_scheme_authorization_is_answered_as_the_oracle_says(
    dpop_api: DjangoAPI, request: DPoPRequest
) -> None:
    dpop_api.forget_proofs()
    check(dpop_api, request)


#: Values rule 1 decides (docs/validation-policy.md; the oracle's own tests hold the answers owed):
#: 1*SP, scheme case, surrounding whitespace, a tab, no separator, no token, two tokens, a list.
NAMED_VALUES = [
    "DPoP   {token}",
    " \tdpop {token} \t",
    "DPoP\t{token}",
    "DPoP{token}",
    "DPoP",
    "dpop   ",
    "DPoP {token} {token}",
    "DPoP x y",
    "DPoP {token},x",
    "DPoP  x",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("with_proof", [True, False], ids=["proof", "no proof"])
@pytest.mark.parametrize("value", NAMED_VALUES)
def test_named_dpop_scheme_values_are_answered_as_the_oracle_says(
    live_api: DjangoAPI, mode: Mode, with_proof: bool, value: str
) -> None:
    request = VALID_REQUEST if with_proof else dataclasses.replace(VALID_REQUEST, proofs=())
    request = dataclasses.replace(request, raw_authorization=value.replace("{token}", request.access_token))
    with live_api.dpop_settings(DPoPPolicy(mode=mode)) as api:
        check(api, request)
