"""The property suite's harness: the API in-process, trusting the suite's tenant, clock pinned at NOW.

Module-scoped, never function-scoped (Hypothesis health check): each module serves the tenant's JWKS
through ``responses`` while its tests run, and leaves no mock or validator behind for other modules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiexample.auth import require_auth
from fake_issuer import DEFAULT_ISSUER, FakeIssuer
from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.policy.dpop import DPoPPolicy
from tests.properties.tenant import NOW, RING


@pytest.fixture(scope="session")
def suite_api() -> DjangoAPI:
    """One Django test client and tenant (JWKS: the issuer's key, a weak key, an EC key) for the session."""
    return DjangoAPI(FakeIssuer(DEFAULT_ISSUER, keys=RING.published), now=NOW)


@pytest.fixture(scope="module")
def live_api(suite_api: DjangoAPI) -> Iterator[DjangoAPI]:
    """``suite_api`` serving its JWKS and owning the API's validator for the duration of one module."""
    with suite_api.serving() as api:
        yield api
    require_auth.reset()


@pytest.fixture(scope="module")
def dpop_api(live_api: DjangoAPI, request: pytest.FixtureRequest) -> Iterator[DjangoAPI]:
    """``live_api`` with the DPoP settings the test is parametrized with (``indirect``; default ones else)."""
    dpop: DPoPPolicy = getattr(request, "param", DPoPPolicy())
    with live_api.dpop_settings(dpop) as api:
        yield api
