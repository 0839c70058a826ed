"""The API's configuration from the environment, read once (README, configuration).

A pure function of the environment so that every rule here is testable without reloading settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

#: Where the offline dev issuer keeps its private key; git-ignored, so each clone makes its own.
DEV_KEY_FILE = Path(__file__).resolve().parent.parent / ".dev-issuer-key.json"
DEV_ISSUER = "https://dev-issuer.apiexample.localhost/"
DEV_AUDIENCE = "https://apiexample.localhost/api"

#: A host name, IPv4 or bracketed IPv6 address, with an optional port: nothing that would move the
#: JWKS URL elsewhere (no user info, path, query or fragment).
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: ``AUTH0_DPOP``: refuse the DPoP scheme, accept it beside Bearer (Auth0's SDKs' default), or demand it.
DPoPMode = Literal["disabled", "allowed", "required"]
DPOP_MODES: tuple[DPoPMode, ...] = ("disabled", "allowed", "required")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Auth0Config:
    """What the validator needs: issuer, audience, JWKS URL, leeway, and whether it is the dev issuer."""

    issuer: str
    audience: str
    jwks_url: str
    leeway: float = 60.0
    honor_permissions: bool = False
    dev_key_file: Path | None = None
    #: The JWKS client's policy (apiexample.jwks.client.JWKSClient); see JWKS_SETTINGS for the variables.
    jwks_timeout: float = 5.0
    jwks_ttl: float = 600.0
    jwks_max_stale: float = 3600.0
    jwks_min_refetch_interval: float = 10.0
    jwks_refetch_burst: int = 3
    jwks_max_waiters: int = 2
    #: DPoP (RFC 9449), see DPOP_SETTINGS; ``public_origin`` is how ``htu`` is known behind a proxy.
    dpop: DPoPMode = "allowed"
    dpop_iat_offset: float = 300.0
    dpop_leeway: float = 30.0
    dpop_nonce: bool = False
    public_origin: str | None = None
    #: Auth0 Organizations: when set, a token's ``org_id`` must equal it (docs/validation-policy.md rule 11).
    organization: str | None = None

    @property
    def is_dev_issuer(self) -> bool:
        """True when nothing was configured and the embedded offline issuer signs the tokens."""
        return self.dev_key_file is not None


def parse_bool(name: str, value: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); anything else is a configuration error."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def parse_leeway(value: str) -> float:
    """Seconds of clock skew: a finite number, 0 to 600."""
    try:
        leeway = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"AUTH0_LEEWAY={value!r} is not a number of seconds") from None
    if not math.isfinite(leeway) or not 0 <= leeway <= 600:
        raise ImproperlyConfigured(f"AUTH0_LEEWAY={value!r} must be between 0 and 600 seconds")
    return leeway


#: ``AUTH0_JWKS_*`` variable -> (Auth0Config field, lowest, highest, whole numbers only).
JWKS_SETTINGS: dict[str, tuple[str, float, float, bool]] = {
    "AUTH0_JWKS_TIMEOUT": ("jwks_timeout", 0.1, 60.0, False),
    "AUTH0_JWKS_TTL": ("jwks_ttl", 1.0, 86400.0, False),
    "AUTH0_JWKS_MAX_STALE": ("jwks_max_stale", 0.0, 7 * 86400.0, False),
    "AUTH0_JWKS_MIN_REFETCH_INTERVAL": ("jwks_min_refetch_interval", 1.0, 3600.0, False),
    "AUTH0_JWKS_REFETCH_BURST": ("jwks_refetch_burst", 0, 100, True),
    "AUTH0_JWKS_MAX_WAITERS": ("jwks_max_waiters", 0, 100, True),
}


def parse_bounded(name: str, value: str, low: float, high: float, *, whole: bool = False) -> float:
    """A finite number from ``low`` to ``high`` (an integer when ``whole``); else a configuration error."""
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high or (whole and not number.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise ImproperlyConfigured(f"{name}={value!r} must be {kind} from {low:g} to {high:g}")
    return number


def jwks_policy_from(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``Auth0Config`` JWKS fields set by ``AUTH0_JWKS_*`` variables (unset ones keep defaults)."""
    policy: dict[str, Any] = {}
    for name, (field_name, low, high, whole) in JWKS_SETTINGS.items():
        if env.get(name, "").strip():
            number = parse_bounded(name, env[name].strip(), low, high, whole=whole)
            policy[field_name] = int(number) if whole else number
    return policy


#: ``AUTH0_DPOP_*`` number variables -> (Auth0Config field, lowest, highest).
DPOP_SETTINGS: dict[str, tuple[str, float, float]] = {
    "AUTH0_DPOP_IAT_OFFSET": ("dpop_iat_offset", 1.0, 3600.0),
    "AUTH0_DPOP_LEEWAY": ("dpop_leeway", 0.0, 600.0),
}


