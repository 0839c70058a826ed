"""The attack catalog itself: shape, references, coverage of issue 5's list, and its generated table."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from fake_issuer import FakeIssuer, Signer
from fake_issuer.attacks import (
    CATALOG,
    CATEGORIES,
    Attack,
    Request,
    accepted,
    attack,
    no_credentials,
    register,
    rejected,
    render_markdown,
    render_text,
    scope_denied,
)
from fake_issuer.attacks.forgery import attacker_ec_key, attacker_key, public_key_forms
from fake_issuer.attacks.signature import NONE_SPELLINGS
from fake_issuer.encoding import b64url_decode

DOCS = Path(__file__).resolve().parents[2] / "docs" / "attacks.md"
REFERENCE = re.compile(
    r"(RFC \d{4}|CVE-\d{4}-\d{4,}|validation-policy|OpenID Connect|UTS #39|api-quickstarts-tests)"
)
BY_ID = {entry.id: entry for entry in CATALOG}

#: Issue 5's list, bullet by bullet: at least one entry for each (ids that must stay in the catalog).
REQUIRED = {
    "alg none, empty and original signature": ["alg-none-unsigned", "alg-NONE-original-signature"],
    "empty signature, tampering": [
        "signature-empty",
        "tampered-header",
        "tampered-payload",
        "tampered-signature",
    ],
    "RS->HS confusion, every key form": [
        f"key-confusion-hs256-{form}"
        for form in ("pem", "pem-no-newline", "pkcs1-pem", "der", "jwk-json", "openssh")
    ],
    "blank and common HMAC secrets": ["hs256-secret-blank", "hs256-secret-word"],
    "other algorithms, right key and attacker keys": [
        "alg-ps256-right-key",
        "alg-rs512-right-key",
        "alg-es256-attacker-key",
    ],
    "psychic signature": ["psychic-signature"],
    "malformed alg": ["alg-lowercase", "alg-leading-space", "alg-null", "alg-array"],
    "duplicate header keys": ["duplicate-alg-none-first", "duplicate-kid"],
    "embedded jwk, jku, x5u, x5c": [
        "jwk-embedded",
        "jwk-embedded-trusted-kid",
        "jku-attacker",
        "x5u-attacker",
        "x5c-self-signed",
    ],
    "kid injection": ["kid-path-traversal", "kid-sql-tautology", "kid-shell-pipe", "kid-empty"],
    "kid wrong type or huge, unknown": ["kid-int", "kid-array", "kid-huge", "kid-unknown"],
    "attacker key on a trusted kid, other tenant, weak key": [
        "attacker-key-trusted-kid",
        "other-tenant-key",
        "weak-key-published",
    ],
    "crit, b64, zip": ["crit-unknown", "b64-false-detached", "zip-deflated-payload"],
    "JWE, JSON serialisation, polyglot, typ": [
        "jwe-rsa-oaep",
        "jws-flattened-json",
        "json-compact-polyglot",
        "typ-JOSE",
    ],
    "payload not an object, not UTF-8, BOM, duplicates": [
        "payload-array",
        "payload-latin-1",
        "payload-bom",
        "duplicate-iss",
    ],
    "NaN, Infinity, huge numbers": ["exp-nan", "exp-infinity", "exp-1e400", "exp-5000-digits"],
    "oversized segments": ["oversized-header", "oversized-payload", "oversized-signature"],
    "every registered claim with wrong types": [
        "iss-number",
        "aud-object",
        "exp-string",
        "nbf-bool",
        "iat-null",
        "sub-array",
        "scope-array",
    ],
    "iss arrays, issuer substring": ["iss-array", "iss-substring"],
    "aud arrays and nested arrays": ["aud-nested-array", "aud-array-other-first"],
    "ID-token-shaped tokens, unicode look-alikes": ["id-token", "iss-cyrillic-a", "scope-cyrillic-e"],
    "Authorization: other schemes, empty, several, comma": [
        "scheme-basic",
        "bearer-alone",
        "bearer-two-tokens",
        "bearer-comma-joined",
    ],
    "Authorization: tabs, control characters, query, long": [
        "scheme-tab-after-scheme",
        "bearer-nul-after-token",
        "query-only",
        "bearer-huge-garbage",
    ],
}
#: Issue 10's key-policy list: key_ops, ROCA, a kid shared by two usable keys, zip on a JWS.
REQUIRED_KEY_POLICY = {
    "key_ops without verify": ["key-ops-encrypt", "key-ops-sign-only", "key-ops-not-array"],
    "ROCA-fingerprinted modulus": ["key-roca-published"],
    "public exponent 1": ["key-exponent-one-forged"],
    "ambiguous kid": ["kid-shared-first-signs", "kid-shared-last-signs"],
    "zip on a plain JSON payload": ["zip-plain-json"],
    "benign neighbours keep working": [
        "key-ops-verify",
        "kid-shared-with-unusable-key",
        "typ-application-jwt",
    ],
}
ISSUE_CVES = [
    *("CVE-2015-9235", "CVE-2016-10555", "CVE-2017-11424", "CVE-2022-29217", "CVE-2024-33663"),
    *("CVE-2024-37568", "CVE-2022-21449", "CVE-2018-0114", "CVE-2026-27962", "CVE-2025-59420"),
    *("CVE-2022-39227", "CVE-2025-61920", "CVE-2025-30144", "CVE-2024-53861", "CVE-2020-26160"),
    *("CVE-2017-15361", "CVE-2024-33664", "CVE-2025-62706"),
]


def test_catalog_has_at_least_70_distinct_attacks_besides_the_alg_none_spellings() -> None:
    assert len(CATALOG) - 2 * len(NONE_SPELLINGS) >= 70
    assert len(NONE_SPELLINGS) == 16 and len(set(NONE_SPELLINGS)) == 16


def test_ids_are_unique_slugs() -> None:
    assert len(BY_ID) == len(CATALOG)
    assert all(re.fullmatch(r"[A-Za-z0-9]+(-[A-Za-z0-9+]+)*", entry.id) for entry in CATALOG)


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.id)
def test_entry_has_a_one_line_description_and_a_reference(entry: Attack) -> None:
    assert entry.description and "\n" not in entry.description and len(entry.description) <= 100
    assert REFERENCE.search(entry.reference), entry.reference
    assert entry.category in CATEGORIES


@pytest.mark.parametrize(("bullet", "ids"), REQUIRED.items())
def test_every_bullet_of_the_issue_has_entries(bullet: str, ids: list[str]) -> None:
    assert [name for name in ids if name not in BY_ID] == []


@pytest.mark.parametrize(("bullet", "ids"), REQUIRED_KEY_POLICY.items())
def test_every_key_policy_bullet_has_entries(bullet: str, ids: list[str]) -> None:
    assert [name for name in ids if name not in BY_ID] == []


def test_key_policy_entries_are_rejected_by_rule_4_and_zip_by_rule_3() -> None:
    for name in [
        *REQUIRED_KEY_POLICY["key_ops without verify"],
        "key-roca-published",
        "kid-shared-first-signs",
    ]:
        assert BY_ID[name].expected == rejected(4), name
    assert BY_ID["zip-plain-json"].expected == rejected(3)
    assert all(
        BY_ID[name].expected == accepted() for name in REQUIRED_KEY_POLICY["benign neighbours keep working"]
    )


@pytest.mark.parametrize("cve", ISSUE_CVES)
def test_every_cve_of_the_issue_is_referenced(cve: str) -> None:
    assert any(cve in entry.reference for entry in CATALOG)


def test_every_category_is_populated_and_listed_in_order() -> None:
    counts = Counter(entry.category for entry in CATALOG)
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 10
    assert [entry.category for entry in CATALOG] == sorted(
        (entry.category for entry in CATALOG), key=CATEGORIES.index
    )


def test_expected_outcomes_render_as_the_table_shows_them() -> None:
    assert str(rejected(3)) == "401 invalid_token (rule 3)"
    assert str(no_credentials()) == "401 (rule 1, bare challenge)"
    assert str(accepted()) == "200"
    assert str(scope_denied()) == "200 / 403 insufficient_scope (scope)"
    assert scope_denied().on("private").status == 200 and scope_denied().on("scoped").status == 403


def test_a_bare_token_is_sent_as_bearer_and_a_request_as_built() -> None:
    issuer = FakeIssuer()
    request = BY_ID["alg-none-unsigned"].request(issuer)
    assert request.authorization == f"Bearer {request.token}"
    assert BY_ID["authorization-missing"].request(issuer) == Request(None)


def test_registering_a_duplicate_id_is_refused() -> None:
    before = len(CATALOG)
    with pytest.raises(ValueError, match="duplicate attack id 'alg-none-unsigned'"):
        attack("alg-none-unsigned", "again", "RFC 8725 §3.1", rejected(3))(lambda issuer: issuer.mint())
    with pytest.raises(ValueError):
        register(BY_ID["kid-unknown"])
    assert len(CATALOG) == before


def test_public_key_forms_of_an_ec_key_have_no_pkcs1_form() -> None:
    assert "pkcs1-pem" in public_key_forms(attacker_key())
    forms = public_key_forms(attacker_ec_key())
    assert "pkcs1-pem" not in forms and forms["openssh"].startswith(b"ecdsa-sha2-nistp256 ")


def test_text_table_lists_every_entry_with_its_expectation() -> None:
    lines = render_text().splitlines()
    assert lines[0].split() == ["id", "description", "reference", "expected"]
    assert len(lines) == len(CATALOG) + 1
    for line, entry in zip(lines[1:], CATALOG, strict=True):
        assert line.startswith(entry.id + " ") and line.endswith(str(entry.expected))


def test_markdown_escapes_table_syntax() -> None:
    entry = Attack("x", "signature", "a | b `c` d\\e", "RFC 7515 §5.2", accepted(), lambda issuer: "")
    assert "| x | a \\| b \\`c\\` d\\\\e | RFC 7515 §5.2 | 200 |" in render_markdown([entry])


def test_docs_attacks_md_is_the_generated_table() -> None:
    """If this fails, run: python -m fake_issuer attacks --markdown docs/attacks.md"""
    assert DOCS.read_text(encoding="utf-8") == render_markdown()


def test_the_exponent_one_forgery_would_verify_under_its_published_key() -> None:
    issuer = FakeIssuer()
    token = BY_ID["key-exponent-one-forged"].request(issuer).token or ""
    header, payload, signature = token.split(".")
    published = issuer.keys[-1].public_jwk()
    n = int.from_bytes(b64url_decode(published["n"]), "big")
    assert published["e"] == "AQ"
    # The genuine RS256 signature raised to the real exponent is the PKCS #1 encoding (RFC 8017 §8.2.2);
    # the forgery is that encoding itself, which is what s**1 mod n gives back under e = 1.
    genuine = Signer("RS256", key=issuer.keys[-1]).sign(f"{header}.{payload}".encode())
    encoded = pow(int.from_bytes(genuine, "big"), 65537, n)
    assert int.from_bytes(b64url_decode(signature), "big") == encoded
