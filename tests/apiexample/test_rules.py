"""One test per rule of docs/validation-policy.md, through the API (a token, and the rule it breaks)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from fake_issuer import FakeIssuer, Signer, encode_token, generate_ec_key, generate_rsa_key
from fake_issuer.attacks.forgery import Member, relabelled
from fake_issuer.attacks.roca_keys import roca_key
from fake_issuer.encoding import b64url_encode
from tests.endpoints import PRIVATE, PROTECTED, SCOPED


def status_of(api: Client, token: str, path: str = PRIVATE) -> int:
    """The API's status for ``token`` on ``path``; asserts the RFC 6750 challenge of a 401 on the way."""
    response = api.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith(
            'Bearer realm="apiexample", error="invalid_token", error_description="'
        )
        assert response.json()["error"] == "invalid_token"
        assert token not in response.content.decode()
    return int(response.status_code)


def test_a_default_token_is_accepted_everywhere(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint()
    assert [status_of(api, token, path) for path in PROTECTED] == [200, 200]


# -- rule 1: the Authorization header ------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.parametrize("gap", [" ", "   "])
def test_rule1_scheme_is_case_insensitive_and_spaces_may_repeat(
    api: Client, tenant: FakeIssuer, scheme: str, gap: str
) -> None:
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"{scheme}{gap}{tenant.mint()}")
    assert response.status_code == 200


@pytest.mark.parametrize("template", ["Basic {t}", "Token {t}", "JWT {t}", "MAC {t}", "Bearer\t{t}", "{t}"])
def test_rule1_other_schemes_get_a_bare_challenge(api: Client, tenant: FakeIssuer, template: str) -> None:
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=template.format(t=tenant.mint()))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="apiexample"'
    assert response.json()["error"] == "missing_authorization"


@pytest.mark.parametrize("template", ["Bearer {t} {t}", "Bearer {t},{t}", "Bearer   ", "Bearer {t} x"])
def test_rule1_exactly_one_token(api: Client, tenant: FakeIssuer, template: str) -> None:
    assert status_of(api, template.format(t=tenant.mint())) == 401


def test_rule1_whitespace_around_the_value_is_not_part_of_it(api: Client, tenant: FakeIssuer) -> None:
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f" \tBearer {tenant.mint()} ")
    assert response.status_code == 200


# -- rule 2: compact JWS syntax -------------------------------------------------------------------


def _segments(token: str) -> list[str]:
    return token.split(".")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: ".".join(s[:2]), id="two-segments"),
        pytest.param(lambda s: ".".join([*s, s[2]]), id="four-segments"),
        pytest.param(lambda s: ".".join([s[0] + "=", s[1], s[2]]), id="padded-header"),
        pytest.param(lambda s: ".".join([s[0], s[1] + "==", s[2]]), id="padded-payload"),
        pytest.param(
            lambda s: (
                ".".join([s[0], s[1].replace("-", "+"), s[2]])
                if "-" in s[1]
                else ".".join([s[0], "+" + s[1], s[2]])
            ),
            id="standard-alphabet",
        ),
        pytest.param(lambda s: ".".join([s[0], s[1] + "A", s[2]]), id="impossible-length"),
        pytest.param(
            lambda s: ".".join([s[0], s[1], s[2][:-1] + chr(ord(s[2][-1]) ^ 1)]),
            id="non-canonical-or-bad-signature",
        ),
        pytest.param(lambda s: ".".join([s[0], s[1] + "é", s[2]]), id="non-ascii"),
    ],
)
def test_rule2_only_compact_canonical_base64url(api: Client, tenant: FakeIssuer, mangle: object) -> None:
    token = mangle(_segments(tenant.mint()))  # type: ignore[operator]
    assert status_of(api, token) == 401


def test_rule2_signature_with_non_canonical_trailing_bits_is_rejected(
    api: Client, tenant: FakeIssuer
) -> None:
    header, payload, signature = _segments(tenant.mint())
    # A 256-byte RSA signature encodes to 342 characters whose last one carries 4 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = signature[:-1] + alphabet[last | 1]
    assert twin != signature
    assert status_of(api, f"{header}.{payload}.{twin}") == 401


