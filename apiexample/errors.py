"""Every answer the API gives to a request it refuses (docs/validation-policy.md, Answers; RFC 6750 §3, §3.1).

One exception class per failing rule of the policy (PyJWT style), each an Authlib ``OAuth2Error`` so
Authlib's ``ResourceProtector`` turns it into a JSON response, each with the RFC 6750 challenge it owes.
``code`` is machine-readable and ``rule`` names the policy's rule that failed; descriptions never
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
    """The token is malformed or fails a rule of docs/validation-policy.md: 401 ``invalid_token``."""

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


class ReplayStoreUnavailable(SigningKeysUnavailable):
    """The DPoP replay store or nonce store (Django's cache) cannot be reached: 503, fail closed."""

    def __init__(self, retry_after: int = 5) -> None:
        super().__init__("the DPoP replay store is unavailable", retry_after)


class InvalidOrganization(InvalidToken):
    """Rule 11: ``AUTH0_ORGANIZATION`` is set and ``org_id`` is not a string equal to it."""

    rule, code = 11, "invalid_org_id"
    description = "The token's 'org_id' claim is not this API's organization."


class DPoPBoundToken(InvalidToken):
    """A token bound to a DPoP key (``cnf.jkt``, RFC 9449 §6.1) presented as a Bearer token."""

    code = "dpop_bound_bearer"
    description = "token is DPoP-bound"


# -- DPoP (RFC 9449 §7.1): the DPoP challenge, with Bearer's after it when both schemes are accepted ----

#: Proof algorithms the API accepts, in the order the ``algs`` challenge parameter lists them.
DPOP_ALGORITHMS = ("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512")


def dpop_challenge(**params: str) -> str:
    """A ``DPoP`` challenge (RFC 9449 §7.1): ``realm``, ``algs``, then ``params`` in order."""
    members = {"realm": REALM, "algs": " ".join(DPOP_ALGORITHMS), **params}
    return "DPoP " + ", ".join(f'{name}="{value}"' for name, value in members.items())


class DPoPError(OAuth2Error):
    """A refused DPoP-scheme request (RFC 9449 §7.1); ``offer_bearer`` appends the Bearer challenge."""

    error = "invalid_dpop_proof"
    status_code = 401
    code = "invalid_dpop_proof"
    description = "The DPoP proof is invalid."

    def __init__(self, description: str | None = None, *, offer_bearer: bool = False) -> None:
        super().__init__(description=description or type(self).description)
        self.offer_bearer = offer_bearer

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error}, {self.description!r})"

    def challenge_params(self) -> dict[str, str]:
        """The challenge's parameters after ``realm`` and ``algs``."""
        return {"error": self.error, "error_description": str(self.description)}

    def get_headers(self) -> list[tuple[str, str]]:
        """JSON headers plus the DPoP challenge (and ``Bearer realm`` when Bearer is accepted too)."""
        header = dpop_challenge(**self.challenge_params())
        if self.offer_bearer:
            header += ", " + challenge()
        return [*super().get_headers(), ("WWW-Authenticate", header)]


class InvalidDPoPProof(DPoPError):
    """The ``DPoP`` proof is missing or fails a check of RFC 9449 §4.3: 401 ``invalid_dpop_proof``."""


class DPoPTokenRejected(DPoPError):
    """The access token of a DPoP request fails the policy or is not bound to the proof key: 401."""

    error = code = "invalid_token"
    description = "The access token is invalid."


class DPoPNonceRequired(DPoPError):
    """The proof lacks a current server nonce (RFC 9449 §9): 401 ``use_dpop_nonce`` plus ``DPoP-Nonce``."""

    error = code = "use_dpop_nonce"
    description = "The DPoP proof must carry the server's current nonce."

    def __init__(self, nonce: str, description: str | None = None, *, offer_bearer: bool = False) -> None:
        super().__init__(description, offer_bearer=offer_bearer)
        self.nonce = nonce

    def get_headers(self) -> list[tuple[str, str]]:
        """The DPoP challenge plus ``DPoP-Nonce`` with a fresh nonce (RFC 9449 §9)."""
        return [*super().get_headers(), ("DPoP-Nonce", self.nonce)]


class DPoPInvalidRequest(DPoPError):
    """A malformed DPoP request (several ``DPoP`` headers): 400 ``invalid_request`` (RFC 6750 §3.1)."""

    error = code = "invalid_request"
    status_code = 400
    description = "The request carries more than one DPoP header."


class DPoPInsufficientScope(DPoPError):
    """A valid DPoP request without the endpoint's scope: 403 ``insufficient_scope``."""

    error = code = "insufficient_scope"
    status_code = 403

    def __init__(self, scope: str, *, offer_bearer: bool = False) -> None:
        super().__init__(f"The access token lacks the scope '{scope}'.", offer_bearer=offer_bearer)
        self.scope = scope

    def challenge_params(self) -> dict[str, str]:
        """``error`` and ``scope``, as the Bearer insufficient-scope challenge has them."""
        return {"error": self.error, "scope": self.scope}


class DPoPCredentialsRequired(DPoPError):
    """``AUTH0_DPOP=required`` and no credentials: 401 with the bare DPoP challenge (RFC 6750 §3.1)."""

    error = code = "missing_authorization"
    description = "A DPoP-bound access token and a DPoP proof are required."

    def challenge_params(self) -> dict[str, str]:
        """None: a request without credentials gets no error code."""
        return {}
