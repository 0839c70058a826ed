"""The embedded offline dev issuer: a ``FakeIssuer`` whose key lives in a git-ignored file.

Used only when nothing is configured and DEBUG is on (DESIGN §2), so that ``runserver`` and
``manage.py mint_token`` agree on the key without any network. Never used in production: settings
refuse to start with DEBUG off and nothing configured.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from apiexample.config import Auth0Config
from fake_issuer import FakeIssuer
from fake_issuer.keys import generate_rsa_key, load_private_key

logger = logging.getLogger(__name__)


def _load_or_create_key_file(path: Path) -> tuple[str, bytes]:
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        return str(stored["kid"]), str(stored["private_key_pem"]).encode("ascii")
    key = generate_rsa_key(f"dev-issuer:{path}")
    document = {"kid": key.kid, "private_key_pem": key.private_pem().decode("ascii")}
    # Written whole or not at all, readable by the owner only: it is a private key.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dev-issuer-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(document, stream)
    os.replace(temporary, path)
    logger.warning("Dev issuer: created a new signing key in %s (git-ignored)", path)
    return key.kid, key.private_pem()


def dev_issuer(config: Auth0Config) -> FakeIssuer:
    """The dev issuer for ``config`` (whose ``dev_key_file`` must be set), key loaded or created."""
    if config.dev_key_file is None:
        raise ValueError("the dev issuer needs a configuration without a tenant (dev_key_file set)")
    kid, pem = _load_or_create_key_file(config.dev_key_file)
    return FakeIssuer(config.issuer, audience=config.audience, keys=[load_private_key(pem, kid)])
