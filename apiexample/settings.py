"""Django settings: every environment variable is read here, once (README, configuration).

The Auth0 part is built by ``apiexample.config.load_config``; this module only wires it in.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key

from apiexample.config import load_config, parse_bool

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = parse_bool("DJANGO_DEBUG", os.environ.get("DJANGO_DEBUG", "1"))
# A random key per process is fine: the API keeps no sessions and signs nothing with it.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

AUTH0 = load_config(os.environ, debug=DEBUG)

INSTALLED_APPS = ["apiexample.apps.ApiExampleConfig"]
MIDDLEWARE = [
    "apiexample.middleware.json_errors",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "apiexample.urls"
WSGI_APPLICATION = "apiexample.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
# The DPoP replay store (README "DPoP"): local memory is per process, and forgets the oldest proofs
# beyond MAX_ENTRIES (Django's default, 300, would be far too few); several workers need Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
USE_TZ = True
# Also the zone of log timestamps (Django sets the process's TZ from it); Django's default is Chicago.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
APPEND_SLASH = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "apiexample": {"handlers": ["console"], "level": "INFO", "propagate": True},
        # A 401 or 403 is the API doing its job, not something for an operator to act on: Django's
        # per-response WARNING for every 4xx is dropped; 5xx answers are still logged as errors.
        "django.request": {"level": "ERROR"},
    },
}
