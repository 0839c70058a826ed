"""``key_source_for``: the configuration's JWKS policy reaches the client, and the dev issuer's keys work.

Every ``AUTH0_JWKS_*`` setting the README documents must change the client the API builds (RFC 9111
freshness, stale-if-error, the refetch bucket), and an offline dev configuration must verify what
its dev issuer signs, with no HTTP client at all.
"""

from __future__ import annotations

from pathlib import Path

from apiexample.auth import key_source_for
from apiexample.config import DEV_AUDIENCE, DEV_ISSUER, load_config
from apiexample.dev_issuer import dev_issuer
from apiexample.jwks.client import JWKSClient
from apiexample.jwks.keysource import StaticKeySource
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER


def test_every_jwks_setting_reaches_the_client() -> None:
    env = {
        "AUTH0_ISSUER": DEFAULT_ISSUER,
        "AUTH0_AUDIENCE": DEFAULT_AUDIENCE,
        "AUTH0_JWKS_TIMEOUT": "2.5",
        "AUTH0_JWKS_TTL": "120",
        "AUTH0_JWKS_MAX_STALE": "900",
        "AUTH0_JWKS_MIN_REFETCH_INTERVAL": "3",
        "AUTH0_JWKS_REFETCH_BURST": "5",
        "AUTH0_JWKS_MAX_WAITERS": "7",
    }
    client = key_source_for(load_config(env, debug=False))
    assert isinstance(client, JWKSClient)
    assert client.url == DEFAULT_ISSUER.rstrip("/") + "/.well-known/jwks.json"
    assert (client.timeout, client.ttl, client.max_stale) == (2.5, 120, 900)
    assert (client.limiter.interval, client.limiter.burst) == (3, 5)
    assert client.max_waiters == 7


def test_the_dev_configuration_verifies_what_the_dev_issuer_signs(tmp_path: Path) -> None:
    config = load_config({}, debug=True)
    config = type(config)(**{**config.__dict__, "dev_key_file": tmp_path / "dev-key.json"})
    source = key_source_for(config)
    assert isinstance(source, StaticKeySource)
    issuer = dev_issuer(config)
    assert (issuer.issuer, config.audience) == (DEV_ISSUER, DEV_AUDIENCE)
    assert source.get_key(issuer.signing_key.kid) is not None
