"""Test settings: the API's own settings, pointed at the default ``FakeIssuer`` tenant."""

from __future__ import annotations

from apiexample.config import Auth0Config, jwks_url_for
from apiexample.settings import *  # noqa: F403
from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER

AUTH0 = Auth0Config(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_url_for(DEFAULT_ISSUER))
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
