"""The DPoP matrix: scheme x proof facet x binding x token, for one ``AUTH0_DPOP`` mode (RFC 9449 §4.3, §7).

Every combination is one request (a bound access token in ``Authorization``, proofs in ``DPoP``) put
to the two protected endpoints (the public one ignores credentials: the claim matrix shows it), each
endpoint with its own proof (``htu`` names it) and a ``jti`` of its own,
and compared with the DPoP oracle (``fake_issuer.policy.dpop.judge_dpop``). The ``replayed`` proof is
first sent once to the same endpoint, and the oracle is told what that first request recorded. Results
are ``fake_issuer.matrix.matrix.Result``s, so the decision table reports the DPoP matrices as it reports
the claim matrix; the failing check stands in for the rule number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from fake_issuer.dpop import key_thumbprint, proof_jwk
from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.keys import SigningKey
from fake_issuer.matrix.matrix import NOW, Combination, Facets, Result, combinations
from fake_issuer.policy.contract import Answer, breaches
from fake_issuer.policy.dpop import ORIGIN, DPoPPolicy, DPoPRequest, Mode, challenge_of, judge_dpop
from fake_issuer.policy.oracle import PROTECTED, Policy
from fake_issuer.policy.proofs import ProofKeys, bound_token_spec, proof_keys, proof_spec
from fake_issuer.policy.spec import ABSENT, KeyRing, Signing, TokenSpec, key_ring

SendDPoP = Callable[[DPoPRequest], Answer]


@dataclass(frozen=True)
class ProofFacet:
    """A named way to make the proof(s) of a request, and what it means for the legend."""

    meaning: str
    header: dict[str, object] | None = None
    claims: dict[str, object] | None = None
    signing: str | None = None
    count: int = 1


def proof_facets(dpop: DPoPPolicy, now: int) -> dict[str, ProofFacet]:
    """The proof facet's values: the valid proof and one spoiled member each (RFC 9449 §4.3)."""
    oldest, newest = now - int(dpop.iat_offset) - int(dpop.leeway), now + int(dpop.leeway)
    return {
        "valid": ProofFacet("a proof as RFC 9449 §4.2 describes it, ES256, for this request and token"),
        "missing": ProofFacet("no DPoP header (RFC 9449 §7.1)", count=0),
        "two headers": ProofFacet("two DPoP headers, both valid (RFC 9449 §4.3 point 1: 400)", count=2),
        "typ JWT": ProofFacet("typ JWT instead of dpop+jwt (§4.3 point 4)", header={"typ": "JWT"}),
        "alg none": ProofFacet(
            "alg none, no signature (§4.3 point 5)", header={"alg": "none"}, signing="none"
        ),
        "HS256, symmetric jwk": ProofFacet(
            "HS256 keyed with an oct jwk carried in the proof (§4.3 point 5: no MAC)",
            header={"alg": "HS256", "jwk": {"kty": "oct", "k": "c2VjcmV0"}},
            signing="hs256",
        ),
        "private key in jwk": ProofFacet(
            "jwk with the private members too (§4.3 point 7)", signing="private"
        ),
        "jwk missing": ProofFacet("no jwk header (§4.3 point 6)", header={"jwk": ABSENT}),
        "another key signs": ProofFacet(
            "the jwk is the client's, another key signs (§4.3 point 7)", signing="other"
        ),
        "tampered: flip_bit": ProofFacet(
            "the valid proof with a bit of its signature flipped", signing="flip_bit"
        ),
        "htm POST": ProofFacet("htm POST for a GET (§4.3 point 8)", claims={"htm": "POST"}),
        "htu other path": ProofFacet("htu names another endpoint (§4.3 point 9)", claims={"htu": "other"}),
        "htu with query": ProofFacet(
            "htu with ?query and #fragment: compared without them", claims={"htu": "query"}
        ),
        "htu default port": ProofFacet(
            "htu spelling out :80, uppercase host: the same URI", claims={"htu": "port"}
        ),
        "iat stale": ProofFacet("iat offset + leeway + 1 s ago (§4.3 point 11)", claims={"iat": oldest - 1}),
        "iat oldest accepted": ProofFacet(
            "iat exactly offset + leeway ago: accepted", claims={"iat": oldest}
        ),
        "iat future": ProofFacet("iat leeway + 1 s ahead", claims={"iat": newest + 1}),
        "iat newest accepted": ProofFacet("iat exactly leeway ahead: accepted", claims={"iat": newest}),
        "jti missing": ProofFacet("no jti (§4.3 point 10)", claims={"jti": ABSENT}),
        "ath missing": ProofFacet("no ath with an access token (§4.3 point 12)", claims={"ath": ABSENT}),
        "ath of another token": ProofFacet("ath of another token (§4.3 point 12)", claims={"ath": "other"}),
        "replayed": ProofFacet("the valid proof, sent a second time (§11.1)"),
    }


#: The Authorization scheme facet: the value's scheme (None: no Authorization header).
SCHEMES: dict[str, str | None] = {"DPoP": "DPoP", "dpop": "dpop", "Bearer": "Bearer", "absent": None}
BINDINGS = {
    "proof key": "cnf.jkt is the proof key's RFC 7638 thumbprint",
    "another key": "cnf.jkt is another key's thumbprint",
    "unbound": "no cnf claim",
    "cnf not an object": "cnf is the thumbprint as a bare string",
}
TOKENS = {
    "valid": "a valid access token with read:messages (every policy rule holds)",
    "no read:messages": "a valid access token whose scope is openid only (403 on /api/private-scoped)",
    "expired": "exp leeway + 1 s ago (rule 8)",
}


