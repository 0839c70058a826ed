"""Any API's token policy in plain values: tokens, ``Authorization`` values, answers owed (RFC 6750 §3).

``APIPolicy`` states what an API accepts (issuer, audience, leeway, the scope each endpoint requires,
accepted ``typ`` values, realm); ``token()`` builds one token, the ``*_tokens()`` methods are Hypothesis
strategies (extra ``fake-issuer[hypothesis]``) and ``expect()`` is the oracle's answer for a token at an
endpoint, naming the rule that decides it. "Valid" means valid for any correct validator: RFC 7519
§4.1 claims with their JSON types, and RFC 9068 §2.2's ``iss``, ``exp``, ``aud``, ``sub``,
``client_id``, ``iat`` and a string ``jti``, under an accepted ``typ``. The rules are numbered as in
``docs/validation-policy.md``.
"""

from __future__ import annotations

import functools
import itertools
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fake_issuer.encoding import b64url_decode, b64url_encode
from fake_issuer.keys import SigningKey
from fake_issuer.policy.oracle import (
    INVALID_TOKEN,
    Judgement,
    Outcome,
    Policy,
    bearer_token,
    json_object,
    judge,
    outcome,
)
from fake_issuer.policy.spec import Signing, TokenSpec, key_ring

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

#: What each rule checks (``docs/validation-policy.md``, "Rule 1".."Rule 11").
RULES = {
    1: "Authorization header",
    2: "compact JWS of JSON objects",
    3: "header (alg, kid, typ, no key-bearing members)",
    4: "usable key",
    5: "signature",
    6: "iss",
    7: "aud",
    8: "exp",
    9: "nbf and iat",
    10: "claim types (scope, sub)",
    11: "org_id (Auth0 Organizations)",
}
#: RFC 9068 §2.1 ``at+jwt`` first; ``JWT`` is what Auth0 sends.
DEFAULT_TYPS = ("at+jwt", "application/at+jwt", "JWT")
CLIENT_ID = "fake-client"
_SERIAL = itertools.count()
_ERROR = re.compile(r'error="([^"]*)"')


class Token(str):
    """A compact JWS (the string itself), the spec it was built from and the instant it is judged at."""

    spec: TokenSpec
    now: int

    def __new__(cls, spec: TokenSpec, now: int, text: str | None = None) -> Token:
        """The token ``spec`` encodes (or ``text``, when received rather than built), judged at ``now``."""
        token = super().__new__(cls, spec.encode() if text is None else text)
        token.spec, token.now = spec, now
        return token

    def __repr__(self) -> str:
        header, claims = self.spec.header, self.spec.claims
        return f"Token(header={header!r}, claims={claims!r}, at={self.now})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # how Hypothesis prints a falsifying example: the claims, not base64

    @property
    def authorization(self) -> str:
        """``Bearer <token>``, the ``Authorization`` value (RFC 6750 §2.1)."""
        return f"Bearer {self}"


@dataclass(frozen=True)
class Expectation:
    """The answer an endpoint owes: status, RFC 6750 error code, the rule that decides and why."""

    endpoint: str
    status: int
    error: str | None
    rule: int | None
    reason: str
    realm: str | None = None
    scope: str | None = None

    def __str__(self) -> str:
        answer = f"{self.status} {self.error}" if self.error else str(self.status)
        why = f"Rule {self.rule}, {RULES[self.rule]}: {self.reason}" if self.rule else self.reason
        return f"{self.endpoint} owes {answer} ({why})"

    def problems(self, status: int, www_authenticate: str | object | None = ...) -> list[str]:
        """How an answer departs from this one; the challenge is checked when given (None: absent).

        A 401 must carry a Bearer challenge (RFC 9110 §11.6.1), with the policy's realm when it
        names one; an ``error`` parameter, which RFC 6750 §3 makes a SHOULD, must be the one owed.
        """
        found = [f"status {status}"] if status != self.status else []
        if www_authenticate is ... or self.status not in (401, 403):
            return found
        challenge = www_authenticate if isinstance(www_authenticate, str) else ""
        error = _ERROR.search(challenge)
        if not challenge and self.status == 401:
            found.append("no WWW-Authenticate challenge")
        elif challenge and not challenge.lower().startswith("bearer"):
            found.append(f"WWW-Authenticate {challenge!r} is not a Bearer challenge")
        elif challenge and self.realm is not None and f'realm="{self.realm}"' not in challenge:
            found.append(f"WWW-Authenticate {challenge!r} lacks realm={self.realm!r}")
        elif error and error.group(1) != (self.error or ""):
            found.append(f"WWW-Authenticate {challenge!r} names error {error.group(1)!r}")
        return found

    def check(self, status: int, www_authenticate: str | object | None = ...) -> None:
        """Raise ``AssertionError`` naming the rule unless the answer is this one (see ``problems``)."""
        found = self.problems(status, www_authenticate)
        if found:
            raise AssertionError(f"{self}; got {', '.join(found)}")