@pytest.mark.parametrize(
    "raw_payload",
    [
        b"[]",
        b'"a string"',
        b"null",
        b"\xff\xfe not utf-8",
        b"\xef\xbb\xbf{}",
        b'{"exp": NaN}',
        b'{"exp": Infinity}',
        b"{not json",
        b"[" * 100_000,
        b'{"exp": ' + b"9" * 5000 + b"}",
    ],
    ids=[
        "array",
        "string",
        "null",
        "not-utf8",
        "bom",
        "nan",
        "infinity",
        "broken",
        "deep",
        "too-many-digits",
    ],
)
def test_rule2_payload_must_be_a_utf8_json_object(
    api: Client, tenant: FakeIssuer, raw_payload: bytes
) -> None:
    assert status_of(api, tenant.mint(payload=raw_payload)) == 401


def test_rule2_duplicate_claims_are_rejected(api: Client, tenant: FakeIssuer) -> None:
    claims = json.dumps(tenant.claims())[:-1] + ', "iss": "https://evil.example/"}'
    assert status_of(api, tenant.mint(payload=claims.encode())) == 401
    same_twice = json.dumps(tenant.claims())[:-1] + f', "iss": "{tenant.issuer}"' + "}"
    assert status_of(api, tenant.mint(payload=same_twice.encode())) == 401


@pytest.mark.parametrize(
    "raw_header",
    [b"[]", b"not json", b'{"alg":"RS256","alg":"RS256","kid":"x"}', b"\xff"],
    ids=["array", "broken", "duplicate", "not-utf8"],
)
def test_rule2_header_must_be_a_utf8_json_object(api: Client, tenant: FakeIssuer, raw_header: bytes) -> None:
    assert status_of(api, tenant.mint(raw_header=raw_header)) == 401


# -- rule 3: header ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alg", ["none", "None", "NONE", "HS256", "RS512", "PS256", "rs256", " RS256", None, ["RS256"]]
)
def test_rule3_alg_is_exactly_rs256(api: Client, tenant: FakeIssuer, alg: object) -> None:
    # Signed with RS256 by the right key: only the header's claim of algorithm differs.
    assert status_of(api, tenant.mint(header={"alg": alg})) == 401


def test_rule3_missing_alg(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(drop_header=["alg"])) == 401


