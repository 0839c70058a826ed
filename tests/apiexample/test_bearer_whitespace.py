"""Rule 1's whitespace is exactly RFC 9110's: OWS is space and tab, ``1*SP`` separates scheme and token.

Other whitespace (vertical tab, form feed, no-break space) is not optional whitespace, and nothing
may be glued to the scheme or the token: each such header is refused, never trimmed into a valid one.
"""

from __future__ import annotations

import pytest
from django.test import Client

from fake_issuer import FakeIssuer
from tests.endpoints import PRIVATE


def answer(api: Client, value: str) -> tuple[int, str | None]:
    """Status and RFC 6750 error code for an ``Authorization`` header of ``value``."""
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=value)
    return int(response.status_code), response.json().get("error") if response.status_code != 200 else None


@pytest.mark.parametrize("space", ["\x0b", "\x0c", "\xa0", "\r", "\n"], ids=["vt", "ff", "nbsp", "cr", "lf"])
def test_other_whitespace_after_the_token_is_part_of_it(api: Client, tenant: FakeIssuer, space: str) -> None:
    assert answer(api, f"Bearer {tenant.mint()}") == (200, None)
    assert answer(api, f"Bearer {tenant.mint()}{space}") == (401, "invalid_token")
    assert answer(api, f"Bearer {space}{tenant.mint()}") == (401, "invalid_token")


@pytest.mark.parametrize("space", ["\x0b", "\x0c", "\xa0"], ids=["vt", "ff", "nbsp"])
def test_other_whitespace_before_the_scheme_makes_another_scheme(
    api: Client, tenant: FakeIssuer, space: str
) -> None:
    assert answer(api, f"{space}Bearer {tenant.mint()}") == (401, "missing_authorization")


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("XBearer {t}", "missing_authorization"),
        ("Bearerx {t}", "missing_authorization"),
        ("Bearer X{t}", "invalid_token"),
    ],
)
def test_nothing_is_glued_to_the_scheme_or_the_token(
    api: Client, tenant: FakeIssuer, template: str, error: str
) -> None:
    assert answer(api, template.format(t=tenant.mint())) == (401, error)


def test_tabs_around_the_value_are_optional_whitespace(api: Client, tenant: FakeIssuer) -> None:
    assert answer(api, f"\t Bearer {tenant.mint()}\t \t") == (200, None)


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("Bearer", "The Bearer credentials hold no token."),
        ("Bearer   ", "The Bearer credentials hold no token."),
        ("Bearer a b", "The Bearer credentials hold more than one token."),
        # a comma-joined list is one token, and no compact JWS (rule 2)
        ("Bearer a.b.c,a.b.c", "The token is not a compact JWS of three segments."),
    ],
)
def test_malformed_bearer_credentials_are_an_invalid_token_that_says_why(
    api: Client, value: str, description: str
) -> None:
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=value)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": description}
