"""The embedded offline dev issuer: a ``FakeIssuer`` whose key lives in a git-ignored file.

Used only when nothing is configured and DEBUG is on (README, configuration), so that ``runserver`` and
``manage.py mint_token`` agree on the key without any network. The key file is ``fake_issuer.keyfile``'s,
so ``fake-issuer serve/mint/jwks --key-file .dev-issuer-key.json`` share it too. Never used in
production: settings refuse to start with DEBUG off and nothing configured.
"""

from __future__ import annotations

import logging

from apiexample.config import Auth0Config
from fake_issuer import FakeIssuer
from fake_issuer.keyfile import load_or_create_key_file

logger = logging.getLogger(__name__)


def dev_issuer(config: Auth0Config) -> FakeIssuer:
    """The dev issuer for ``config`` (whose ``dev_key_file`` must be set), key loaded or created."""
    if config.dev_key_file is None:
        raise ValueError("the dev issuer needs a configuration without a tenant (dev_key_file set)")
    key, created = load_or_create_key_file(config.dev_key_file)
    if created:
        logger.warning("Dev issuer: created a new signing key in %s (git-ignored)", config.dev_key_file)
    return FakeIssuer(config.issuer, audience=config.audience, keys=[key])