def test_rule3_hs256_keyed_with_the_public_key_is_rejected(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint(alg="HS256", secret=tenant.signing_key.public_pem())
    assert status_of(api, token) == 401


def test_rule3_alg_none_without_signature_is_rejected(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(alg="none")) == 401


@pytest.mark.parametrize("kid", [None, 7, ["kid"], {"kid": "x"}, True])
def test_rule3_kid_must_be_a_string(api: Client, tenant: FakeIssuer, kid: object) -> None:
    assert status_of(api, tenant.mint(header={"kid": kid})) == 401
    assert status_of(api, tenant.mint(drop_header=["kid"])) == 401


@pytest.mark.parametrize(
    "typ",
    [
        "JWT",
        "jwt",
        "application/jwt",
        "Application/JWT",
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+JWT",
    ],
)
def test_rule3_allowed_typ_values(api: Client, tenant: FakeIssuer, typ: str) -> None:
    assert status_of(api, tenant.mint(header={"typ": typ})) == 200


def test_rule3_typ_may_be_absent(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(drop_header=["typ"])) == 200


@pytest.mark.parametrize("typ", ["JWS", "id_token", "at+jwt ", "application/jwt+x", "", None, 1, ["JWT"]])
def test_rule3_other_typ_values_are_rejected(api: Client, tenant: FakeIssuer, typ: object) -> None:
    assert status_of(api, tenant.mint(header={"typ": typ})) == 401


@pytest.mark.parametrize("member", ["crit", "jku", "jwk", "x5u", "x5c"])
def test_rule3_key_choosing_members_are_rejected(api: Client, tenant: FakeIssuer, member: str) -> None:
    values = {
        "crit": ["exp"],
        "jku": "https://evil.example/jwks.json",
        "jwk": tenant.signing_key.public_jwk(),
        "x5u": "https://evil.example/cert.pem",
        "x5c": ["MIIB"],
    }
    assert status_of(api, tenant.mint(header={member: values[member]})) == 401
    # Keys come only from the configured JWKS: nothing the token named was fetched.
    assert all(request.url == tenant.jwks_url for request in tenant.mock.requests)


def test_rule3_unknown_kid_is_rejected(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(header={"kid": "no-such-key"})) == 401


@pytest.mark.parametrize("value", ["DEF", "none", "", None, {"alg": "DEF"}])
def test_rule3_zip_is_rejected_even_on_a_plain_json_payload(
    api: Client, tenant: FakeIssuer, value: object
) -> None:
    # RFC 7516 §4.1.3: zip belongs to JWE; a JWS never says it is compressed (CVE-2024-33664's class).
    response = api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {tenant.mint(header={'zip': value})}")
    assert response.status_code == 401
    assert response.json()["error_description"] == "The token's header carries 'zip', which is not accepted."


# -- rule 4: usable keys ----------------------------------------------------------------------------


def test_rule4_weak_key_in_the_jwks_is_not_used(api: Client, tenant: FakeIssuer) -> None:
    weak = generate_rsa_key("weak-key-in-jwks", bits=1024)
    tenant.keys.append(weak)
    assert status_of(api, tenant.mint(key=weak)) == 401
    assert status_of(api, tenant.mint()) == 200


@pytest.mark.parametrize(
    ("key_ops", "status"),
    [
        (("encrypt",), 401),
        (("sign",), 401),
        ((), 401),
        ("verify", 401),
        (("verify",), 200),
        (("sign", "verify"), 200),
    ],
)
def test_rule4_key_ops_must_allow_verify(
    api: Client, tenant: FakeIssuer, key_ops: Member, status: int
) -> None:
    key = relabelled(
        tenant.new_key(), use=None, alg=None, key_ops=key_ops
    )  # a tuple is published as an array
    tenant.keys.append(key)
    assert status_of(api, tenant.mint(key=key)) == status
    assert status_of(api, tenant.mint()) == 200


def test_rule4_a_roca_fingerprinted_key_is_not_used(api: Client, tenant: FakeIssuer) -> None:
    tenant.keys.append(roca_key())
    assert status_of(api, tenant.mint(key=roca_key())) == 401
    assert status_of(api, tenant.mint()) == 200


def test_rule4_a_kid_two_usable_keys_share_names_neither(api: Client, tenant: FakeIssuer) -> None:
    other = tenant.add_key()
    twin = tenant.add_key(kid=tenant.signing_key.kid)
    assert status_of(api, tenant.mint()) == 401
    assert status_of(api, tenant.mint(key=twin)) == 401
    assert status_of(api, tenant.mint(key=other)) == 200  # the rest of the set still works


def test_rule4_ec_key_in_the_jwks_does_not_break_rsa_keys(api: Client, tenant: FakeIssuer) -> None:
    ec_key = generate_ec_key("ec-key-in-jwks")
    tenant.keys.append(ec_key)
    assert status_of(api, tenant.mint()) == 200
    assert status_of(api, tenant.mint(key=ec_key, alg="ES256", header={"alg": "RS256"})) == 401


# -- rule 5: signature ----------------------------------------------------------------------------


def test_rule5_foreign_key_under_a_trusted_kid(api: Client, tenant: FakeIssuer) -> None:
    foreign = generate_rsa_key("attacker")
    token = tenant.mint(key=foreign, header={"kid": tenant.signing_key.kid})
    assert status_of(api, token) == 401


def test_rule5_tampered_payload(api: Client, tenant: FakeIssuer) -> None:
    header, _, signature = tenant.mint(scope="").split(".")
    payload = b64url_encode(json.dumps(tenant.claims(scope="read:messages")).encode())
    assert status_of(api, f"{header}.{payload}.{signature}", SCOPED) == 401


def test_rule5_empty_signature(api: Client, tenant: FakeIssuer) -> None:
    header, payload, _ = tenant.mint().split(".")
    assert status_of(api, f"{header}.{payload}.") == 401


def test_rule5_ps256_by_the_right_key_is_not_rs256(api: Client, tenant: FakeIssuer) -> None:
    signer = Signer("PS256", key=tenant.signing_key)
    token = encode_token(tenant.header(), tenant.claims(), signer)
    assert status_of(api, token) == 401


# -- rules 6-10: claims -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss",
    [
        "https://fake-tenant.auth0.test",
        "https://fake-tenant.auth0.test//",
        "https://FAKE-tenant.auth0.test/",
        "https://fake-tenant.auth0.test/.evil",
        "https://fake-tenant.auth0.test.evil/",
        "http://fake-tenant.auth0.test/",
        ["https://fake-tenant.auth0.test/"],
        None,
        1,
    ],
)
def test_rule6_iss_is_exactly_the_issuer(api: Client, tenant: FakeIssuer, iss: object) -> None:
    assert status_of(api, tenant.mint(claims={"iss": iss})) == 401


def test_rule6_missing_iss(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(drop=["iss"])) == 401


