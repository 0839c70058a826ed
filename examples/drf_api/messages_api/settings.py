"""The project's settings: a DRF API whose tokens come from an Auth0 tenant."""

from __future__ import annotations

SECRET_KEY = "example-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = ["rest_framework"]
ROOT_URLCONF = "messages_api.urls"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TIME_ZONE = "UTC"

# The tenant: in production, the real one (from the environment); the tests' fake tenant uses the same.
JWT_ISSUER = "https://messages.eu.auth0.com/"
JWT_AUDIENCE = "https://messages.example/api"
JWT_JWKS_URL = JWT_ISSUER + ".well-known/jwks.json"
JWT_LEEWAY = 30

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["messages_api.auth.Auth0JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
