"""Repository-wide pytest wiring: the fake issuer's plugin, pytester, and the offline guard.

The guard lets a test reach loopback only. Any other connection or DNS lookup raises ``OSError`` in
the code that tried it (so that code takes its failure path) and fails the test that made it, even
when the code under test swallowed the error.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Generator
from typing import Any

import pytest

# When the package is pip-installed, its pytest11 entry point (named "fake_issuer.plugin") has already
# registered the plugin and pytest skips this; from a plain clone, this line loads it.
pytest_plugins = ["fake_issuer.plugin", "pytester"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_violations: list[str] = []
_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


class NetworkAccessError(OSError):
    """A test tried to reach beyond loopback."""


def _is_loopback(host: object) -> bool:
    if host is None or (isinstance(host, str) and host.lower() in _LOOPBACK_NAMES):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _refuse(what: str) -> NetworkAccessError:
    _violations.append(what)
    return NetworkAccessError(f"offline test suite: {what} refused (only loopback is allowed)")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise _refuse(f"connect to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise _refuse(f"connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _is_loopback(host):
        raise _refuse(f"DNS lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    """Install the offline guard before anything is imported or collected."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that tried to leave loopback, even if the code it ran caught the error."""
    _violations.clear()
    result = yield
    if _violations:
        attempts = "; ".join(_violations)
        _violations.clear()
        raise NetworkAccessError(f"{item.nodeid} tried to use the network: {attempts}")
    return result
