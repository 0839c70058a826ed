"""Hypothesis strategies for DPoP requests: proofs, their members, bindings (RFC 9449 §4.2-§4.3, §6.1).

Like ``fake_issuer.policy.strategies``, each member strategy draws the valid value and the near misses
broken checks let through; whether a value is valid is the DPoP oracle's call
(``fake_issuer.policy.dpop.judge_dpop``), never the strategy's. ``dpop_requests`` starts from a valid
DPoP request (a bound token and one proof for it) and spoils a few parts, so valid requests are
common and a failure shrinks to the fewest spoiled parts.
"""

from __future__ import annotations

from hypothesis import strategies as st

from fake_issuer.dpop import access_token_hash, key_thumbprint, proof_jwk
from fake_issuer.keys import SigningKey
from fake_issuer.policy.dpop import DPoPPolicy, DPoPRequest
from fake_issuer.policy.oracle import PROTECTED, Policy
from fake_issuer.policy.proofs import ProofKeys, bound_token_spec, proof_spec
from fake_issuer.policy.spec import TAMPERS, KeyRing, Signing, TokenSpec
from fake_issuer.policy.strategies import absents, json_values, texts, wrong_types

SearchStrategy = st.SearchStrategy


def htms(*, method: str) -> SearchStrategy[object]:
    """``htm`` values (RFC 9449 §4.2): the method, its other cases, other methods, wrong types, absent."""
    others = sorted({method.lower(), method.title(), method + " ", "POST", "HEAD", "*", ""} - {method})
    return st.one_of(st.just(method), st.sampled_from(others), absents(), wrong_types(like=method))


def htus(*, url: str) -> SearchStrategy[object]:
    """``htu`` values (RFC 9449 §4.3 point 9): equivalent spellings of ``url`` and near misses."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    port = {"http": "80", "https": "443"}[scheme]
    equivalent = [
        url,
        f"{scheme.upper()}://{host.upper()}/{path}",
        f"{scheme}://{host}:{port}/{path}",
        url + "?query=1",
        url + "#fragment",
        url + "?a=b#c",
    ]
    different = [
        url + "/",
        f"{scheme}://{host}/{path.upper()}",
        f"{scheme}://{host}/{path}x",
        f"{scheme}://{host}/%{ord(path[0]):02X}{path[1:]}",
        f"{scheme}://other.example/{path}",
        f"{'https' if scheme == 'http' else 'http'}://{host}/{path}",
        f"{scheme}://{host}:8443/{path}",
        f"{scheme}://user@{host}/{path}",
        f"/{path}",
        "",
        f"{scheme}://[{host}/{path}",
    ]
    return st.one_of(
        st.sampled_from(equivalent), st.sampled_from(different), absents(), wrong_types(like=url)
    )


def proof_iats(*, now: int, offset: int, leeway: int) -> SearchStrategy[object]:
    """Proof ``iat`` values (RFC 9449 §4.3 point 11): the window's edges, inside, outside, wrong types."""
    oldest, newest = now - offset - leeway, now + leeway
    edges = [oldest - 1, oldest, oldest + 1, now, newest - 1, newest, newest + 1]
    return st.one_of(
        st.sampled_from(edges),
        st.sampled_from([oldest - 0.5, newest + 0.5, newest - 0.5, float(now)]),
        st.integers(-offset - leeway - 60, leeway + 60).map(lambda delta: now + delta),
        absents(),
        st.sampled_from([str(now), True, None, float("nan"), float("inf"), 10**400]),
    )


def jtis() -> SearchStrategy[object]:
    """Proof ``jti`` values (RFC 9449 §4.2): random strings (never reused), empty, wrong types, absent."""
    return st.one_of(
        st.uuids().map(str), st.just(""), absents(), wrong_types(like="jti"), st.integers(1, 10**6)
    )


