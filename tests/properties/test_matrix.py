"""The claim, time and DPoP matrices against the API, all of them, in shards pytest-xdist shares out."""

from __future__ import annotations

import pytest

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.matrix.dpop import DPoPMatrix
from fake_issuer.matrix.matrix import Matrix, Result, shard, time_facets
from fake_issuer.policy.dpop import MODES, DPoPPolicy
from tests.properties.tenant import NOW, POLICY, RING

#: Each matrix with its shard count: about 1,000 combinations (3,000 requests) a shard.
MATRICES: dict[str, tuple[Matrix | DPoPMatrix, int]] = {
    "claims": (Matrix(POLICY, RING, now=NOW), 12),
    "times": (Matrix(POLICY, RING, now=NOW, table=time_facets, name="time matrix"), 2),
    **{f"dpop-{mode}": (DPoPMatrix(POLICY, RING, DPoPPolicy(mode=mode), now=NOW), 1) for mode in MODES},
}
SHARDS = [(name, index) for name, (_, count) in MATRICES.items() for index in range(count)]


def results_of(api: DjangoAPI, matrix: Matrix | DPoPMatrix, index: int, count: int) -> list[Result]:
    """Run one shard of ``matrix`` against ``api`` (a DPoP matrix under its own ``AUTH0_DPOP`` mode)."""
    chosen = shard(matrix.combinations, index, count)
    if isinstance(matrix, DPoPMatrix):
        with api.dpop_settings(matrix.dpop) as configured:
            return matrix.run(chosen, configured.send)
    return matrix.run(chosen, api.get)


@pytest.mark.parametrize(("name", "index"), SHARDS, ids=[f"{name}-{index}" for name, index in SHARDS])
def test_matrix_shard_agrees_with_the_oracle(live_api: DjangoAPI, name: str, index: int) -> None:
    matrix, count = MATRICES[name]
    results = results_of(live_api, matrix, index, count)
    disagreements = [
        f"{r.combination} at {r.endpoint}: {'; '.join(r.breaches)}" for r in results if not r.agrees
    ]
    assert not disagreements, f"{len(disagreements)} disagreements, first ones:\n" + "\n".join(
        disagreements[:20]
    )
    endpoints = 2 if isinstance(matrix, DPoPMatrix) else 3
    assert len(results) == endpoints * len(shard(matrix.combinations, index, count)) > 0
