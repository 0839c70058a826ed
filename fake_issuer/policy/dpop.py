"""The DPoP policy as a pure function: (request spec, policy, DPoP settings, now, state) -> verdict.

Written from RFC 9449 §4.3 (checking proofs), §7.1-§7.2 (the DPoP scheme and bound tokens as Bearer),
§8-§9 (nonces), §11.1 (replay) and RFC 7638 §3 (the ``cnf.jkt`` thumbprint), in the order the
project's policy lists them (docs/validation-policy.md, "DPoP"): the first failing check decides.
The access token itself is judged by the token oracle (``fake_issuer.policy.oracle.judge``); proofs
are ``TokenSpec``s like tokens, their key in the ``jwk`` header. It never imports the API.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal
from urllib.parse import urlsplit

from fake_issuer.dpop import DPOP_ALGORITHMS, PROOF_TYPE, access_token_hash, jwk_thumbprint, proof_jwk
from fake_issuer.encoding import b64url_decode
from fake_issuer.policy.contract import BEARER, Scheme
from fake_issuer.policy.oracle import (
    INSUFFICIENT_SCOPE,
    INVALID_TOKEN,
    NO_CREDENTIALS,
    OK,
    PRIVATE,
    PUBLIC,
    SCOPED,
    Number,
    Outcome,
    Policy,
    bearer_token,
    finite_number,
    json_object,
    judge,
    malformed,
    outcome,
    scope_granted,
)
from fake_issuer.policy.spec import TokenSpec

Mode = Literal["disabled", "allowed", "required"]
MODES: tuple[Mode, ...] = ("disabled", "allowed", "required")
INVALID_PROOF = Outcome(401, "invalid_dpop_proof")
USE_NONCE = Outcome(401, "use_dpop_nonce")
INVALID_REQUEST = Outcome(400, "invalid_request")
#: Members only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
#: Header members that fetch keys or add extensions; a proof's key is its ``jwk`` alone (RFC 9449 §4.3).
FORBIDDEN_PROOF_MEMBERS = ("crit", "jku", "x5u", "x5c")
CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MIN_RSA_BITS = 2048
DEFAULT_PORTS = {"http": "80", "https": "443"}
#: The origin Django's test client sends requests to (its default ``SERVER_NAME``).
ORIGIN = "http://testserver"


@dataclass(frozen=True)
class DPoPPolicy:
    """The API's DPoP settings: mode, allowed proof algorithms, ``iat`` window, nonce on or off."""

    mode: Mode = "allowed"
    algorithms: tuple[str, ...] = DPOP_ALGORITHMS
    iat_offset: Number = 300
    leeway: Number = 30
    nonce: bool = False


