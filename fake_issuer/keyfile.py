"""A signing key kept in a file, so that separate processes (a server, ``mint``, the API) share it.

The file is JSON, ``{"kid": ..., "private_key_pem": ...}`` (PKCS#8, RFC 5958), the format of the API's
git-ignored dev-issuer key. It holds a private key: written whole or not at all, owner-readable only.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fake_issuer.keys import SigningKey, generate_rsa_key, load_private_key


def read_key_file(path: Path) -> SigningKey:
    """The key stored in ``path``; ``ValueError`` when the file is not such a key."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return load_private_key(str(stored["private_key_pem"]).encode("ascii"), str(stored["kid"]))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a key file ({type(error).__name__}: {error})") from None


def write_key_file(path: Path, key: SigningKey) -> None:
    """Store ``key`` in ``path`` atomically, readable by the owner only (its folder created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"kid": key.kid, "private_key_pem": key.private_pem().decode("ascii")}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(document, stream)
    os.replace(temporary, path)


def load_or_create_key_file(path: Path) -> tuple[SigningKey, bool]:
    """The key in ``path``, creating the file with a fresh RSA key first if there is none.

    Returns the key and whether it was just created.
    """
    if path.exists():
        return read_key_file(path), False
    key = generate_rsa_key(f"key-file:{path.resolve()}")
    write_key_file(path, key)
    return key, True
