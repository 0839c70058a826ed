"""``AUTH0_JWKS_*``: the JWKS client's policy from the environment (README, configuration), and its wiring."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from apiexample.auth import key_source_for
from apiexample.config import JWKS_SETTINGS, Auth0Config, load_config
from apiexample.jwks.client import JWKSClient

TENANT = {"AUTH0_DOMAIN": "tenant.eu.auth0.com", "AUTH0_AUDIENCE": "https://api.example.test"}


def test_defaults_are_ten_minutes_one_hour_stale_and_a_burst_of_three() -> None:
    config = load_config(TENANT, debug=False)
    assert (config.jwks_timeout, config.jwks_ttl, config.jwks_max_stale) == (5.0, 600.0, 3600.0)
    assert (config.jwks_min_refetch_interval, config.jwks_refetch_burst) == (10.0, 3)
    assert config.jwks_max_waiters == 2


def test_a_client_built_directly_has_the_documented_defaults() -> None:
    """README, "Signing keys": the table's defaults, and retries backing off from 1 s, doubling, to 30 s."""
    client = JWKSClient("https://tenant.eu.auth0.com/.well-known/jwks.json")
    assert (client.timeout, client.ttl, client.max_stale) == (5.0, 600.0, 3600.0)
    assert (client.limiter.interval, client.limiter.burst) == (10.0, 3)
    assert client.max_waiters == 2
    # A first failure is retried at once (no backoff), then 1, 2, 4, 8, 16 s, capped at 30 s.
    assert [client.backoff(failures) for failures in range(1, 9)] == [0, 1, 2, 4, 8, 16, 30, 30]


def test_every_variable_sets_its_field() -> None:
    env = {
        **TENANT,
        "AUTH0_JWKS_TIMEOUT": "2.5",
        "AUTH0_JWKS_TTL": "300",
        "AUTH0_JWKS_MAX_STALE": "0",
        "AUTH0_JWKS_MIN_REFETCH_INTERVAL": " 30 ",
        "AUTH0_JWKS_REFETCH_BURST": "5",
        "AUTH0_JWKS_MAX_WAITERS": "0",
    }
    config = load_config(env, debug=False)
    assert (config.jwks_timeout, config.jwks_ttl, config.jwks_max_stale) == (2.5, 300.0, 0.0)
    assert config.jwks_min_refetch_interval == 30.0
    assert config.jwks_refetch_burst == 5
    assert isinstance(config.jwks_refetch_burst, int)
    assert config.jwks_max_waiters == 0 and isinstance(config.jwks_max_waiters, int)


def test_the_dev_issuer_reads_them_too() -> None:
    assert load_config({"AUTH0_JWKS_TTL": "60"}, debug=True).jwks_ttl == 60.0


def test_an_empty_variable_keeps_the_default() -> None:
    assert load_config({**TENANT, "AUTH0_JWKS_TTL": "  "}, debug=False).jwks_ttl == 600.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTH0_JWKS_TIMEOUT", "0"),
        ("AUTH0_JWKS_TIMEOUT", "61"),
        ("AUTH0_JWKS_TTL", "0.5"),
        ("AUTH0_JWKS_TTL", "nan"),
        ("AUTH0_JWKS_TTL", "inf"),
        ("AUTH0_JWKS_TTL", "ten minutes"),
        ("AUTH0_JWKS_MAX_STALE", "-1"),
        ("AUTH0_JWKS_MIN_REFETCH_INTERVAL", "0"),
        ("AUTH0_JWKS_REFETCH_BURST", "2.5"),
        ("AUTH0_JWKS_REFETCH_BURST", "101"),
        ("AUTH0_JWKS_MAX_WAITERS", "-1"),
        ("AUTH0_JWKS_MAX_WAITERS", "1.5"),
        ("AUTH0_JWKS_MAX_WAITERS", "101"),
    ],
)
def test_a_value_out_of_range_is_a_configuration_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        load_config({**TENANT, name: value}, debug=False)


def test_the_table_names_only_real_fields() -> None:
    fields = set(Auth0Config.__dataclass_fields__)
    assert {field for field, *_ in JWKS_SETTINGS.values()} <= fields


def test_the_api_builds_its_client_from_the_config() -> None:
    config = Auth0Config(
        issuer="https://tenant.example.test/",
        audience="api",
        jwks_url="https://tenant.example.test/.well-known/jwks.json",
        jwks_timeout=2.0,
        jwks_ttl=120.0,
        jwks_max_stale=60.0,
        jwks_min_refetch_interval=20.0,
        jwks_refetch_burst=1,
        jwks_max_waiters=7,
    )
    client = key_source_for(config)
    assert isinstance(client, JWKSClient)
    assert (client.url, client.timeout, client.ttl, client.max_stale) == (config.jwks_url, 2.0, 120.0, 60.0)
    assert (client.limiter.interval, client.limiter.burst) == (20.0, 1)
    assert client.max_waiters == 7
