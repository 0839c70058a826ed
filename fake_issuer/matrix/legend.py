"""The decision table's legend: what every facet value and every report term means (RFC 7519 §4.1).

The report prints the rows for the facets it shows, so a reader never has to open the code to learn
what ``superstring`` or ``inside leeway`` stood for. ``now`` is the instant the matrix is judged at;
``leeway`` is the API's clock-skew allowance (60 s by default; docs/validation-policy.md, rules 8-9).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: What each report term means; listed after the facet values.
TERMS = {
    "combination": "one cell of a matrix: one named value per facet, one distinct signed token",
    "decides alone": (
        "every combination with this value has the same expected outcome, named in the column; "
        "empty when the outcome also depends on other facets"
    ),
    "first failing rule": (
        "the first rule of docs/validation-policy.md the oracle found broken, in rule order; "
        "'scope' is a valid token without read:messages on /api/private-scoped (403); 'valid' passes all"
    ),
    "disagreement": (
        "an answer whose status, error code, WWW-Authenticate challenge or JSON body is not the one owed"
    ),
    "time matrix": (
        "exp x nbf x iat at their leeway edges, crossed with two values of every other facet: a "
        "separate full product, so the time rules are covered without multiplying the claim matrix 5-8x"
    ),
}

_SIGNATURES = {
    "issuer key": "RS256 with the tenant's published 2048-bit key: the good signature",
    "foreign key, trusted kid": "RS256 by an attacker's key, the header naming the tenant's kid",
    "unknown kid": "RS256 by an attacker's key under a kid the JWKS does not publish",
    "weak 1024-bit key": "RS256 by a published RSA key of 1024 bits (refused: under 2048 bits)",
    "EC key": "ES256 by a published EC P-256 key (refused: only RS256 is allowed)",
    "HS256 with the public key": "HMAC keyed with the RSA public key's PEM (RS/HS confusion, CVE-2016-10555)",
    "alg none": "an unsigned token with alg none (RFC 7519 §6)",
    "tampered: flip_bit": "the good signature with one bit of its last byte flipped",
}

#: What each facet value means, by (facet, value name).
VALUES: dict[tuple[str, str], str] = {
    **{("signature", name): meaning for name, meaning in _SIGNATURES.items()},
    ("iss", "exact"): "the configured issuer, byte for byte",
    ("iss", "missing"): "no iss claim",
    ("iss", "without trailing slash"): "the issuer without its final '/'",
    ("iss", "superstring"): "the issuer with more text after it (a prefix match lets it through)",
    ("iss", "in an array"): "a JSON array holding the issuer (iss must be a string)",
    ("aud", "exact"): "the audience as a string",
    ("aud", "in a list"): "an array with the audience and Auth0's userinfo URL",
    ("aud", "missing"): "no aud claim",
    ("aud", "other API"): "another API's audience",
    ("aud", "empty list"): "an empty array",
    ("aud", "trailing slash"): "the audience with a '/' appended",
    ("exp", "valid"): "now + 1 h",
    ("exp", "inside leeway"): "in the past, but less than the leeway ago: accepted",
    ("exp", "expired"): "leeway + 1 s ago",
    ("exp", "at the leeway edge"): "exactly now - leeway: refused (now < exp + leeway fails)",
    ("exp", "missing"): "no exp claim (exp is required)",
    ("exp", "string"): "a valid time as a JSON string (must be a number)",
    ("nbf", "absent"): "no nbf claim",
    ("nbf", "past"): "now - 10 s: present and valid",
    ("nbf", "inside leeway"): "exactly now + leeway, the last accepted instant",
    ("nbf", "beyond leeway"): "now + leeway + 1 s: not yet valid",
    ("nbf", "a hair beyond leeway"): "now + leeway + 0.5 s: not yet valid (a float, compared exactly)",
    ("iat", "absent"): "no iat claim",
    ("iat", "past"): "now - 10 s",
    ("iat", "inside leeway future"): "exactly now + leeway, the last accepted instant",
    ("iat", "beyond leeway future"): "now + leeway + 1 s: issued in the future",
    ("iat", "a hair beyond leeway future"): "now + leeway + 0.5 s: issued in the future (exact compare)",
    ("scope", "exact"): "read:messages alone",
    ("scope", "among others"): "read:messages between other space-separated scopes",
    ("scope", "missing"): "no scope claim",
    ("scope", "superstring"): "read:messages.all (a substring match lets it through)",
    ("scope", "comma-separated"): "read:messages,write:messages (commas are not separators)",
}


def legend_rows(
    facets: Iterable[tuple[str, str]], extra: Mapping[tuple[str, str], str] | None = None
) -> list[list[str]]:
    """Legend rows ``[term, meaning]`` for the given (facet, value) pairs, then the report's terms."""
    meanings = VALUES | dict(extra or {})
    rows = [[f"{facet} = {value}", meanings[facet, value]] for facet, value in dict.fromkeys(facets)]
    return rows + [[term, meaning] for term, meaning in TERMS.items()]
