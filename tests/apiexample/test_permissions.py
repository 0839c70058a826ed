"""``AUTH0_HONOR_PERMISSIONS`` end to end: from the environment variable to the scoped endpoint's answer.

Off by default, the scoped endpoint reads only the space-separated ``scope`` claim (RFC 6749 §3.3);
with the setting on, ``read:messages`` in Auth0's RBAC ``permissions`` array (RFC 9068 §2.2.3.1)
grants it too. Only an array of exact strings counts, and the setting never lets an invalid token in.
"""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from apiexample.config import load_config
from apiexample.validator import scope_granted
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, FakeIssuer
from tests.endpoints import PRIVATE, SCOPED

ENV = {"AUTH0_ISSUER": DEFAULT_ISSUER, "AUTH0_AUDIENCE": DEFAULT_AUDIENCE}


def configure(settings: Settings, honor: str | None) -> None:
    """Point the API at the default tenant through ``load_config``, with the setting as given."""
    env = dict(ENV) if honor is None else {**ENV, "AUTH0_HONOR_PERMISSIONS": honor}
    settings.AUTH0 = load_config(env, debug=False)


def status(api: Client, token: str, path: str = SCOPED) -> int:
    """The API's status for ``token`` on ``path``."""
    return int(api.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code)


@pytest.mark.parametrize("honor", ["1", "true"])
def test_permissions_grant_the_scope_when_the_setting_is_on(
    api: Client, tenant: FakeIssuer, settings: Settings, honor: str
) -> None:
    configure(settings, honor)
    token = tenant.mint(scope=None, claims={"permissions": ["read:messages"]})
    assert status(api, token) == 200
    assert status(api, tenant.mint(scope="", claims={"permissions": ["write:x", "read:messages"]})) == 200


@pytest.mark.parametrize("honor", [None, "0", "false"])
def test_permissions_are_ignored_when_the_setting_is_off(
    api: Client, tenant: FakeIssuer, settings: Settings, honor: str | None
) -> None:
    configure(settings, honor)
    token = tenant.mint(scope=None, claims={"permissions": ["read:messages"]})
    assert status(api, token) == 403
    assert status(api, token, PRIVATE) == 200
    assert status(api, tenant.mint()) == 200  # the scope claim still grants it


@pytest.mark.parametrize(
    "permissions",
    ["read:messages", {"read:messages": True}, ["read:messages write:messages"], ["Read:Messages"], []],
    ids=["string", "object", "joined", "case", "empty"],
)
def test_only_an_array_with_the_exact_permission_grants_it(
    api: Client, tenant: FakeIssuer, settings: Settings, permissions: object
) -> None:
    configure(settings, "1")
    assert status(api, tenant.mint(scope=None, claims={"permissions": permissions})) == 403


def test_the_setting_never_admits_an_invalid_token(
    api: Client, tenant: FakeIssuer, settings: Settings
) -> None:
    configure(settings, "1")
    token = tenant.mint(scope=None, claims={"permissions": ["read:messages"], "aud": "https://other.test/"})
    assert status(api, token) == 401


def test_scope_granted_ignores_permissions_unless_asked() -> None:
    claims = {"permissions": ["read:messages"]}
    assert scope_granted(claims, "read:messages") is False
    assert scope_granted(claims, "read:messages", honor_permissions=True) is True
