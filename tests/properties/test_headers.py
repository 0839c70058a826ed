"""Properties of the ``Authorization`` header (policy rule 1, RFC 6750 §2.1) and the public endpoint."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.policy.contract import breaches
from fake_issuer.policy.oracle import INVALID_TOKEN, OK, PROTECTED, PUBLIC, Outcome, bearer_token, expected
from fake_issuer.policy.spec import TokenSpec, signing_variants
from fake_issuer.policy.strategies import authorizations, texts, valid_claims
from tests.properties.tenant import NOW, POLICY, RING

VALID = TokenSpec(
    {"alg": "RS256", "typ": "JWT", "kid": RING.issuer.kid},
    valid_claims(POLICY, NOW),
    signing_variants(RING)["issuer key"].signing,
)
VALID_TOKEN = VALID.encode()
#: Request headers to send the public endpoint; ``Host`` aside, which Django checks against ALLOWED_HOSTS.
HEADER_NAMES = st.one_of(
    st.sampled_from(["AUTHORIZATION", "COOKIE", "ACCEPT", "ACCEPT_ENCODING", "ORIGIN", "X_FORWARDED_FOR"]),
    st.from_regex(r"X_[A-Z0-9_]{1,12}", fullmatch=True),
)


def wanted_for(value: str | None, endpoint: str) -> Outcome:
    """The oracle's outcome for an ``Authorization`` value whose token, if any, is VALID_TOKEN or garbage."""
    token = bearer_token(value)
    if isinstance(token, Outcome):
        return token
    return expected(VALID, POLICY, endpoint, NOW) if token == VALID_TOKEN else INVALID_TOKEN


def _not_dpop(value: str | None) -> bool:
    # The DPoP scheme (RFC 9449 §7.1) has its own oracle, fake_issuer.policy.dpop, and its own
    # properties (tests/properties/test_dpop.py, which draws any DPoP-scheme value, with or without a
    # proof, in every mode); this one judges Bearer and every other scheme.
    return value is None or value.strip(" \t").partition(" ")[0].lower() != "dpop"


@given(
    value=st.one_of(
        st.none(), texts(max_size=40), authorizations(tokens=st.one_of(st.just(VALID_TOKEN), texts()))
    ).filter(_not_dpop)
)
def test_any_authorization_value_gets_a_documented_answer(live_api: DjangoAPI, value: str | None) -> None:
    for endpoint in PROTECTED:
        answer = live_api.get(endpoint, value)
        assert answer.status in {200, 401, 403}
        problems = breaches(answer, wanted_for(value, endpoint), POLICY)
        assert not problems, f"{endpoint}: {'; '.join(problems)}"


@given(headers=st.dictionaries(HEADER_NAMES, texts(max_size=40), max_size=4))
def test_public_endpoint_answers_200_whatever_the_headers(
    live_api: DjangoAPI, headers: dict[str, str]
) -> None:
    response = live_api.client.get(PUBLIC, **{f"HTTP_{name}": value for name, value in headers.items()})  # type: ignore[arg-type]
    assert response.status_code == OK.status
    assert response.json()["message"].startswith("Hello from a public endpoint!")