@dataclass(frozen=True)
class DPoPRequest:
    """A request: ``Authorization: <scheme> <token>``, zero or more ``DPoP`` headers, method and URL.

    ``raw_authorization``, when given, is the whole ``Authorization`` value sent instead (spacing,
    case, extra tokens: whatever the test draws); ``token`` is still the access token it is about,
    the one the proof's ``ath`` hashes, and the oracle judges the value by what it really carries.
    """

    token: TokenSpec | None
    proofs: tuple[TokenSpec, ...] = ()
    scheme: str | None = "DPoP"
    method: str = "GET"
    url: str = ORIGIN + PRIVATE
    raw_authorization: str | None = None

    @property
    def endpoint(self) -> str:
        """The path the request goes to."""
        return urlsplit(self.url).path

    @functools.cached_property
    def access_token(self) -> str:
        """The access token as sent (empty without one); encoded once, as its signature is the cost."""
        return self.token.encode() if self.token is not None else ""

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` value (None: no header)."""
        if self.raw_authorization is not None:
            return self.raw_authorization
        if self.scheme is None:
            return None
        return f"{self.scheme} {self.access_token}".rstrip(" ")

    def dpop_headers(self) -> tuple[str, ...]:
        """The ``DPoP`` header values, one per proof."""
        return tuple(proof.encode() for proof in self.proofs)


@dataclass(frozen=True)
class Verdict:
    """The outcome, the failing check (None when accepted), why, whose challenge, the (jkt, jti) stored."""

    outcome: Outcome
    check: str | None
    reason: str
    challenge: Literal["bearer", "dpop"] = "dpop"
    records: tuple[str, str] | None = None


# -- check 3: the proof's header (RFC 9449 §4.2, §4.3 points 4-6; RFC 7518 §3.1) ----------------------


def _rsa_bits(jwk: Mapping[str, object]) -> int:
    n = jwk.get("n")
    try:
        return int.from_bytes(b64url_decode(n), "big").bit_length() if isinstance(n, str) else 0
    except ValueError:
        return 0


def bad_proof_key(alg: str, jwk: object) -> str | None:
    """Why ``jwk`` is not a public key for ``alg`` (EC on its curve, RSA >= 2048 bits), or None."""
    if not isinstance(jwk, dict):
        return "jwk is not an object"
    private = [name for name in PRIVATE_MEMBERS if name in jwk]
    if private:
        return f"jwk carries private members {', '.join(private)}"
    if alg in CURVES:
        if jwk.get("kty") != "EC" or jwk.get("crv") != CURVES[alg]:
            return f"jwk is not an EC {CURVES[alg]} key for {alg}"
        if not (isinstance(jwk.get("x"), str) and isinstance(jwk.get("y"), str)):
            return "EC jwk lacks x or y"
        return None
    if jwk.get("kty") != "RSA" or not isinstance(jwk.get("e"), str):
        return f"jwk is not an RSA key for {alg}"
    if _rsa_bits(jwk) < MIN_RSA_BITS:
        return f"RSA jwk of {_rsa_bits(jwk)} bits is under {MIN_RSA_BITS}"
    return None


def bad_proof_header(header: Mapping[str, object], dpop: DPoPPolicy) -> str | None:
    """Check 3: why the proof's header is refused (``typ``, ``alg``, ``jwk``, forbidden members), or None."""
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() != PROOF_TYPE:
        return f"typ {typ!r} is not {PROOF_TYPE}"
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in dpop.algorithms:
        return f"alg {alg!r} is not allowed"
    if "jwk" not in header:
        return "jwk is missing"
    reason = bad_proof_key(alg, header["jwk"])
    if reason is not None:
        return reason
    forbidden = [name for name in FORBIDDEN_PROOF_MEMBERS if name in header]
    return f"header carries {', '.join(forbidden)}" if forbidden else None


# -- check 4: the signature, by the jwk (RFC 7515 §5.2 step 8) --------------------------------------


def bad_proof_signature(proof: TokenSpec, header: Mapping[str, object]) -> str | None:
    """Check 4: why the proof's signature does not verify with its own ``jwk``, or None."""
    signing, jwk = proof.signing, header["jwk"]
    assert isinstance(jwk, dict)  # check 3 passed
    if signing.tamper is not None:
        return f"signature tampered with ({signing.tamper})"
    if signing.algorithm != header["alg"] or signing.key is None:
        return f"signed with {signing.algorithm}, not {header['alg']}"
    signer = proof_jwk(signing.key)
    if any(jwk.get(name) != value for name, value in signer.items()):
        return "signed by another key than the jwk"
    return None


# -- check 5: jti, htm, htu, iat (RFC 9449 §4.2, §4.3 points 8-11; RFC 3986 §6.2.3) -----------------


def normalized_uri(uri: str) -> tuple[str, str | None, str, str, str] | None:
    """(scheme, userinfo and host, port, path) of ``uri`` as RFC 3986 §6.2.2-§6.2.3 compare them.

    Scheme and host lowercased, an empty or default port dropped; query and fragment left out.
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else None
    shown = "" if port is None or str(port) == DEFAULT_PORTS.get(scheme) else str(port)
    return scheme, userinfo, parts.hostname or "", shown, parts.path


def bad_proof_claims(
    claims: Mapping[str, object], request: DPoPRequest, dpop: DPoPPolicy, now: Number
) -> str | None:
    """Check 5: ``jti`` a non-empty string, ``htm`` the method, ``htu`` the URI, ``iat`` in its window."""
    jti, htm, htu = claims.get("jti"), claims.get("htm"), claims.get("htu")
    if not isinstance(jti, str) or not jti:
        return f"jti {jti!r} is not a non-empty string"
    if not isinstance(htm, str) or htm != request.method:
        return f"htm {htm!r} is not {request.method}"
    if not isinstance(htu, str) or normalized_uri(htu) != normalized_uri(request.url):
        return f"htu {htu!r} is not {request.url}"
    iat = finite_number(claims.get("iat")) if "iat" in claims else None
    at, leeway = Fraction(now), Fraction(dpop.leeway)
    if iat is None or not at - Fraction(dpop.iat_offset) - leeway <= iat <= at + leeway:
        return f"iat {claims.get('iat')!r} is not a finite number within the window"
    return None


# -- check 6: ath (RFC 9449 §4.2, §4.3 step 12) -------------------------------------------------------


def presented_hash(token: str) -> str | None:
    """The ``ath`` the token presented after the scheme owes: base64url(SHA-256(its ASCII octets)).

    None when ``token`` is not ASCII: RFC 9449 §4.2 hashes the ASCII encoding of an access token, and
    a token68 (RFC 9110 §11.4) is ASCII, so such a value has no hash any ``ath`` could equal.
    """
    return access_token_hash(token) if token.isascii() else None


# -- the whole request --------------------------------------------------------------------------------


def judge_dpop(
    request: DPoPRequest,
    policy: Policy,
    dpop: DPoPPolicy,
    now: Number,
    *,
    seen: Collection[tuple[str, str]] = (),
    nonces: Collection[str] = (),
) -> Verdict:
    """What the API must answer to ``request`` at ``now``, given the (jkt, jti) pairs it has ``seen``."""
    endpoint = request.endpoint
    if endpoint == PUBLIC:
        return Verdict(OK, None, "public endpoint", "bearer")
    credentials = (request.authorization or "").strip(" \t")
    scheme, _, rest = credentials.partition(" ")
    if scheme.lower() == "bearer":  # RFC 9110 §11.1: schemes compare case-insensitively
        if dpop.mode == "required":
            return Verdict(INVALID_TOKEN, "scheme", "Bearer tokens are not accepted; use DPoP")
        return _bearer(request, policy, now)
    if scheme.lower() != "dpop" or dpop.mode == "disabled":
        if dpop.mode == "required":
            return Verdict(NO_CREDENTIALS, "scheme", "no DPoP credentials")
        return Verdict(NO_CREDENTIALS, "scheme", "no credentials", "bearer")
    token = rest.lstrip(" ")  # rule 1's spacing: 1*SP between scheme and token (RFC 9110 §11.4)
    if not token or " " in token:
        return Verdict(INVALID_TOKEN, "authorization", "not exactly one token after DPoP")
    return _checked(request, token, policy, dpop, now, seen, nonces)


def _checked(
    request: DPoPRequest,
    token: str,
    policy: Policy,
    dpop: DPoPPolicy,
    now: Number,
    seen: Collection[tuple[str, str]],
    nonces: Collection[str],
) -> Verdict:
    """Checks 1-9 for a DPoP-scheme request carrying ``token`` (the text after the scheme)."""
    if len(request.proofs) != 1:
        if request.proofs:
            return Verdict(INVALID_REQUEST, "proof 1: one DPoP header", "several DPoP headers")
        return Verdict(INVALID_PROOF, "proof 1: one DPoP header", "DPoP proof missing")
    proof = request.proofs[0]
    reason = malformed(proof)
    if reason is not None:
        return Verdict(INVALID_PROOF, "proof 2: compact JWS", reason)
    header = json_object(proof.header_bytes()) or {}
    claims = json_object(proof.payload_bytes()) or {}
    reason = bad_proof_header(header, dpop)
    if reason is not None:
        return Verdict(INVALID_PROOF, "proof 3: header", reason)
    reason = bad_proof_signature(proof, header)
    if reason is not None:
        return Verdict(INVALID_PROOF, "proof 4: signature", reason)
    reason = bad_proof_claims(claims, request, dpop, now)
    if reason is not None:
        return Verdict(INVALID_PROOF, "proof 5: jti, htm, htu, iat", reason)
    owed = presented_hash(token)
    if owed is None or claims.get("ath") != owed:
        return Verdict(INVALID_PROOF, "proof 6: ath", f"ath {claims.get('ath')!r} is not the token's hash")
    nonce = claims.get("nonce")
    if dpop.nonce and not (isinstance(nonce, str) and nonce in nonces):
        return Verdict(USE_NONCE, "proof 7: nonce", f"nonce {claims.get('nonce')!r} is not current")
    if request.token is None or token != request.access_token:
        # The header carries other text than the request's token (``raw_authorization``: garbage).
        return Verdict(INVALID_TOKEN, "token", "the Authorization header carries another token")
    judgement = judge(request.token, policy, now)
    if judgement.rule is not None:
        return Verdict(INVALID_TOKEN, f"token: rule {judgement.rule}", judgement.reason)
    jkt, jti = jwk_thumbprint(header["jwk"]), str(claims["jti"])
    cnf = (judgement.claims or {}).get("cnf")
    if not isinstance(cnf, dict) or cnf.get("jkt") != jkt:
        return Verdict(INVALID_TOKEN, "token: cnf.jkt", "token not bound to the proof key")
    # The scope (403) before the replay check: a refused request never spends its jti (check 9).
    if request.endpoint == SCOPED and not scope_granted(judgement.claims or {}, policy.required_scope):
        return Verdict(INSUFFICIENT_SCOPE, "scope", "read:messages not granted")
    if (jkt, jti) in seen:
        return Verdict(INVALID_PROOF, "proof 9: replay", "proof replayed")
    return Verdict(OK, None, "valid", records=(jkt, jti))


def _bearer(request: DPoPRequest, policy: Policy, now: Number) -> Verdict:
    """A Bearer request: the token oracle's outcome, a DPoP-bound token refused (RFC 9449 §7.2)."""
    token = bearer_token(request.authorization)
    if isinstance(token, Outcome) or request.token is None:
        return Verdict(INVALID_TOKEN, "authorization", "not exactly one token after Bearer", "bearer")
    if token != request.access_token:  # ``raw_authorization`` carrying other text than the token
        return Verdict(INVALID_TOKEN, "token", "the Authorization header carries another token", "bearer")
    judgement = judge(request.token, policy, now)
    if judgement.rule is not None:
        return Verdict(INVALID_TOKEN, f"token: rule {judgement.rule}", judgement.reason, "bearer")
    cnf = (judgement.claims or {}).get("cnf")
    if isinstance(cnf, dict) and "jkt" in cnf:
        return Verdict(INVALID_TOKEN, "token: cnf.jkt", "token is DPoP-bound", "bearer")
    wanted = outcome(judgement, policy, request.endpoint)
    return Verdict(wanted, None if wanted == OK else "scope", "valid", "bearer")


def dpop_challenges(dpop: DPoPPolicy) -> Scheme:
    """The challenge a failed DPoP-scheme request owes: DPoP's, then Bearer's when Bearer is allowed."""
    return Scheme("DPoP", dpop.algorithms, with_bearer=dpop.mode == "allowed")


def challenge_of(verdict: Verdict, dpop: DPoPPolicy) -> Scheme:
    """The challenge ``verdict``'s answer owes (RFC 9449 §7.1; RFC 6750 §3 for Bearer answers)."""
    return BEARER if verdict.challenge == "bearer" else dpop_challenges(dpop)
