"""The fake tenant as a real HTTP(S) server on loopback: JWKS, discovery, ``/oauth/token``, admin calls.

``http`` is the server (``IssuerServer``), ``tenant`` answers a tenant's endpoints, ``clients`` is the
client-credentials registry, ``tls`` the throwaway CA, ``cli`` the ``serve`` subcommand.
"""

from __future__ import annotations

from fake_issuer.server.http import IssuerServer, ServedRequest

__all__ = ["IssuerServer", "ServedRequest"]
