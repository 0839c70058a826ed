"""README, configuration: configuration from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from apiexample.config import DEV_AUDIENCE, DEV_ISSUER, DEV_KEY_FILE, load_config, parse_bool

ROOT = Path(__file__).resolve().parents[2]


def test_domain_gives_issuer_and_jwks_url() -> None:
    config = load_config(
        {"AUTH0_DOMAIN": "tenant.eu.auth0.com", "AUTH0_AUDIENCE": "https://api"}, debug=False
    )
    assert config.issuer == "https://tenant.eu.auth0.com/"
    assert config.jwks_url == "https://tenant.eu.auth0.com/.well-known/jwks.json"
    assert config.audience == "https://api"
    assert config.leeway == 60.0
    assert not config.is_dev_issuer


def test_issuer_overrides_domain_and_is_kept_exactly() -> None:
    env = {"AUTH0_DOMAIN": "ignored.example", "AUTH0_ISSUER": "http://127.0.0.1:8001/", "AUTH0_AUDIENCE": "a"}
    config = load_config(env, debug=False)
    assert config.issuer == "http://127.0.0.1:8001/"
    assert config.jwks_url == "http://127.0.0.1:8001/.well-known/jwks.json"
    no_slash = load_config(
        {"AUTH0_ISSUER": "https://issuer.example/tenant", "AUTH0_AUDIENCE": "a"}, debug=False
    )
    assert no_slash.issuer == "https://issuer.example/tenant"
    assert no_slash.jwks_url == "https://issuer.example/tenant/.well-known/jwks.json"


@pytest.mark.parametrize("domain", ["tenant.eu.auth0.com", "127.0.0.1:8443", "[::1]:8443", "localhost"])
def test_domains_with_ports_and_addresses(domain: str) -> None:
    config = load_config({"AUTH0_DOMAIN": domain, "AUTH0_AUDIENCE": "a"}, debug=False)
    assert config.issuer == f"https://{domain}/"
    assert config.jwks_url == f"https://{domain}/.well-known/jwks.json"


def test_api_identifier_is_an_alias_of_the_audience() -> None:
    config = load_config({"AUTH0_DOMAIN": "t.example", "API_IDENTIFIER": "https://sample-api"}, debug=False)
    assert config.audience == "https://sample-api"
    both = load_config(
        {"AUTH0_DOMAIN": "t.example", "API_IDENTIFIER": "alias", "AUTH0_AUDIENCE": "main"}, debug=False
    )
    assert both.audience == "main"


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("120", 120.0), ("2.5", 2.5), ("600", 600.0)])
def test_leeway(value: str, expected: float) -> None:
    env = {"AUTH0_DOMAIN": "t.example", "AUTH0_AUDIENCE": "a", "AUTH0_LEEWAY": value}
    assert load_config(env, debug=False).leeway == expected


@pytest.mark.parametrize("value", ["-1", "601", "nan", "inf", "sixty", ""])
def test_bad_leeway_is_a_configuration_error(value: str) -> None:
    env = {"AUTH0_DOMAIN": "t.example", "AUTH0_AUDIENCE": "a", "AUTH0_LEEWAY": value}
    with pytest.raises(ImproperlyConfigured, match="AUTH0_LEEWAY"):
        load_config(env, debug=False)


def test_honor_permissions_is_opt_in() -> None:
    base = {"AUTH0_DOMAIN": "t.example", "AUTH0_AUDIENCE": "a"}
    assert not load_config(base, debug=False).honor_permissions
    assert load_config({**base, "AUTH0_HONOR_PERMISSIONS": "true"}, debug=False).honor_permissions


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTH0_AUDIENCE": "a"}, "neither AUTH0_DOMAIN nor AUTH0_ISSUER"),
        ({"AUTH0_DOMAIN": "t.example"}, "AUTH0_AUDIENCE is not"),
        ({"AUTH0_DOMAIN": "https://t.example/", "AUTH0_AUDIENCE": "a"}, "bare host"),
        ({"AUTH0_ISSUER": "t.example", "AUTH0_AUDIENCE": "a"}, "http"),
        ({"AUTH0_ISSUER": "ftp://t.example/", "AUTH0_AUDIENCE": "a"}, "http"),
        ({"AUTH0_ISSUER": "https://user@evil.example/", "AUTH0_AUDIENCE": "a"}, "without user"),
        ({"AUTH0_ISSUER": "https:///path", "AUTH0_AUDIENCE": "a"}, "with a host"),
        ({"AUTH0_ISSUER": "https://t.example/?x=1", "AUTH0_AUDIENCE": "a"}, "query"),
        ({"AUTH0_ISSUER": "https://t.example/#f", "AUTH0_AUDIENCE": "a"}, "fragment"),
        ({"AUTH0_DOMAIN": "tenant#", "AUTH0_AUDIENCE": "a"}, "bare host"),
        ({"AUTH0_DOMAIN": "a@evil.example", "AUTH0_AUDIENCE": "a"}, "bare host"),
        ({"AUTH0_DOMAIN": "host?x", "AUTH0_AUDIENCE": "a"}, "bare host"),
        ({"AUTH0_DOMAIN": "host:port", "AUTH0_AUDIENCE": "a"}, "bare host"),
        ({}, "DEBUG is off"),
    ],
)
def test_incomplete_configuration_is_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_config(env, debug=False)


def test_nothing_configured_with_debug_is_the_dev_issuer() -> None:
    config = load_config({}, debug=True)
    assert config.is_dev_issuer
    assert config.dev_key_file == DEV_KEY_FILE
    assert (config.issuer, config.audience) == (DEV_ISSUER, DEV_AUDIENCE)


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("On", True), ("no", False), ("", False)])
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool("X", text) is expected


def test_parse_bool_refuses_anything_else() -> None:
    with pytest.raises(ImproperlyConfigured, match="X='maybe'"):
        parse_bool("X", "maybe")


def test_startup_without_tenant_and_without_debug_fails_clearly() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTH0_", "API_IDENTIFIER", "DJANGO_"))
    }
    env.update(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="apiexample.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "the offline dev issuer never serves production" in result.stderr