@pytest.mark.parametrize(
    "aud",
    ["https://apiexample.test/api", ["https://apiexample.test/api"], ["x", "https://apiexample.test/api"]],
)
def test_rule7_accepted_audiences(api: Client, tenant: FakeIssuer, aud: object) -> None:
    assert status_of(api, tenant.mint(claims={"aud": aud})) == 200


@pytest.mark.parametrize(
    "aud",
    [
        "https://apiexample.test/api/",
        "https://apiexample.test",
        ["https://apiexample.test/api/"],
        [],
        [["https://apiexample.test/api"]],
        ["https://apiexample.test/api", 1],
        "",
        None,
        {"aud": "https://apiexample.test/api"},
    ],
)
def test_rule7_rejected_audiences(api: Client, tenant: FakeIssuer, aud: object) -> None:
    assert status_of(api, tenant.mint(claims={"aud": aud})) == 401
    assert status_of(api, tenant.mint(drop=["aud"])) == 401


def test_rule8_exp_boundary_with_leeway(api: Client, tenant: FakeIssuer) -> None:
    now = time.time()
    assert status_of(api, tenant.mint(claims={"exp": int(now) - 30})) == 200  # inside the 60 s leeway
    assert status_of(api, tenant.mint(claims={"exp": int(now) - 120})) == 401


@pytest.mark.parametrize("exp", ["9999999999", True, None, [9999999999], {}, -(10**400)])
def test_rule8_exp_must_be_a_finite_number(api: Client, tenant: FakeIssuer, exp: object) -> None:
    assert status_of(api, tenant.mint(claims={"exp": exp})) == 401


def test_rule8_exp_overflowing_to_infinity_is_rejected(api: Client, tenant: FakeIssuer) -> None:
    # JSON has no infinity, but Python reads 1e400 as one; it must not mean "never expires".
    claims = json.dumps({**tenant.claims(), "exp": 0}).replace('"exp": 0', '"exp": 1e400')
    assert status_of(api, tenant.mint(payload=claims.encode())) == 401


def test_rule8_missing_exp(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(drop=["exp"])) == 401


def test_rule8_huge_exp_is_a_valid_number(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(claims={"exp": 10**400})) == 200
    assert status_of(api, tenant.mint(claims={"exp": 1.5e308})) == 200


def test_rule9_nbf_and_iat(api: Client, tenant: FakeIssuer) -> None:
    now = int(time.time())
    assert status_of(api, tenant.mint(claims={"nbf": now + 30})) == 200
    assert status_of(api, tenant.mint(claims={"nbf": now + 600})) == 401
    assert status_of(api, tenant.mint(claims={"iat": now + 30})) == 200
    assert status_of(api, tenant.mint(claims={"iat": now + 600})) == 401
    assert status_of(api, tenant.mint(drop=["iat"])) == 200


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("value", ["0", True, None, [0], {}])
def test_rule9_times_must_be_numbers(api: Client, tenant: FakeIssuer, claim: str, value: object) -> None:
    assert status_of(api, tenant.mint(claims={claim: value})) == 401


@pytest.mark.parametrize("claim", ["scope", "sub", "jti"])
@pytest.mark.parametrize("value", [1, ["read:messages"], {"read:messages": True}, None, True])
def test_rule10_scope_sub_and_jti_must_be_strings(
    api: Client, tenant: FakeIssuer, claim: str, value: object
) -> None:
    for path in PROTECTED:
        assert status_of(api, tenant.mint(claims={claim: value}), path) == 401


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("read:messages", 200),
        ("write:messages read:messages", 200),
        ("  read:messages  ", 200),
        ("read:messages\twrite:messages", 403),
        ("read:messages,write:messages", 403),
        ("Read:Messages", 403),
        ("read:message", 403),
        ("read:messagesX", 403),
        ("xread:messages", 403),
        ("", 403),
    ],
)
def test_scope_is_an_exact_space_separated_entry(
    api: Client, tenant: FakeIssuer, scope: str, expected: int
) -> None:
    assert status_of(api, tenant.mint(scope=scope), SCOPED) == expected
    assert status_of(api, tenant.mint(scope=scope), PRIVATE) == 200


def test_permissions_are_ignored_by_default(api: Client, tenant: FakeIssuer) -> None:
    token = tenant.mint(scope=None, claims={"permissions": ["read:messages"]})
    assert status_of(api, token, SCOPED) == 403


def test_rule10_a_string_jti_is_accepted(api: Client, tenant: FakeIssuer) -> None:
    assert status_of(api, tenant.mint(claims={"jti": "5e1b6f0c"})) == 200