def aths(*, token: str) -> SearchStrategy[object]:
    """``ath`` values (RFC 9449 §4.2): the token's hash, padded, another token's, wrong types, absent."""
    good = access_token_hash(token)
    return st.one_of(
        st.just(good),
        st.sampled_from([good + "=", good.upper(), access_token_hash(token + "x"), good[:-1], ""]),
        absents(),
        wrong_types(like=good),
    )


def proof_types() -> SearchStrategy[object]:
    """Proof ``typ`` values (RFC 9449 §4.2): dpop+jwt in any case, other types, wrong types, absent."""
    allowed = ["dpop+jwt", "DPoP+JWT", "DPOP+JWT"]
    wrong = ["JWT", "at+jwt", "application/dpop+jwt", "dpop", "dpop+jwt ", ""]
    return st.one_of(
        st.sampled_from(allowed), st.sampled_from(wrong), absents(), wrong_types(like="dpop+jwt")
    )


def proof_header_changes(*, keys: ProofKeys, key: SigningKey) -> SearchStrategy[dict[str, object]]:
    """Changes to a good proof header: ``typ``, ``alg``, ``jwk`` replaced or dropped, forbidden members."""
    jwk = proof_jwk(key)
    jwks = st.one_of(
        st.sampled_from(
            [
                proof_jwk(key, embed_private=True),
                proof_jwk(keys.other),
                proof_jwk(keys.weak),
                proof_jwk(keys.es384 if key.kind == "EC" else keys.es256),
                jwk | {"k": "c2VjcmV0"},
                {name: value for name, value in jwk.items() if name not in ("x", "e")},
                jwk | {"kid": "k1", "alg": "ES256"},
            ]
        ),
        absents(),
        wrong_types(like="jwk"),
    )
    algs = st.sampled_from(
        ["none", "HS256", "ES256", "ES384", "ES512", "RS256", "PS256", "RS512", "es256", ""]
    )
    forbidden = st.sampled_from(
        [
            {"crit": ["htm"]},
            {"jku": "https://attacker.example/jwks.json"},
            {"x5u": "https://attacker.example/c.pem"},
            {"x5c": ["MIIB"]},
        ]
    )
    strategies = {"typ": proof_types(), "alg": algs | absents(), "jwk": jwks}
    changes = st.lists(st.sampled_from(list(strategies)), unique=True, min_size=1, max_size=2)

    @st.composite
    def changed(draw: st.DrawFn) -> dict[str, object]:
        members = {name: draw(strategies[name]) for name in draw(changes)}
        return members | draw(st.one_of(st.just({}), forbidden))

    return changed()


def proof_signings(*, keys: ProofKeys, key: SigningKey, alg: str) -> SearchStrategy[Signing]:
    """Ways a proof's signature is wrong: tampered, another key, another algorithm, no signature."""
    other_alg = {"RS256": "PS256", "PS256": "RS256", "ES256": "ES384", "ES384": "ES256"}[alg]
    other_key = keys.other if key.kind == "EC" else keys.weak
    return st.one_of(
        st.sampled_from([Signing(alg, key=key, tamper=tamper) for tamper in TAMPERS]),
        st.just(Signing(alg, key=other_key)),
        st.just(Signing(other_alg, key=key if other_alg[:2] != "ES" else keys.es384)),
        st.just(Signing("none")),
    )


def bindings(*, key: SigningKey, other: SigningKey) -> SearchStrategy[object]:
    """``cnf`` values (RFC 9449 §6.1, RFC 7800 §3.1): the key's ``jkt``, another key's, near misses."""
    jkt = key_thumbprint(key)
    return st.one_of(
        st.just({"jkt": jkt}),
        st.sampled_from(
            [
                {"jkt": key_thumbprint(other)},
                {"jkt": jkt + "="},
                {"jkt": jkt.upper()},
                {"jkt": [jkt]},
                {"jkt": jkt, "x5t#S256": "abc"},
                {},
                {"jwk": proof_jwk(key)},
                jkt,
                [jkt],
            ]
        ),
        absents(),
    )


