"""A bounded cache of tokens whose signature was verified (RFC 7515 §5.2 steps, done once per token).

Keyed on the SHA-256 of the whole token string, so a token differing in a single byte never hits.
It caches only the result of ``decode_token`` (rules 2-5: syntax, header, key, signature), never a
rejection, and never the claim checks: ``exp``, ``nbf``, ``iat``, ``iss``, ``aud`` and the types are
checked again at every use, so a cached token still expires on time. An entry also remembers the key
that verified it; it is used only while the key source still returns that very key for the ``kid``,
so a key that left the JWKS (or was replaced) sends the token back through full verification.
By default it holds the 4096 most recently used tokens.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

#: What the cache keeps per token (the validator's ``DecodedToken``).
Entry = TypeVar("Entry")


def token_digest(token: str) -> bytes:
    """The cache key of ``token``: SHA-256 of all of it."""
    return hashlib.sha256(token.encode(errors="surrogatepass")).digest()  # UTF-8, lone surrogates too


class VerifiedTokenCache(Generic[Entry]):
    """LRU map from token digest to its ``DecodedToken``; thread-safe, at most ``maxsize`` entries."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes) -> Entry | None:
        """The entry for ``digest``, marked as recently used, or None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, digest: bytes, entry: Entry) -> None:
        """Remember ``entry``, evicting the least recently used beyond ``maxsize``."""
        if self.maxsize <= 0:
            return
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def discard(self, digest: bytes) -> None:
        """Forget ``digest`` (its key is gone)."""
        with self._lock:
            self._entries.pop(digest, None)
