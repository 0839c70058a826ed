"""The API's own settings plus the ``CACHES`` the README shows, for the two-worker replay test.

``APIEXAMPLE_TEST_REDIS_URL`` (set by the test) names the Redis server the test started; without it
the cache stays Django's default, local memory per process.
"""

from __future__ import annotations

import os

from apiexample.settings import *  # noqa: F403

if os.environ.get("APIEXAMPLE_TEST_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["APIEXAMPLE_TEST_REDIS_URL"],
        }
    }