#: Parts of a DPoP request ``dpop_requests`` may spoil.
DPOP_PARTS = ("scheme", "proof count", "header", "signature", "jti", "htm", "htu", "iat", "ath", "binding")


def dpop_requests(
    *, policy: Policy, ring: KeyRing, keys: ProofKeys, now: int, dpop: DPoPPolicy
) -> SearchStrategy[DPoPRequest]:
    """DPoP requests to a protected endpoint: a valid one with a few parts spoiled (RFC 9449 §7.1)."""
    spoils = st.lists(st.sampled_from(DPOP_PARTS), unique=True, max_size=2)
    schemes = st.sampled_from(["DPoP", "dpop", "DPOP", "Bearer", "Basic"]) | st.none()
    offset, leeway = int(dpop.iat_offset), int(dpop.leeway)

    @st.composite
    def spoiled(draw: st.DrawFn) -> DPoPRequest:
        parts = draw(spoils)
        alg = draw(st.sampled_from(sorted(keys.usable)))
        key = keys.usable[alg]
        endpoint = draw(st.sampled_from(PROTECTED))
        url = "http://testserver" + endpoint
        binding = (
            draw(bindings(key=key, other=keys.other)) if "binding" in parts else {"jkt": key_thumbprint(key)}
        )
        scope = draw(st.sampled_from([policy.required_scope, "openid"]))
        token = bound_token_spec(policy, ring, now, key=None, claims={"cnf": binding, "scope": scope})
        access = token.encode()
        members = {
            "jti": draw(jtis()) if "jti" in parts else draw(st.uuids().map(str)),
            "htm": draw(htms(method="GET")) if "htm" in parts else "GET",
            "htu": draw(htus(url=url)) if "htu" in parts else url,
            "iat": draw(proof_iats(now=now, offset=offset, leeway=leeway)) if "iat" in parts else now,
            "ath": draw(aths(token=access)) if "ath" in parts else access_token_hash(access),
        }
        header = draw(proof_header_changes(keys=keys, key=key)) if "header" in parts else {}
        signing = draw(proof_signings(keys=keys, key=key, alg=alg)) if "signature" in parts else None
        proof = proof_spec(
            key,
            htm="GET",
            htu=url,
            iat=now,
            jti=members.pop("jti"),
            alg=alg,
            claims=members | draw(st.dictionaries(st.just("x-note"), json_values(), max_size=1)),
            header=header,
            signing=signing,
        )
        proofs: tuple[TokenSpec, ...] = (proof,)
        if "proof count" in parts:
            proofs = draw(st.sampled_from([(), (proof, proof), (proof, _fresh(proof, now))]))
        scheme = draw(schemes) if "scheme" in parts else "DPoP"
        return DPoPRequest(token, proofs, scheme=scheme, url=url)

    return spoiled()


def _fresh(proof: TokenSpec, now: int) -> TokenSpec:
    claims = dict(proof.claims) if isinstance(proof.claims, dict) else {}
    return TokenSpec(proof.header, claims | {"jti": f"second-{now}"}, proof.signing)


def valid_dpop_requests(
    *, policy: Policy, ring: KeyRing, keys: ProofKeys, now: int
) -> SearchStrategy[DPoPRequest]:
    """DPoP requests the API must accept on /api/private: any allowed alg, a fresh jti, extra claims."""

    def build(alg: str, jti: str, extra: dict[str, object]) -> DPoPRequest:
        key = keys.usable[alg]
        token = bound_token_spec(policy, ring, now, key=key)
        url = "http://testserver" + PROTECTED[0]
        proof = proof_spec(
            key, htm="GET", htu=url, iat=now, jti=jti, alg=alg, access_token=token.encode(), claims=extra
        )
        return DPoPRequest(token, (proof,), url=url)

    extras = st.dictionaries(st.sampled_from(["x-note", "client"]), texts(), max_size=2)
    return st.builds(build, st.sampled_from(sorted(keys.usable)), st.uuids().map(str), extras)
