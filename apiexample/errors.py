"""Every answer the API gives to a request it refuses (DESIGN §4; RFC 6750 §3, §3.1).

One exception class per failing rule of DESIGN §5 (PyJWT style), each an Authlib ``OAuth2Error`` so
Authlib's ``ResourceProtector`` turns it into a JSON response, each with the RFC 6750 challenge it owes.
``code`` is machine-readable and ``rule`` names the rule of DESIGN §5 that failed; descriptions never
echo the token.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError

REALM = "apiexample"


def challenge(**params: str) -> str:
    """A ``Bearer`` challenge (RFC 6750 §3) with ``realm`` first, then ``params`` in order."""
    members = {"realm": REALM, **params}
    return "Bearer " + ", ".join(f'{name}="{value}"' for name, value in members.items())


class NoCredentials(MissingAuthorizationError):
    """No ``Authorization`` header, or a scheme other than Bearer: 401, challenge without error code."""

    error = "missing_authorization"
    description = "A Bearer access token is required in the Authorization header."
    status_code = 401

    def __init__(self) -> None:
        super().__init__()

    def get_headers(self) -> list[tuple[str, str]]:
        """JSON headers plus the bare challenge (RFC 6750 §3.1: no error code without credentials)."""
        return [*super().get_headers(), ("WWW-Authenticate", challenge())]


class InvalidToken(OAuth2Error):
    """The token is malformed or fails a rule of DESIGN §5: 401 ``invalid_token``."""

    error = "invalid_token"
    status_code = 401
    rule = 0
    code = "invalid_token"
    description = "The access token is invalid."

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description=description or type(self).description)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rule={self.rule}, {self.description!r})"

    def get_headers(self) -> list[tuple[str, str]]:
        """JSON headers plus ``Bearer realm, error="invalid_token", error_description``."""
        header = challenge(error=self.error, error_description=str(self.description))
        return [*super().get_headers(), ("WWW-Authenticate", header)]


class MalformedAuthorization(InvalidToken):
    """Rule 1: the Bearer credentials are empty or hold more than one token."""

    rule, code = 1, "malformed_authorization"


class MalformedToken(InvalidToken):
    """Rule 2: not a compact JWS of canonical base64url segments with JSON-object header and payload."""

    rule, code = 2, "malformed_token"


class DisallowedHeader(InvalidToken):
    """Rule 3: ``alg`` not RS256, ``kid`` not a string, bad ``typ``, or a forbidden member (``zip`` too)."""

    rule, code = 3, "disallowed_header"


class UnknownSigningKey(InvalidToken):
    """Rule 3: ``kid`` names no key of the JWKS (unusable keys and ambiguous kids, rule 4, are not in it)."""

    rule, code = 3, "unknown_kid"


class BadSignature(InvalidToken):
    """Rule 5: the RS256 signature does not verify with the key the ``kid`` names."""

    rule, code = 5, "bad_signature"
    description = "The token's signature does not verify."


class InvalidIssuer(InvalidToken):
    """Rule 6: ``iss`` is not exactly the configured issuer."""

    rule, code = 6, "invalid_iss"
    description = "The token's 'iss' claim is not this API's issuer."


class InvalidAudience(InvalidToken):
    """Rule 7: ``aud`` is neither the audience nor an array of strings containing it."""

    rule, code = 7, "invalid_aud"
    description = "The token's 'aud' claim does not name this API."


class InvalidExpiry(InvalidToken):
    """Rule 8: ``exp`` missing, not a finite number, or passed (beyond the leeway)."""

    rule, code = 8, "invalid_exp"


class InvalidTimes(InvalidToken):
    """Rule 9: ``nbf`` or ``iat`` not a finite number, or in the future beyond the leeway."""

    rule, code = 9, "invalid_nbf_iat"


class InvalidClaimType(InvalidToken):
    """Rule 10: ``scope``, ``sub`` or ``jti`` present but not a string."""

    rule, code = 10, "invalid_claim_type"


class InsufficientScope(OAuth2Error):
    """A valid token without the endpoint's scope: 403 with ``error="insufficient_scope"``."""

    error = "insufficient_scope"
    status_code = 403

    def __init__(self, scope: str) -> None:
        super().__init__(description=f"The access token lacks the scope '{scope}'.")
        self.scope = scope

    def get_headers(self) -> list[tuple[str, str]]:
        """JSON headers plus ``Bearer realm, error="insufficient_scope", scope`` (RFC 6750 §3.1)."""
        header = challenge(error=self.error, scope=self.scope)
        return [*super().get_headers(), ("WWW-Authenticate", header)]


class SigningKeysUnavailable(OAuth2Error):
    """The JWKS cannot be had and the token's key is not cached: 503 with ``Retry-After``, no challenge."""

    error = "temporarily_unavailable"
    status_code = 503

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(description=f"The token cannot be checked now: {reason}. Retry later.")
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        """JSON headers plus ``Retry-After`` in seconds (RFC 9110 §10.2.3)."""
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]
