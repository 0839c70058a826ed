"""The memo of checked DPoP proof headers (apiexample.dpop): a client's proofs share one header segment.

What is remembered is only what passed checks 2-4 for that exact segment: the header, its key and
the key's RFC 7638 thumbprint. The signature, the claims and the replay check run for every proof.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc.jwk import import_key as joserfc_import_key

from apiexample import dpop
from apiexample.errors import InvalidDPoPProof
from fake_issuer.dpop import generate_dpop_key, key_thumbprint, mint_dpop_proof
from fake_issuer.keys import SigningKey

HTU = "https://api.example.test/api/private"


@pytest.fixture
def memo() -> Any:
    """The module's memo, emptied for the test."""
    memo = dpop._memo_check_proof_header
    memo.cache_clear()
    return memo


@pytest.fixture
def imports(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The ``jwk`` members handed to joserfc's ``import_key`` during the test, in order."""
    real = joserfc_import_key
    seen: list[object] = []

    def counting(jwk: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(jwk)
        return real(jwk, *args, **kwargs)

    monkeypatch.setattr(dpop, "import_key", counting)
    return seen


def verify(proof: str, token: str = "access-token") -> dpop.VerifiedProof:
    """``verify_proof`` for GET HTU now, with Auth0's window (300 s offset, 30 s leeway)."""
    return dpop.verify_proof(
        proof, access_token=token, method="GET", uri=HTU, now=time.time(), offset=300, leeway=30
    )


def proof(key: SigningKey, **options: Any) -> str:
    return mint_dpop_proof(key, htm="GET", htu=HTU, access_token="access-token", **options)


def test_a_clients_proofs_import_its_key_once_and_each_is_still_verified(
    memo: Any, imports: list[object]
) -> None:
    key = generate_dpop_key()
    first, second = proof(key), proof(key)
    assert first.split(".")[0] == second.split(".")[0] and first != second
    assert verify(first).jkt == verify(second).jkt == key_thumbprint(key)
    assert len(imports) == 1 and memo.cache_info().hits == 1
    # The memo holds the header's checks, not the signature: a proof whose signature is another's fails.
    header, payload, _ = second.split(".")
    with pytest.raises(InvalidDPoPProof, match="signature does not verify"):
        verify(f"{header}.{payload}.{first.split('.')[2]}")


def test_a_refused_header_is_not_remembered(memo: Any, imports: list[object]) -> None:
    key = generate_dpop_key()
    private = proof(key, embed_private=True)
    for _ in range(2):
        with pytest.raises(InvalidDPoPProof, match="private key members"):
            verify(private)
    assert memo.cache_info().currsize == 0 and not imports


def test_a_long_header_segment_is_checked_every_time(memo: Any, imports: list[object]) -> None:
    key = generate_dpop_key()
    long = proof(key, header={"pad": "x" * 1200})
    assert len(long.split(".")[0]) > dpop.MEMO_PROOF_HEADER_MAX_LENGTH
    for _ in range(2):
        assert verify(long).jkt == key_thumbprint(key)
    assert memo.cache_info().currsize == 0 and len(imports) == 2
    verify(proof(key))
    assert memo.cache_info().currsize == 1


def test_the_memo_is_bounded(memo: Any) -> None:
    # Attacker-chosen headers must not fill memory: many distinct short valid headers, a bounded memo.
    key = generate_dpop_key()
    distinct = 300
    for n in range(distinct):
        verify(proof(key, header={"n": n}))
    assert memo.cache_info().currsize == 256 < distinct


def test_a_header_segment_at_the_bound_is_remembered_and_one_longer_is_not(memo: Any) -> None:
    key = generate_dpop_key()
    by_length = {
        len(p.split(".")[0]): p for p in (proof(key, header={"pad": "x" * n}) for n in range(940, 1000))
    }
    bound = dpop.MEMO_PROOF_HEADER_MAX_LENGTH
    at, beyond = by_length[bound], by_length[bound + 2]  # base64url: 1536 = 4 * 384; +1 byte gives 1538
    verify(at)
    assert memo.cache_info().currsize == 1
    verify(beyond)
    assert memo.cache_info().currsize == 1
