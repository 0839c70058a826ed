"""The optional dependencies (PEP 508 extras) of the ``fake-issuer`` distribution, and what needs them.

``pip install fake-issuer`` brings the core (keys, minting, the JWKS, the loopback server, the CLI);
``fake-issuer[responses]`` the in-process JWKS, ``fake-issuer[hypothesis]`` the strategies,
``fake-issuer[all]`` both. A module that needs a missing extra fails with ``missing_extra``'s message.
"""

from __future__ import annotations

#: Each extra and the third-party module it brings.
EXTRAS = {"responses": "responses", "hypothesis": "hypothesis"}


def missing_extra(extra: str, needed_by: str) -> str:
    """The message for an import of ``needed_by`` that needs ``extra`` when it is not installed."""
    return (
        f"{needed_by} needs {EXTRAS[extra]}, which is not installed: "
        f"pip install 'fake-issuer[{extra}]' (or 'fake-issuer[all]')"
    )