@dataclass(frozen=True)
class APIPolicy:
    """What an API accepts, in plain values; builds tokens and says what each endpoint owes them.

    ``endpoints`` maps each protected path to the scope it requires (None: any valid token);
    ``public`` paths answer 200 whatever is sent. ``keys`` are the keys the API's JWKS publishes
    (default: the key ``FakeIssuer(issuer)`` and the ``fake_issuer`` fixture sign with); tokens are
    signed with the first. ``window`` is how long, in seconds, a drawn token's verdict must hold, so
    the API's clock moving on during the test never changes the answer owed. ``organization`` is an
    Auth0 Organization id (rule 11): when set, a token's ``org_id`` must be a string equal to it, and
    the tokens built and drawn as valid carry it; None (the default): ``org_id`` is not looked at.
    """

    issuer: str
    audience: str
    endpoints: Mapping[str, str | None]
    leeway: int = 60
    typs: Sequence[str] = DEFAULT_TYPS
    realm: str | None = None
    public: Sequence[str] = ()
    keys: Sequence[SigningKey] = ()
    window: int = 120
    organization: str | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    @classmethod
    def of(cls, tenant: Any, *, endpoints: Mapping[str, str | None], **options: Any) -> APIPolicy:
        """The policy of an API that trusts ``tenant`` (a ``FakeIssuer`` or an ``IssuerServer``)."""
        issuer = tenant if isinstance(tenant.issuer, str) else tenant.issuer
        keys = [issuer.signing_key, *(key for key in issuer.keys if key is not issuer.signing_key)]
        return cls(issuer.issuer, issuer.audience, endpoints, keys=keys, **options)

    @functools.cached_property
    def signing_key(self) -> SigningKey:
        """The key tokens are signed with: the first of ``keys``, or ``FakeIssuer(issuer)``'s."""
        return self.keys[0] if self.keys else key_ring(self.issuer).issuer

    @functools.cached_property
    def oracle(self) -> Policy:
        """The oracle's ``Policy`` behind this one (RS256 only; each published key by kid)."""
        published = self.oracle_keys
        scopes = [scope for scope in self.endpoints.values() if scope is not None]
        return Policy.for_keys(
            self.issuer,
            self.audience,
            published,
            required_scope=scopes[0] if scopes else "",
            leeway=self.leeway,
            realm=self.realm or "",
            endpoints=dict(self.endpoints),
            public=frozenset(self.public),
            typs=frozenset(typ.lower() for typ in self.typs),
            organization=self.organization,
        )

    @property
    def scopes(self) -> list[str]:
        """Every scope an endpoint requires, once each, in the order stated."""
        return list(dict.fromkeys(scope for scope in self.endpoints.values() if scope is not None))

    def now(self) -> int:
        """The clock, in whole seconds."""
        return int(self.clock())

    # -- one token --------------------------------------------------------------------------------

    def valid_claims(self, now: int, *, scope: str | None = None) -> dict[str, object]:
        """RFC 9068 §2.2 claims valid at ``now`` for a day; ``scope`` defaults to every endpoint's."""
        claims: dict[str, object] = {
            "iss": self.issuer,
            "sub": f"{CLIENT_ID}@clients",
            "aud": self.audience,
            "client_id": CLIENT_ID,
            "iat": now,
            "exp": now + 86400,
            "jti": f"jti-{now}-{next(_SERIAL)}",
        }
        scope = " ".join(self.scopes) if scope is None else scope
        if scope:
            claims["scope"] = scope
        if self.organization is not None:
            claims["org_id"] = self.organization
        return claims

    def header(self) -> dict[str, object]:
        """A valid header: RS256, the signing key's ``kid``, the first accepted ``typ``."""
        return {"alg": "RS256", "typ": self.typs[0], "kid": self.signing_key.kid}

    def token(
        self,
        *,
        scope: str | None = None,
        claims: Mapping[str, object] | None = None,
        drop: Iterable[str] = (),
        header: Mapping[str, object] | None = None,
        key: SigningKey | None = None,
        now: int | None = None,
    ) -> Token:
        """One token, valid unless told otherwise: ``claims``/``header`` replace members, ``drop`` removes."""
        at = self.now() if now is None else now
        body = {**self.valid_claims(at, scope=scope), **(claims or {})}
        for name in drop:
            body.pop(name, None)
        head = {**self.header(), **(header or {})}
        return Token(TokenSpec(head, body, Signing("RS256", key=key or self.signing_key)), at)

    def parse(self, token: str, *, now: int | None = None) -> Token:
        """A token received from elsewhere (a tenant's ``/oauth/token``, say) as one the oracle judges.

        Raises ``ValueError`` unless it is three canonical base64url segments (rule 2). Its signature
        counts as made by the published key its ``kid`` names only if it verifies with that key.
        """
        segments = token.split(".")
        try:
            raw = [b64url_decode(segment) for segment in segments]
        except ValueError:
            raw = []
        if len(raw) != 3 or [b64url_encode(part) for part in raw] != segments:
            raise ValueError("not a compact JWS of three canonical base64url segments (rule 2)")
        header = json_object(raw[0]) or {}
        key = next((key for key in self.oracle_keys if key.kid == header.get("kid")), None)
        signed_by = key if key is not None and _verifies(key, token.rpartition(".")[0], raw[2]) else None
        spec = TokenSpec(raw[0], raw[1], Signing("RS256", key=signed_by))
        return Token(spec, self.now() if now is None else now, token)

    @property
    def oracle_keys(self) -> Sequence[SigningKey]:
        """The keys the API's JWKS publishes."""
        return self.keys or [self.signing_key]

    # -- the oracle -------------------------------------------------------------------------------

    def judge(self, token: Token) -> Judgement:
        """The first rule ``token`` breaks at the instant it was made for (rule None: valid)."""
        return judge(token.spec, self.oracle, token.now)

    def expect(self, token: Token | None, endpoint: str, *, authorization: str | None = None) -> Expectation:
        """What ``endpoint`` owes a request carrying ``token``: as ``Bearer <token>``, or ``authorization``.

        ``authorization`` is the whole header value sent (rule 1 reads it); ``token=None`` with no
        ``authorization`` is a request without credentials.
        """
        protected, scope = self.oracle.protection(endpoint)
        value = authorization if authorization is not None else token.authorization if token else None
        if not protected:
            return Expectation(endpoint, 200, None, None, "public endpoint")
        carried = bearer_token(value)
        if isinstance(carried, Outcome):
            reason = (
                "no Bearer credentials" if carried.error is None else "not exactly one token after Bearer"
            )
            return self._expectation(endpoint, carried, 1, reason)
        if token is None or carried != token:  # the header holds something else than the token
            return self._expectation(endpoint, INVALID_TOKEN, 2, f"{carried[:20]!r}... is not the token")
        judgement = self.judge(token)
        answer = outcome(judgement, self.oracle, endpoint)
        if answer.error == "insufficient_scope":
            granted = (judgement.claims or {}).get("scope")
            return self._expectation(endpoint, answer, None, f"scope {granted!r} lacks {scope}", scope)
        return self._expectation(endpoint, answer, judgement.rule, judgement.reason)

    def _expectation(
        self, endpoint: str, answer: Outcome, rule: int | None, reason: str, scope: str | None = None
    ) -> Expectation:
        return Expectation(endpoint, answer.status, answer.error, rule, reason, self.realm, scope)

    # -- Hypothesis strategies (extra fake-issuer[hypothesis]) ------------------------------------

    def valid_tokens(self) -> SearchStrategy[Token]:
        """Tokens every correct validator accepts (RFC 7519, RFC 9068); scopes vary, so 200 or 403."""
        from fake_issuer.policy import drawing

        return drawing.valid_tokens(self).map(_token)

    def claim_tokens(self) -> SearchStrategy[Token]:
        """Well-signed tokens whose registered claims vary over valid and invalid values and types."""
        from fake_issuer.policy import drawing

        return drawing.claim_tokens(self).map(_token)

    def tokens(self) -> SearchStrategy[Token]:
        """Any token: claims, header, encodings and signature spoiled a few at a time (the strict rules)."""
        from fake_issuer.policy import drawing

        return drawing.any_tokens(self).map(_token)

    def authorizations(self) -> SearchStrategy[tuple[str, Token]]:
        """``(Authorization value, token)``: scheme case, spacing and extra tokens around a valid token."""
        from fake_issuer.policy import drawing

        return self.valid_tokens().flatmap(
            lambda token: drawing.authorization_values(str(token)).map(lambda value: (value, token))
        )


def _verifies(key: SigningKey, signing_input: str, signature: bytes) -> bool:
    public = key.private_key.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    try:
        public.verify(signature, signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _token(drawn: tuple[TokenSpec, int]) -> Token:
    return Token(*drawn)