def public_origin_from(value: str) -> str:
    """``AUTH0_PUBLIC_ORIGIN``: ``scheme://host[:port]`` with scheme and host lowercased (RFC 3986 §6.2.2)."""
    parts = urlsplit(value)
    if (
        parts.scheme.lower() not in ("https", "http")
        or not _HOST.fullmatch(parts.netloc)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or value.endswith(("?", "#"))
    ):
        raise ImproperlyConfigured(
            f"AUTH0_PUBLIC_ORIGIN={value!r} must be scheme://host[:port] (http or https), without path, "
            "query or fragment"
        )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def dpop_policy_from(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``Auth0Config`` DPoP and Organization fields set by the environment (unset ones keep defaults)."""
    policy: dict[str, Any] = {}
    mode = env.get("AUTH0_DPOP", "").strip().lower()
    if mode:
        if mode not in DPOP_MODES:
            raise ImproperlyConfigured(
                f"AUTH0_DPOP={env['AUTH0_DPOP']!r} must be one of {', '.join(DPOP_MODES)}"
            )
        policy["dpop"] = mode
    for name, (field_name, low, high) in DPOP_SETTINGS.items():
        if env.get(name, "").strip():
            policy[field_name] = parse_bounded(name, env[name].strip(), low, high)
    if env.get("AUTH0_DPOP_NONCE", "").strip():
        policy["dpop_nonce"] = parse_bool("AUTH0_DPOP_NONCE", env["AUTH0_DPOP_NONCE"])
    origin = env.get("AUTH0_PUBLIC_ORIGIN", "").strip()
    if origin:
        policy["public_origin"] = public_origin_from(origin)
    organization = env.get("AUTH0_ORGANIZATION", "").strip()
    if organization:
        policy["organization"] = organization
    return policy


def issuer_from(env: Mapping[str, str]) -> str | None:
    """``AUTH0_ISSUER`` as given, else ``https://{AUTH0_DOMAIN}/``, else None."""
    issuer = env.get("AUTH0_ISSUER", "").strip()
    if issuer:
        parts = urlsplit(issuer)
        if (
            parts.scheme not in ("https", "http")
            or not _HOST.fullmatch(parts.netloc)
            or parts.query
            or parts.fragment
        ):
            raise ImproperlyConfigured(
                f"AUTH0_ISSUER={issuer!r} must be an http(s) URL with a host (and port), "
                "without user, query or fragment"
            )
        return issuer
    domain = env.get("AUTH0_DOMAIN", "").strip()
    if domain:
        if not _HOST.fullmatch(domain):
            raise ImproperlyConfigured(
                f"AUTH0_DOMAIN={domain!r} must be a bare host with an optional port (e.g. "
                "tenant.eu.auth0.com or 127.0.0.1:8443); use AUTH0_ISSUER for a full URL"
            )
        return f"https://{domain}/"
    return None


def jwks_url_for(issuer: str) -> str:
    """``{issuer without trailing /}/.well-known/jwks.json`` (README, configuration)."""
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def load_config(env: Mapping[str, str], *, debug: bool) -> Auth0Config:
    """Build the configuration from ``env``; the dev issuer only when nothing is set and ``debug``."""
    issuer = issuer_from(env)
    audience = (env.get("AUTH0_AUDIENCE") or env.get("API_IDENTIFIER") or "").strip()
    leeway = parse_leeway(env["AUTH0_LEEWAY"]) if "AUTH0_LEEWAY" in env else 60.0
    permissions = parse_bool("AUTH0_HONOR_PERMISSIONS", env.get("AUTH0_HONOR_PERMISSIONS", ""))
    jwks_policy = {**jwks_policy_from(env), **dpop_policy_from(env)}
    if issuer is None and not audience:
        if not debug:
            raise ImproperlyConfigured(
                "No Auth0 tenant is configured and DEBUG is off. Set AUTH0_DOMAIN (or AUTH0_ISSUER) "
                "and AUTH0_AUDIENCE; the offline dev issuer never serves production."
            )
        return Auth0Config(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            jwks_url=jwks_url_for(DEV_ISSUER),
            leeway=leeway,
            honor_permissions=permissions,
            dev_key_file=DEV_KEY_FILE,
            **jwks_policy,
        )
    if issuer is None:
        raise ImproperlyConfigured("AUTH0_AUDIENCE is set but neither AUTH0_DOMAIN nor AUTH0_ISSUER is")
    if not audience:
        raise ImproperlyConfigured("AUTH0_DOMAIN/AUTH0_ISSUER is set but AUTH0_AUDIENCE is not")
    return Auth0Config(
        issuer=issuer,
        audience=audience,
        jwks_url=jwks_url_for(issuer),
        leeway=leeway,
        honor_permissions=permissions,
        **jwks_policy,
    )
