"""The error contract checker (the policy): it accepts the owed answers and names every departure."""

from __future__ import annotations

import pytest

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.policy.contract import Answer, breaches, challenge_matches
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE, INVALID_TOKEN, NO_CREDENTIALS, OK, Outcome, Policy

POLICY = Policy(DEFAULT_ISSUER, DEFAULT_AUDIENCE, {})
REALM = 'Bearer realm="apiexample"'
INVALID = f'{REALM}, error="invalid_token", error_description="The access token is invalid."'
SCOPE = f'{REALM}, error="insufficient_scope", scope="read:messages"'
ERROR_BODY = {"error": "invalid_token", "error_description": "x"}


@pytest.mark.parametrize(
    ("answer", "wanted"),
    [
        (Answer(200, None, {"message": "hi"}), OK),
        (Answer(401, REALM, {"error": "missing_authorization", "error_description": "x"}), NO_CREDENTIALS),
        (Answer(401, INVALID, ERROR_BODY), INVALID_TOKEN),
        (Answer(403, SCOPE, {"error": "insufficient_scope", "error_description": "x"}), INSUFFICIENT_SCOPE),
    ],
)
def test_owed_answers_keep_the_contract(answer: Answer, wanted: Outcome) -> None:
    assert breaches(answer, wanted, POLICY) == []
    assert answer.outcome == wanted


@pytest.mark.parametrize(
    ("answer", "wanted", "problem"),
    [
        (Answer(500, None, None), INVALID_TOKEN, "server error 500"),
        (Answer(200, None, {"message": "hi"}), INVALID_TOKEN, "expected 401 invalid_token, got 200"),
        (Answer(200, None, {"nope": 1}), OK, "has no message"),
        (Answer(401, INVALID, ["x"]), INVALID_TOKEN, "is not {error, error_description} JSON"),
        (Answer(401, INVALID, {**ERROR_BODY, "error": "other"}), INVALID_TOKEN, "body error 'other'"),
        (Answer(401, REALM + ", x", ERROR_BODY), NO_CREDENTIALS, "WWW-Authenticate"),
        (
            Answer(403, SCOPE + " ", {"error": "insufficient_scope", "error_description": ""}),
            INSUFFICIENT_SCOPE,
            "WWW-Authenticate",
        ),
    ],
)
def test_departures_are_named(answer: Answer, wanted: Outcome, problem: str) -> None:
    assert any(problem in found for found in breaches(answer, wanted, POLICY))


@pytest.mark.parametrize(
    "challenge",
    [None, REALM, INVALID + "x", f'{REALM}, error="invalid_token", error_description="a"b"', SCOPE],
)
def test_invalid_token_challenge_shape(challenge: str | None) -> None:
    assert not challenge_matches(INVALID_TOKEN, challenge, POLICY)
    assert challenge_matches(INVALID_TOKEN, INVALID, POLICY)
    assert not challenge_matches(OK, INVALID, POLICY)


@pytest.mark.parametrize(
    "description",
    ["", "back\\slash", "line\nbreak", "tab\there", "nul\x00", "del\x7f", "caf\u00e9", 'quote"d'],
    ids=["empty", "backslash", "newline", "tab", "nul", "del", "non-ascii", "quote"],
)
def test_invalid_token_description_outside_the_rfc6750_grammar_is_refused(description: str) -> None:
    challenge = f'{REALM}, error="invalid_token", error_description="{description}"'
    assert not challenge_matches(INVALID_TOKEN, challenge, POLICY)
    assert any(
        "WWW-Authenticate" in found
        for found in breaches(Answer(401, challenge, ERROR_BODY), INVALID_TOKEN, POLICY)
    )


@pytest.mark.parametrize("description", [" ", "!#[]~", "a b", "The 'kid' names no published key."])
def test_invalid_token_description_inside_the_rfc6750_grammar_is_accepted(description: str) -> None:
    challenge = f'{REALM}, error="invalid_token", error_description="{description}"'
    assert challenge_matches(INVALID_TOKEN, challenge, POLICY)