class DPoPMatrix:
    """The DPoP matrix for one ``AUTH0_DPOP`` mode, with the tenant's key ring and the API's policy."""

    def __init__(
        self,
        policy: Policy,
        ring: KeyRing,
        dpop: DPoPPolicy,
        *,
        keys: ProofKeys | None = None,
        now: int = NOW,
    ) -> None:
        self.policy, self.ring, self.dpop, self.now = policy, ring, dpop, now
        self.keys = keys or proof_keys()
        self.name = f"DPoP matrix, AUTH0_DPOP={dpop.mode}"
        self.proofs = proof_facets(dpop, now)
        self.table: Facets = {
            "scheme": dict(SCHEMES),
            "proof": dict(self.proofs),
            "binding": dict(BINDINGS),
            "token": dict(TOKENS),
        }
        self.combinations = combinations(self.table)
        self._tokens: dict[tuple[str, str], TokenSpec] = {}

    def __len__(self) -> int:
        return len(self.combinations)

    @property
    def legend(self) -> dict[tuple[str, str], str]:
        """The legend's entries for this matrix's values."""
        meanings = {"scheme": {name: f"Authorization: {name} <token>" for name in SCHEMES}}
        meanings["scheme"]["absent"] = "no Authorization header"
        meanings |= {"proof": {name: facet.meaning for name, facet in self.proofs.items()}}
        meanings |= {"binding": BINDINGS, "token": TOKENS}
        return {(facet, value): text for facet, values in meanings.items() for value, text in values.items()}

    def token(self, binding: str, token: str) -> TokenSpec:
        """The access token for a binding and token value (built once: its RS256 signature is the cost)."""
        if (binding, token) not in self._tokens:
            jkt = key_thumbprint(self.keys.es256)
            cnf: object = {
                "proof key": {"jkt": jkt},
                "another key": {"jkt": key_thumbprint(self.keys.other)},
                "unbound": ABSENT,
                "cnf not an object": jkt,
            }[binding]
            changes: dict[str, dict[str, object]] = {
                "valid": {},
                "no read:messages": {"scope": "openid"},
                "expired": {"exp": self.now - int(self.policy.leeway) - 1},
            }
            claims = {"cnf": cnf} | changes[token]
            self._tokens[binding, token] = bound_token_spec(
                self.policy, self.ring, self.now, key=None, claims=claims
            )
        return self._tokens[binding, token]

    def request(self, combination: Combination, endpoint: str) -> DPoPRequest:
        """The request ``combination`` sends to ``endpoint``."""
        picked = dict(combination.values)
        token = self.token(picked["binding"], picked["token"])
        facet = self.proofs[picked["proof"]]
        url = ORIGIN + endpoint
        jti = f"matrix-{self.dpop.mode}-{combination.index}-{endpoint}"
        proof = self._proof(facet, url, token.encode(), jti)
        proofs = (proof, self._proof(facet, url, token.encode(), jti + "-2"))[: facet.count]
        return DPoPRequest(token, proofs, scheme=SCHEMES[picked["scheme"]], url=url)

    def _proof(self, facet: ProofFacet, url: str, access: str, jti: str) -> TokenSpec:
        key = self.keys.es256
        claims = dict(facet.claims or {})
        htu = {"other": ORIGIN + "/api/other", "query": url + "?q=1#f", "port": _port_spelled(url)}
        if claims.get("htu") in htu:
            claims["htu"] = htu[str(claims["htu"])]
        if claims.get("ath") == "other":
            claims["ath"] = key_thumbprint(self.keys.other)  # 43 base64url characters, like a real ath
        signing = _signing(facet.signing, key, self.keys.other)
        header = dict(facet.header or {})
        if facet.signing == "private":
            header["jwk"] = proof_jwk(key, embed_private=True)
        return proof_spec(
            key,
            htm="GET",
            htu=url,
            iat=self.now,
            jti=jti,
            access_token=access,
            claims=claims,
            header=header,
            signing=signing,
        )

    def check(self, combination: Combination, send: SendDPoP) -> Iterator[Result]:
        """Put ``combination``'s request to every endpoint; one ``Result`` per endpoint."""
        for endpoint in PROTECTED:
            request = self.request(combination, endpoint)
            seen: set[tuple[str, str]] = set()
            if dict(combination.values)["proof"] == "replayed":
                first = judge_dpop(request, self.policy, self.dpop, self.now)
                send(request)
                seen |= {first.records} if first.records else set()
            verdict = judge_dpop(request, self.policy, self.dpop, self.now, seen=seen)
            answer = send(request)
            found = tuple(breaches(answer, verdict.outcome, self.policy, challenge_of(verdict, self.dpop)))
            rule = None if verdict.check == "scope" else verdict.check
            yield Result(combination, endpoint, verdict.outcome, answer.outcome, rule, found)

    def run(self, chosen: Sequence[Combination], send: SendDPoP) -> list[Result]:
        """Check every combination in ``chosen``."""
        return [result for combination in chosen for result in self.check(combination, send)]


def _port_spelled(url: str) -> str:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    return f"{scheme}://{host.upper()}:80/{path}"


def _signing(kind: str | None, key: SigningKey, other: SigningKey) -> Signing | None:
    if kind == "none":
        return Signing("none")
    if kind == "hs256":
        return Signing("HS256", secret=b"secret")
    if kind == "other":
        return Signing("ES256", key=other)
    if kind == "flip_bit":
        return Signing("ES256", key=key, tamper="flip_bit")
    return None


def default_dpop_matrices() -> list[DPoPMatrix]:
    """The DPoP matrix of the default fake tenant in each mode (``allowed`` first: the default)."""
    ring = key_ring(DEFAULT_ISSUER)
    policy = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, ring.published)
    modes: tuple[Mode, ...] = ("allowed", "required", "disabled")
    return [DPoPMatrix(policy, ring, DPoPPolicy(mode=mode)) for mode in modes]
